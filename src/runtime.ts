/**
 * Which runtime runs this code: the one place steward sniffs it, with no
 * imports, so the worker helper and the adapters share it.
 *
 * @module
 */

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
