/**
 * Restart intensity, after OTP's intensity/period and systemd's
 * StartLimitBurst: at most `maxRestarts` crash restarts in any window of
 * `periodMs`. The restart that would exceed it is not made; the supervisor
 * gives up instead.
 *
 * @module
 */

/**
 * Drop restart times that have left the window ending at `now`.
 * The window is half-open, (now - periodMs, now].
 *
 * @param times Restart times, oldest first; updated in place.
 * @param now The current time.
 * @param periodMs The window length.
 * @returns The same array, for chaining.
 *
 * @example
 * ```ts
 * import { pruneRestarts } from "./intensity.ts";
 * console.log(pruneRestarts([0, 500, 900], 1500, 1000)); // [900]
 * ```
 */
export function pruneRestarts(times: number[], now: number, periodMs: number): number[] {
  let drop = 0;
  while (drop < times.length && times[drop]! <= now - periodMs) drop++;
  if (drop > 0) times.splice(0, drop);
  return times;
}

/**
 * Whether one more restart at `now` would exceed the intensity.
 *
 * @param times Restart times, oldest first; pruned in place.
 * @param now The current time.
 * @param limits `maxRestarts` and `periodMs` from the config.
 * @returns True when the supervisor must give up instead of restarting.
 *
 * @example
 * ```ts
 * import { exceedsIntensity } from "./intensity.ts";
 * console.log(exceedsIntensity([100, 200], 300, { maxRestarts: 2, periodMs: 1000 })); // true
 * ```
 */
export function exceedsIntensity(
  times: number[],
  now: number,
  limits: { readonly maxRestarts: number; readonly periodMs: number },
): boolean {
  return pruneRestarts(times, now, limits.periodMs).length >= limits.maxRestarts;
}
