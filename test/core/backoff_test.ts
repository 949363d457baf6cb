/**
 * The backoff and intensity policies on their own: pure functions of a
 * config, an attempt or a window, and a time.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelayMs, backoffFloorMs } from "../../src/core/backoff.ts";
import { addRestart, exceedsIntensity, restartsInWindow } from "../../src/core/intensity.ts";
import { nextRandom } from "../../src/core/prng.ts";
import type { BackoffConfig, RestartWindow } from "../../src/core/types.ts";

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

test("backoffFloorMs() takes a bounded number of steps when the delay stops growing (factor 1 or initialMs 0)", () => {
  for (const config of [{ ...DOUBLING, factor: 1 }, { ...DOUBLING, initialMs: 0 }]) {
    let reads = 0;
    const counted = new Proxy(config, {
      get(target, property, receiver): unknown {
        if (property === "factor") reads += 1;
        return Reflect.get(target, property, receiver);
      },
    });
    assert.equal(backoffFloorMs(counted, 1_000_000), config.initialMs);
    assert.ok(reads <= 2, `${reads} steps for attempt 1,000,000 with ${JSON.stringify(config)}`);
  }
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

/** A window over a copy of `times`. */
function windowOf(times: number[]): RestartWindow {
  return { times: [...times], start: 0 };
}

test("restartsInWindow() counts the half-open window (now - periodMs, now]", () => {
  assert.equal(restartsInWindow(windowOf([0, 500, 900]), 1500, 1000), 1);
  assert.equal(restartsInWindow(windowOf([500, 501]), 1500, 1000), 1);
  assert.equal(restartsInWindow(windowOf([]), 1500, 1000), 0);
  assert.equal(restartsInWindow(windowOf([600, 700]), 1500, 1000), 2);
});

test("restartsInWindow() drops what has left the window from the window itself", () => {
  const window = windowOf([0, 10, 2000]);
  restartsInWindow(window, 2500, 1000);
  assert.deepEqual(window.times.slice(window.start), [2000]);
  addRestart(window, 2600);
  assert.equal(restartsInWindow(window, 2600, 1000), 2);
  assert.equal(restartsInWindow(window, 3500, 1000), 1);
  assert.deepEqual(window.times.slice(window.start), [2600]);
});

test("restartsInWindow() copies each restart O(1) times on average, however many the window holds", () => {
  // A steady crash rate with 2,000 restarts in the window: cutting the expired
  // entries off the front at every prune would copy the whole window each time.
  let copies = 0;
  const times = new Proxy<number[]>([], {
    set(target, property, value, receiver): boolean {
      if (typeof property === "string" && /^\d+$/.test(property)) copies += 1;
      return Reflect.set(target, property, value, receiver);
    },
  });
  const window: RestartWindow = { times, start: 0 };
  const restarts = 20_000;
  for (let now = 0; now < restarts; now++) {
    assert.equal(exceedsIntensity(window, now, { maxRestarts: 1_000_000, periodMs: 2_000 }), false);
    addRestart(window, now);
    assert.equal(window.times.length - window.start, Math.min(now + 1, 2_000));
  }
  assert.ok(copies <= 3 * restarts, `${copies} element writes for ${restarts} restarts`);
});

test("exceedsIntensity() allows maxRestarts in a window and refuses one more", () => {
  const limits = { maxRestarts: 3, periodMs: 1000 };
  assert.equal(exceedsIntensity(windowOf([100, 200]), 300, limits), false);
  assert.equal(exceedsIntensity(windowOf([100, 200, 300]), 400, limits), true);
  assert.equal(exceedsIntensity(windowOf([100, 200, 300]), 1100, limits), false); // 100 has left the window
});

test("exceedsIntensity() refuses every restart when maxRestarts is 0", () => {
  assert.equal(exceedsIntensity(windowOf([]), 0, { maxRestarts: 0, periodMs: 1000 }), true);
});
