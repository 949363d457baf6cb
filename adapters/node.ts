/**
 * The Node adapter: workers are child processes from `node:child_process`.
 *
 * Node needs no quirk: it reports exits as the kernel does, and its IPC
 * talks JSON with Deno and Bun workers alike.
 *
 * @example Spawn a worker on Node
 * ```ts
 * import { createAdapter } from "steward/node";
 * const adapter = createAdapter();
 * const handle = await adapter.spawn(spec, listener);
 * ```
 *
 * @module
 */

import type { Adapter } from "../src/adapter.ts";
import { type AdapterOptions, createChildProcessAdapter } from "./_child_process.ts";

export type { AdapterOptions } from "./_child_process.ts";

/** The runtime this adapter serves. */
export const runtime: "node" = "node";

/**
 * Creates an adapter for a master running on Node.
 *
 * @param options Orphan keeper and output settings; every field has a default.
 * @returns An adapter whose orphan keeper starts with the first spawn.
 * @example Create one and release it when done
 * ```ts
 * const adapter = createAdapter({ keeper: true });
 * // ... spawn workers, wait for them to exit ...
 * await adapter.close();
 * ```
 */
export function createAdapter(options: AdapterOptions = {}): Adapter {
  return createChildProcessAdapter(runtime, {}, options);
}
