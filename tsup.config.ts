/**
 * The npm build: every entry point of `deno.json` `exports` (the one list of
 * entry points) as ESM (`dist/<name>.js`), CommonJS (`dist/<name>.cjs`) and
 * declarations (`.d.ts`, `.d.cts`), plus the CLI as `dist/bin/steward.js`
 * (ESM only: it awaits at the top level). `package.json` `exports` maps the
 * same subpaths to these files (`scripts/generate.ts` writes it from
 * `deno.json`; `test/package_test.ts` fails when it is stale).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { defineConfig, type Options } from "tsup";
import { tsupEntries } from "./scripts/_exports.ts";

const denoJson = JSON.parse(readFileSync("deno.json", "utf8")) as { exports: Record<string, string> };
const entry = tsupEntries(denoJson.exports);

const shared: Options = {
  target: "es2022",
  platform: "node",
  // Node built-ins stay imports; nothing else is imported at run time.
  external: [/^node:/],
  // Shared chunks, in CommonJS too, so `steward` and `steward/core` share one copy of the core.
  splitting: true,
};

export default defineConfig([
  // The CLI shares the ESM chunks; it has no declarations of its own.
  { ...shared, entry: { ...entry, "bin/steward": "bin/steward.ts" }, format: ["esm"], dts: { entry } },
  { ...shared, entry: tsupEntries(denoJson.exports, { commonjs: true }), format: ["cjs"], dts: true },
]);
