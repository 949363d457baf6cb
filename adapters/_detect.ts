/**
 * Picks the adapter of the running runtime, as told by `detectRuntime`
 * (`src/runtime.ts`, the one place that looks at `globalThis.Deno`,
 * `globalThis.Bun` or `process.versions`).
 *
 * @module
 */

import type { Adapter } from "../src/adapter.ts";
import { type DetectedRuntime, detectRuntime } from "../src/runtime.ts";
import { createAdapter as createBunAdapter } from "./bun.ts";
import type { AdapterOptions } from "./_child_process.ts";
import { createAdapter as createDenoAdapter } from "./deno.ts";
import { createAdapter as createNodeAdapter } from "./node.ts";

export { type DetectedRuntime, detectRuntime } from "../src/runtime.ts";

/**
 * Creates the adapter of the running runtime.
 *
 * @param options Passed to the adapter's `createAdapter`.
 * @returns The adapter for `detectRuntime()`.
 * @example Supervise with whatever runtime runs the master
 * ```ts
 * const adapter = createRuntimeAdapter();
 * console.log(adapter.runtime); // "node", "deno" or "bun"
 * ```
 */
export function createRuntimeAdapter(options: AdapterOptions = {}): Adapter {
  switch (detectRuntime()) {
    case "deno":
      return createDenoAdapter(options);
    case "bun":
      return createBunAdapter(options);
    case "node":
      return createNodeAdapter(options);
  }
}

/**
 * `createRuntimeAdapter` for callers that await their setup.
 *
 * @param options Passed to the adapter's `createAdapter`.
 * @returns The adapter for `detectRuntime()`.
 * @example
 * ```ts
 * const adapter = await loadAdapter();
 * ```
 */
export function loadAdapter(options: AdapterOptions = {}): Promise<Adapter> {
  return Promise.resolve().then(() => createRuntimeAdapter(options));
}
