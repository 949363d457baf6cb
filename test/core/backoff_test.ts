/**
 * The backoff and intensity policies on their own: pure functions of a
 * config, an attempt or a window, and a time.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelayMs, backoffFloorMs } from "../../src/core/backoff.ts";
import { exceedsIntensity, pruneRestarts } from "../../src/core/intensity.ts";
import { nextRandom } from "../../src/core/prng.ts";
import type { BackoffConfig } from "../../src/core/types.ts";

const DOUBLING: BackoffConfig = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

test("backoffFloorMs() restarts the first crash at once, then grows by factor up to maxMs", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 50].map((k) => backoffFloorMs(DOUBLING, k)), [0, 0, 100, 200, 400, 800, 1000, 1000]);
});

test("backoffFloorMs() rounds a fractional factor to whole milliseconds", () => {
  const config: BackoffConfig = { initialMs: 100, maxMs: 10_000, factor: 1.5, jitter: 0 };
  assert.deepEqual([2, 3, 4, 5].map((k) => backoffFloorMs(config, k)), [100, 150, 225, 338]);
});

test("backoffFloorMs() stays at initialMs with factor 1 and at 0 with initialMs 0", () => {
  assert.equal(backoffFloorMs({ ...DOUBLING, factor: 1 }, 9), 100);
  assert.equal(backoffFloorMs({ ...DOUBLING, initialMs: 0 }, 9), 0);
});

test("backoffFloorMs() stays finite and capped for a huge attempt", () => {
  assert.equal(backoffFloorMs({ initialMs: 1, maxMs: 30_000, factor: 100, jitter: 0 }, 1_000_000), 30_000);
});

test("backoffDelayMs() adds jitter as a fraction of the floor", () => {
  const config: BackoffConfig = { ...DOUBLING, jitter: 0.5 };
  assert.equal(backoffDelayMs(config, 2, 0), 100);
  assert.equal(backoffDelayMs(config, 2, 0.5), 125);
  assert.equal(backoffDelayMs(config, 2, 0.999999), 149);
  assert.equal(backoffDelayMs(config, 1, 0.9), 0);
  assert.equal(backoffDelayMs(DOUBLING, 3, 0.9), 200);
});

test("backoffDelayMs() never goes below the floor nor past floor * (1 + jitter)", () => {
  const config: BackoffConfig = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.3 };
  let rng = 42;
  for (let k = 1; k <= 20; k++) {
    const draw = nextRandom(rng);
    rng = draw.state;
    const floor = backoffFloorMs(config, k);
    const delay = backoffDelayMs(config, k, draw.value);
    assert.ok(Number.isInteger(delay) && delay >= floor && delay <= floor * 1.3, `attempt ${k}: ${delay} vs floor ${floor}`);
  }
});

test("pruneRestarts() keeps the half-open window (now - periodMs, now]", () => {
  assert.deepEqual(pruneRestarts([0, 500, 900], 1500, 1000), [900]);
  assert.deepEqual(pruneRestarts([500, 501], 1500, 1000), [501]);
  assert.deepEqual(pruneRestarts([], 1500, 1000), []);
});

test("pruneRestarts() updates the array in place", () => {
  const times = [0, 10, 2000];
  assert.equal(pruneRestarts(times, 2500, 1000), times);
  assert.deepEqual(times, [2000]);
});

test("exceedsIntensity() allows maxRestarts in a window and refuses one more", () => {
  const limits = { maxRestarts: 3, periodMs: 1000 };
  assert.equal(exceedsIntensity([100, 200], 300, limits), false);
  assert.equal(exceedsIntensity([100, 200, 300], 400, limits), true);
  assert.equal(exceedsIntensity([100, 200, 300], 1100, limits), false); // 100 has left the window
});

test("exceedsIntensity() refuses every restart when maxRestarts is 0", () => {
  assert.equal(exceedsIntensity([], 0, { maxRestarts: 0, periodMs: 1000 }), true);
});
