/**
 * Restart backoff. The first crash restart of a slot is immediate, so a lone
 * crash costs only the worker's boot; every further consecutive crash waits
 * `initialMs * factor^(k-2)`, capped at `maxMs`, plus up to `jitter` of that
 * drawn from the seeded PRNG. A worker that stays ready for `minUptimeMs`
 * resets the count (see `step.ts`).
 *
 * @module
 */

import type { BackoffConfig } from "./types.ts";

/**
 * The least delay before the `attempt`-th consecutive crash restart of a slot.
 *
 * @param config The group's backoff settings.
 * @param attempt 1 for the first consecutive crash, 2 for the second, ...
 * @returns Milliseconds; 0 for the first attempt.
 *
 * @example Doubling from 100 ms
 * ```ts
 * import { backoffFloorMs } from "./backoff.ts";
 * const config = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
 * console.log([1, 2, 3, 4, 9].map((k) => backoffFloorMs(config, k))); // [0, 100, 200, 400, 1000]
 * ```
 */
export function backoffFloorMs(config: BackoffConfig, attempt: number): number {
  if (attempt <= 1) return 0;
  // Repeated multiplication rather than `**`: Math.pow may round differently
  // across engines, and traces must match byte for byte.
  // factor >= 1, so a product equal to the delay (factor 1, or initialMs 0)
  // stays there: stop, or a long crash loop would cost one turn per attempt.
  let delay = config.initialMs;
  for (let k = 2; k < attempt && delay < config.maxMs; k++) {
    const next = delay * config.factor;
    if (next === delay) break;
    delay = next;
  }
  return Math.round(Math.min(config.maxMs, delay));
}

/**
 * The delay actually waited: the floor plus jitter.
 *
 * @param config The group's backoff settings.
 * @param attempt 1 for the first consecutive crash, 2 for the second, ...
 * @param random A draw in [0, 1) from the core's PRNG.
 * @returns Milliseconds, never below `backoffFloorMs(config, attempt)`.
 *
 * @example Jitter stays within its fraction
 * ```ts
 * import { backoffDelayMs } from "./backoff.ts";
 * const config = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
 * console.log(backoffDelayMs(config, 2, 0.5)); // 125
 * ```
 */
export function backoffDelayMs(config: BackoffConfig, attempt: number, random: number): number {
  const floor = backoffFloorMs(config, attempt);
  return floor + Math.floor(floor * config.jitter * random);
}
