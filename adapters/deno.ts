/**
 * The Deno adapter: workers are child processes from Deno's
 * `node:child_process`.
 *
 * Deno's quirk sits in `ChildProcess.kill()`: right after it, Deno sets
 * `killed` and `connected` false and closes the IPC channel (an IPC worker
 * gets `disconnect` whether or not it handles the signal), later `kill()`
 * calls return false and deliver nothing, and the exit is reported as
 * `(null, "SIGTERM")` even when the worker handled SIGTERM and exited 0. The
 * shared adapter never calls `kill()`: it signals by pid with
 * `process.kill`, after which Deno reports the true status (`(0, null)` for
 * a worker that handled SIGTERM and exited 0, measured on all three worker
 * runtimes), so no exit status needs rewriting here.
 *
 * Deno cannot hand a listening socket to a child, so a group's shared
 * `port` is shared with `SO_REUSEPORT` (each worker binds its own socket).
 *
 * @example Spawn a worker on Deno
 * ```ts
 * import { createAdapter } from "steward/deno";
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
export const runtime: "deno" = "deno";

/**
 * Creates an adapter for a master running on Deno (needs `--allow-run`,
 * `--allow-env` and, for the keeper, permission to run `/bin/sh`).
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
  return createChildProcessAdapter(runtime, { socketSharing: "reusePort" }, options);
}
