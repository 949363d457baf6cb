/**
 * The one place that sniffs which runtime is running, and the loader that
 * picks the matching adapter. Nothing else in steward looks at
 * `globalThis.Deno`, `globalThis.Bun` or `process.versions`.
 *
 * @module
 */

import type { Adapter } from "../src/adapter.ts";
import type { AdapterOptions } from "./_child_process.ts";

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
 * Loads the adapter of the running runtime and creates it.
 *
 * @param options Passed to the adapter's `createAdapter`.
 * @returns The adapter for `detectRuntime()`.
 * @example Supervise with whatever runtime runs the master
 * ```ts
 * const adapter = await loadAdapter();
 * console.log(adapter.runtime); // "node", "deno" or "bun"
 * ```
 */
export async function loadAdapter(options: AdapterOptions = {}): Promise<Adapter> {
  // One literal import per runtime, so bundlers and the .ts -> .js rewrite see each of them.
  switch (detectRuntime()) {
    case "deno":
      return (await import("./deno.ts")).createAdapter(options);
    case "bun":
      return (await import("./bun.ts")).createAdapter(options);
    case "node":
      return (await import("./node.ts")).createAdapter(options);
  }
}
