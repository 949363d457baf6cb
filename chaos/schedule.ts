/**
 * Seeded fault schedules. One seed gives one schedule on every runtime: the
 * draws come from the core's PRNG (`src/core/prng.ts`), so a failing run is
 * replayed from its seed alone.
 *
 * A schedule is a fault phase (faults at random gaps), then a quiet phase
 * of at least `quietMs` in which the launcher must converge, then the end:
 * a graceful stop or a SIGKILL of the master.
 *
 * @module
 */

import { randomSource } from "../src/core/prng.ts";

/** The faults the harness injects. */
export type FaultKind =
  /** SIGKILL a worker. */
  | "kill"
  /** SIGTERM a worker (it drains and exits 0, unasked by its launcher). */
  | "term"
  /** SIGSTOP a worker: it hangs, sends no heartbeat, answers nothing. */
  | "hang"
  /** The worker exits by itself with a random code. */
  | "exit"
  /** The next `count` spawns fail at boot (exit before ready). */
  | "bootFail"
  /** `count` reloads in quick succession. */
  | "reloadStorm"
  /** `count` scale requests in quick succession, the last one back to the base count. */
  | "scaleStorm";

/** Every fault kind, in schedule order of the draw. */
export const FAULT_KINDS: readonly FaultKind[] = ["kill", "term", "hang", "exit", "bootFail", "reloadStorm", "scaleStorm"];

/** One planned fault. */
export interface Fault {
  readonly kind: FaultKind;
  /** When, in ms since the run started. */
  readonly at: number;
  /** Which worker: an index taken modulo the live workers, ordered by slot and pid. */
  readonly target: number;
  /** `exit`: the code (1..120); `bootFail`: spawns to fail (1..3); storms: requests (2..4). */
  readonly count: number;
  /** Scale storms: the counts asked for, the last one the base count. */
  readonly counts: readonly number[];
  /** Storms: gap between requests, in ms. */
  readonly gapMs: number;
}

/** Options of `planSchedule`. */
export interface ScheduleOptions {
  readonly seed: number;
  /** Whole run, fault phase plus quiet phase, in ms. */
  readonly durationMs: number;
  /** Desired workers, the base of scale storms. */
  readonly workers: number;
  /** Mean gap between faults. @default 2_000 */
  readonly meanGapMs?: number;
  /** The quiet phase at the end. @default 10_000, at most half the duration */
  readonly quietMs?: number;
  /** Kinds to draw from. @default FAULT_KINDS */
  readonly kinds?: readonly FaultKind[];
}

/** A whole run's plan. */
export interface Schedule {
  readonly seed: number;
  readonly durationMs: number;
  readonly faults: readonly Fault[];
  /** No fault at or after this time. */
  readonly quietFrom: number;
  /** How the run ends. */
  readonly end: "stop" | "killMaster";
}

/**
 * Draws a schedule from a seed.
 *
 * @param options Seed, duration, worker count and fault mix.
 * @returns The faults in time order, the quiet phase and the ending.
 *
 * @example The same seed, the same plan
 * ```ts
 * import { planSchedule } from "./schedule.ts";
 * const a = planSchedule({ seed: 7, durationMs: 30_000, workers: 2 });
 * const b = planSchedule({ seed: 7, durationMs: 30_000, workers: 2 });
 * console.log(JSON.stringify(a) === JSON.stringify(b)); // true
 * ```
 */
export function planSchedule(options: ScheduleOptions): Schedule {
  const kinds = options.kinds ?? FAULT_KINDS;
  if (kinds.length === 0) throw new RangeError("planSchedule: kinds must name at least one fault kind, got []");
  const meanGap = options.meanGapMs ?? 2_000;
  const quietMs = Math.min(options.quietMs ?? 10_000, Math.floor(options.durationMs / 2));
  const quietFrom = options.durationMs - quietMs;
  const draw = randomSource(options.seed);
  const between = (low: number, high: number): number => low + Math.floor(draw() * (high - low + 1));
  const faults: Fault[] = [];
  // The first fault waits for the launcher to come up.
  let at = Math.min(quietFrom, 1_500);
  for (;;) {
    at += Math.floor(meanGap * (0.5 + draw()));
    if (at >= quietFrom) break;
    const kind = kinds[Math.floor(draw() * kinds.length)]!;
    const target = between(0, 999);
    const gapMs = between(20, 300);
    let count = 1;
    let counts: number[] = [];
    if (kind === "exit") count = between(1, 120);
    else if (kind === "bootFail") count = between(1, 3);
    else if (kind === "reloadStorm") count = between(2, 4);
    else if (kind === "scaleStorm") {
      count = between(2, 4);
      counts = Array.from({ length: count - 1 }, () => between(1, options.workers * 2));
      counts.push(options.workers);
    }
    faults.push({ kind, at, target, count, counts, gapMs });
  }
  return { seed: options.seed, durationMs: options.durationMs, faults, quietFrom, end: draw() < 0.5 ? "stop" : "killMaster" };
}
