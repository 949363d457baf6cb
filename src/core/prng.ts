/**
 * The core's only source of randomness: mulberry32, a 32-bit PRNG whose whole
 * state is one integer kept in `State.rng`. Integer arithmetic through
 * `Math.imul` gives the same sequence on V8 and JavaScriptCore, which the
 * cross-runtime trace test relies on.
 *
 * @module
 */

/** One draw: a number in [0, 1) and the state to keep for the next draw. */
export interface Draw {
  readonly value: number;
  readonly state: number;
}

/**
 * Draw the next number from a PRNG state.
 *
 * @param state The current 32-bit PRNG state.
 * @returns The drawn value in [0, 1) and the next state.
 *
 * @example Two draws from one seed
 * ```ts
 * import { nextRandom } from "./prng.ts";
 * const first = nextRandom(42);
 * const second = nextRandom(first.state);
 * console.log(first.value !== second.value); // true
 * ```
 */
export function nextRandom(state: number): Draw {
  const next = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(next ^ (next >>> 15), 1 | next);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/**
 * A draw function over `nextRandom` that keeps its own state, for code
 * outside the state machine (the simulator's fault schedule, the chaos
 * schedule, benchmarks and tests) that draws many numbers from one seed.
 *
 * @param seed The PRNG's first state (taken as a 32-bit integer).
 * @returns A function returning the next number in [0, 1) on each call.
 *
 * @example The same seed, the same numbers
 * ```ts
 * import { randomSource } from "./prng.ts";
 * const a = randomSource(7);
 * const b = randomSource(7);
 * console.log(a() === b() && a() === b()); // true
 * ```
 */
export function randomSource(seed: number): () => number {
  let state = seed | 0;
  return (): number => {
    const next = nextRandom(state);
    state = next.state;
    return next.value;
  };
}
