/**
 * Rewrites what is generated from the code, in place:
 * - README.md: the CLI reference, the config reference and the state
 *   diagrams, between their `<!-- name:start -->` / `<!-- name:end -->`
 *   markers (`scripts/_readme.ts`);
 * - package.json `exports`, from the entry points in `deno.json`
 *   (`scripts/_exports.ts`).
 *
 * Run it after changing a flag, an option, a phase edge or an entry point;
 * `test/readme_test.ts` and `test/package_test.ts` fail until it has run.
 *
 * ```sh
 * npm run generate        # = deno run -A scripts/generate.ts
 * ```
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { packageExports } from "./_exports.ts";
import { regenerate } from "./_readme.ts";

const root = new URL("..", import.meta.url);

const readmePath = new URL("README.md", root);
const readme = readFileSync(readmePath, "utf8");
const fresh = regenerate(readme);
if (fresh !== readme) writeFileSync(readmePath, fresh);
console.log(`README.md: ${fresh === readme ? "up to date" : "regenerated"}`);

const packagePath = new URL("package.json", root);
const packageText = readFileSync(packagePath, "utf8");
const manifest = JSON.parse(packageText) as Record<string, unknown>;
const denoJson = JSON.parse(readFileSync(new URL("deno.json", root), "utf8")) as { exports: Record<string, string> };
manifest.exports = packageExports(denoJson.exports);
const packageFresh = `${JSON.stringify(manifest, null, 2)}\n`;
if (packageFresh !== packageText) writeFileSync(packagePath, packageFresh);
console.log(`package.json exports: ${packageFresh === packageText ? "up to date" : "regenerated"}`);
