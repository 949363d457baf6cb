/**
 * Restart intensity, after OTP's intensity/period and systemd's
 * StartLimitBurst: at most `maxRestarts` crash restarts in any window of
 * `periodMs`. The restart that would exceed it is not made; the supervisor
 * gives up instead.
 *
 * @module
 */

import type { RestartWindow } from "./types.ts";

/**
 * A window with no restarts in it.
 *
 * @returns A new, empty window.
 *
 * @example
 * ```ts
 * import { emptyRestartWindow } from "./intensity.ts";
 * console.log(emptyRestartWindow()); // { times: [], start: 0 }
 * ```
 */
export function emptyRestartWindow(): RestartWindow {
  return { times: [], start: 0 };
}

/**
 * Add a restart made at `now`, which is no earlier than the last one added.
 *
 * @param window Updated in place.
 * @param now The restart's time.
 *
 * @example
 * ```ts
 * import { addRestart, emptyRestartWindow, restartsInWindow } from "./intensity.ts";
 * const window = emptyRestartWindow();
 * addRestart(window, 100);
 * console.log(restartsInWindow(window, 100, 1000)); // 1
 * ```
 */
export function addRestart(window: RestartWindow, now: number): void {
  window.times.push(now);
}

/**
 * Drop the restarts that have left the window ending at `now` and count
 * the rest. The window is half-open, (now - periodMs, now].
 *
 * @param window Pruned in place.
 * @param now The current time.
 * @param periodMs The window length.
 * @returns How many restarts are in the window.
 *
 * @example
 * ```ts
 * import { restartsInWindow } from "./intensity.ts";
 * console.log(restartsInWindow({ times: [0, 500, 900], start: 0 }, 1500, 1000)); // 1
 * ```
 */
export function restartsInWindow(window: RestartWindow, now: number, periodMs: number): number {
  const times = window.times;
  let start = window.start;
  while (start < times.length && times[start]! <= now - periodMs) start++;
  if (start > 0 && start * 2 >= times.length) {
    times.splice(0, start);
    start = 0;
  }
  window.start = start;
  return times.length - start;
}

/**
 * Whether one more restart at `now` would exceed the intensity.
 *
 * @param window The restarts so far; pruned in place.
 * @param now The current time.
 * @param limits `maxRestarts` and `periodMs` from the config.
 * @returns True when the supervisor must give up instead of restarting.
 *
 * @example
 * ```ts
 * import { exceedsIntensity } from "./intensity.ts";
 * console.log(exceedsIntensity({ times: [100, 200], start: 0 }, 300, { maxRestarts: 2, periodMs: 1000 })); // true
 * ```
 */
export function exceedsIntensity(
  window: RestartWindow,
  now: number,
  limits: { readonly maxRestarts: number; readonly periodMs: number },
): boolean {
  return restartsInWindow(window, now, limits.periodMs) >= limits.maxRestarts;
}
