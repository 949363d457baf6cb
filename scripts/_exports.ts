/**
 * The package's entry points, derived from the one list in `deno.json`
 * `exports` (subpath -> source file): the tsup entries (`tsup.config.ts`)
 * and the `package.json` `exports` map (`scripts/generate.ts` writes it,
 * `test/package_test.ts` checks it).
 *
 * @module
 */

/** A `package.json` `exports` target: ESM and (unless ESM only) CommonJS, each with its declarations. */
export interface ConditionalExport {
  readonly import: { readonly types: string; readonly default: string };
  readonly require?: { readonly types: string; readonly default: string };
}

/**
 * Subpaths built as ESM only. The chaos harness locates its workloads and
 * the repository's build through `import.meta.url`, which CommonJS lacks.
 */
export const ESM_ONLY: ReadonlySet<string> = new Set(["./chaos"]);

/**
 * The file name under `dist/` of a subpath: `"."` -> `mod`, `"./worker"` -> `worker`.
 *
 * @param subpath A key of `deno.json` `exports`.
 * @returns The name, without extension.
 *
 * @example
 * ```ts
 * import { distName } from "./_exports.ts";
 * console.log(distName("./core")); // "core"
 * ```
 */
export function distName(subpath: string): string {
  return subpath === "." ? "mod" : subpath.replace(/^\.\//, "");
}

/**
 * The tsup `entry` map: dist name -> source file.
 *
 * @param denoExports `deno.json` `exports`.
 * @param options `commonjs: true` leaves out the `ESM_ONLY` subpaths.
 * @returns e.g. `{ mod: "./mod.ts", worker: "./src/worker.ts" }`.
 *
 * @example
 * ```ts
 * import { tsupEntries } from "./_exports.ts";
 * console.log(tsupEntries({ ".": "./mod.ts" })); // { mod: "./mod.ts" }
 * ```
 */
export function tsupEntries(denoExports: Readonly<Record<string, string>>, options: { readonly commonjs?: boolean } = {}): Record<string, string> {
  const subpaths = Object.entries(denoExports).filter(([subpath]) => options.commonjs !== true || !ESM_ONLY.has(subpath));
  return Object.fromEntries(subpaths.map(([subpath, source]) => [distName(subpath), source]));
}

/**
 * The `package.json` `exports` map for the built files, plus `./package.json`.
 *
 * @param denoExports `deno.json` `exports`.
 * @returns The map, in the same order.
 *
 * @example
 * ```ts
 * import { packageExports } from "./_exports.ts";
 * console.log(packageExports({ ".": "./mod.ts" })["."]); // { import: { types: "./dist/mod.d.ts", ... }, require: ... }
 * ```
 */
export function packageExports(denoExports: Readonly<Record<string, string>>): Record<string, ConditionalExport | string> {
  const map: Record<string, ConditionalExport | string> = {};
  for (const subpath of Object.keys(denoExports)) {
    const name = distName(subpath);
    const esm = { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` };
    map[subpath] = ESM_ONLY.has(subpath) ? { import: esm } : { import: esm, require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` } };
  }
  map["./package.json"] = "./package.json";
  return map;
}
