import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { readmeSections, sectionOf } from "../scripts/_readme.ts";
import { ROOT } from "./_harness.ts";

const readme = readFileSync(`${ROOT}/README.md`, "utf8");

for (const section of readmeSections()) {
  test(`README ${section.name} section matches the code it is generated from`, () => {
    const current = sectionOf(readme, section.name);
    assert.ok(current !== null, `README.md has no <!-- ${section.name}:start --> ... <!-- ${section.name}:end --> block`);
    assert.equal(current, section.text, `README ${section.name} section is stale: run \`npm run generate\``);
  });
}

test("README gives exactly the two set-up commands", () => {
  assert.match(readme, /npm install && npm start/);
  assert.match(readme, /npm test/);
});
