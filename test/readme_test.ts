import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { readmeDiagrams } from "../src/_diagram.ts";
import { ROOT } from "./_harness.ts";

test("README state diagrams match the core's phase tables", () => {
  const readme = readFileSync(`${ROOT}/README.md`, "utf8");
  const match = /<!-- diagrams:start -->\n([\s\S]*?)\n<!-- diagrams:end -->/.exec(readme);
  assert.ok(match, "README.md has no <!-- diagrams:start --> ... <!-- diagrams:end --> block");
  assert.equal(match[1], readmeDiagrams(), "README diagrams are stale: run `node_modules/.bin/deno run -A scripts/diagrams.ts` and paste its output");
});

test("README gives exactly the two set-up commands", () => {
  const readme = readFileSync(`${ROOT}/README.md`, "utf8");
  assert.match(readme, /npm install && npm start/);
  assert.match(readme, /npm test/);
});
