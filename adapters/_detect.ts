/**
 * The one place that sniffs which runtime is running, and picks the
 * matching adapter. Nothing else in steward looks at
 * `globalThis.Deno`, `globalThis.Bun` or `process.versions`.
 *
 * @module
 */

import type { Adapter } from "../src/adapter.ts";
import { createAdapter as createBunAdapter } from "./bun.ts";
import type { AdapterOptions } from "./_child_process.ts";
import { createAdapter as createDenoAdapter } from "./deno.ts";
import { createAdapter as createNodeAdapter } from "./node.ts";

/** A real runtime (the memory adapter is chosen explicitly, never detected). */
export type DetectedRuntime = "node" | "deno" | "bun";

/**
 * Tells which runtime runs this code. Deno and Bun are told apart first by
 * their globals, then by `process.versions` (which both also fill in), and
 * anything else counts as Node.
 *
 * @returns `"deno"`, `"bun"` or `"node"`.
 * @example Branch on the runtime
 * ```ts
 * if (detectRuntime() === "deno") console.log("running on Deno");
 * ```
 */
export function detectRuntime(): DetectedRuntime {
  const scope = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: Record<string, string | undefined> } };
  if (typeof scope.Deno === "object" && scope.Deno !== null) return "deno";
  if (typeof scope.Bun === "object" && scope.Bun !== null) return "bun";
  const versions = scope.process?.versions ?? {};
  if (versions.deno !== undefined) return "deno";
  if (versions.bun !== undefined) return "bun";
  return "node";
}

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
