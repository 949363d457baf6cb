import assert from "node:assert/strict";
import { test } from "node:test";
import { cell, num, percentile, signed, spread, table } from "../bench/_stats.ts";

test("percentile is nearest-rank and ignores input order", () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 0), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("spread gives median, min and max, the mean of the middle two for an even count", () => {
  assert.deepEqual(spread([3, 1, 2]), { n: 3, median: 2, min: 1, max: 3 });
  assert.deepEqual(spread([4, 1, 2, 10]), { n: 4, median: 3, min: 1, max: 10 });
  assert.deepEqual(spread([NaN, 7]), { n: 1, median: 7, min: 7, max: 7 });
  assert.equal(spread([]).n, 0);
});

test("cells and tables format as markdown", () => {
  assert.equal(cell(spread([1, 2, 4]), 0), "2 (1-4)");
  assert.equal(cell(spread([2.25]), 1), "2.3");
  assert.equal(cell(spread([]), 1), "n/a");
  assert.equal(num(Infinity), "n/a");
  assert.equal(signed(1.25, 1), "+1.3");
  assert.equal(signed(-0.3), "-0.3");
  assert.equal(table(["x", "y"], [["a", "1"]]), "| x | y |\n| --- | ---: |\n| a | 1 |");
});
