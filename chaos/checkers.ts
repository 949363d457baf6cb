/**
 * The checkers: each turns what a run observed into a verdict with its
 * evidence. They read only data (the run's lifecycle, faults, load and
 * records), so the same checkers judge a real run, a simulated one and a
 * peer launcher.
 *
 * | checker | passes when |
 * | --- | --- |
 * | recovery | after each fault, the ready count is back at the desired count within the bound (a fault cut short by the next one is not judged; the last one always is) |
 * | orphans | every process ever seen under the launcher is gone after the end |
 * | intensity | crash restarts in any window of `periodMs` never exceed `maxRestarts`, unless the launcher gave up |
 * | backoff | the k-th consecutive crash restart of a slot waited at least the backoff for k (the first one may be immediate) |
 * | graceful reload | no request failed during a reload that no other fault overlapped |
 * | reference model | the supervisor's records replay through the pure core without divergence or invariant violation |
 *
 * @module
 */

import { backoffFloorMs } from "../src/core/backoff.ts";
import type { BackoffConfig, Config, SupervisorRecord } from "../src/core/types.ts";
import type { Lifecycle } from "./driver.ts";
import { replayRecords } from "./replay.ts";
import type { FaultKind } from "./schedule.ts";

/** A fault as it was injected. */
export interface Injected {
  readonly kind: FaultKind;
  /** ms since the epoch; for storms, the first request. */
  readonly at: number;
  /** Storms: the last request. */
  readonly lastAt: number;
  /** Workers it hit (kill, term, hang, exit; bootFail kills one to make a spawn happen). */
  readonly pids: readonly number[];
  readonly detail: string;
}

/** Requests of one 100 ms bucket. */
export interface LoadBucket {
  readonly at: number;
  readonly ok: number;
  readonly errors: number;
}

/** The policy the launcher was asked to follow, which the checkers hold it to. */
export interface Policy {
  readonly workers: number;
  readonly maxRestarts: number;
  readonly periodMs: number;
  readonly backoff: BackoffConfig;
  readonly minUptimeMs: number;
  /** Longest time a fault may take to repair. */
  readonly recoveryBoundMs: number;
}

/** Everything a run observed. */
export interface Observed {
  readonly policy: Policy;
  readonly faults: readonly Injected[];
  readonly lifecycle: readonly Lifecycle[];
  /** End of the quiet phase (ms since the epoch), when the run's ending began. */
  readonly endAt: number;
  /** Processes seen under the launcher, and those still alive after the end. */
  readonly pidsSeen: readonly number[];
  readonly leftAlive: readonly string[];
  /** The launcher said it gave up (steward: `gaveUp`). */
  readonly gaveUp: boolean;
  /** HTTP workloads: the load, per bucket. */
  readonly load: readonly LoadBucket[] | null;
  /** steward: its records and config. */
  readonly records: { readonly config: Config; readonly records: readonly SupervisorRecord[] } | null;
}

/** One checker's verdict. */
export interface Verdict {
  readonly checker: string;
  /** null: does not apply to this run. */
  readonly ok: boolean | null;
  readonly summary: string;
  readonly evidence: readonly string[];
}

/** A point of the ready-count series. */
export interface ReadyPoint {
  readonly at: number;
  readonly ready: number;
}

/** Codes that mean the workload failed its boot on purpose (see workloads/_gate.ts). */
const BOOT_FAIL_CODE = 3;

/**
 * Runs every checker.
 *
 * @param observed What the run observed.
 * @returns One verdict per checker, in table order.
 *
 * @example
 * ```ts
 * import { checkAll } from "./checkers.ts";
 * const verdicts = checkAll(observed);
 * console.log(verdicts.every((v) => v.ok !== false));
 * ```
 */
export function checkAll(observed: Observed): Verdict[] {
  return [checkRecovery(observed), checkOrphans(observed), checkIntensity(observed), checkBackoff(observed), checkGracefulReload(observed), checkReferenceModel(observed)];
}

/**
 * The count of truly ready workers over time: ready by the launcher's
 * account, not exited, and not hung by the harness.
 *
 * @param observed The lifecycle and faults.
 * @returns One point per change, in time order.
 *
 * @example
 * ```ts
 * import { readySeries } from "./checkers.ts";
 * console.log(readySeries(observed).at(-1)?.ready);
 * ```
 */
export function readySeries(observed: Pick<Observed, "lifecycle" | "faults">): ReadyPoint[] {
  const hungAt = new Map<number, number>();
  for (const fault of observed.faults) if (fault.kind === "hang") for (const pid of fault.pids) hungAt.set(pid, fault.at);
  const changes: { at: number; pid: number; ready: boolean }[] = [];
  for (const event of observed.lifecycle) {
    if (event.kind === "ready") changes.push({ at: event.at, pid: event.pid, ready: true });
    if (event.kind === "exited") changes.push({ at: event.at, pid: event.pid, ready: false });
  }
  for (const [pid, at] of hungAt) changes.push({ at, pid, ready: false });
  changes.sort((a, b) => a.at - b.at);
  const ready = new Set<number>();
  const points: ReadyPoint[] = [{ at: 0, ready: 0 }];
  for (const change of changes) {
    if (change.ready && !hungAt.has(change.pid)) ready.add(change.pid);
    else ready.delete(change.pid);
    points.push({ at: change.at, ready: ready.size });
  }
  return points;
}

function checkRecovery(observed: Observed): Verdict {
  const { policy, faults, lifecycle } = observed;
  const evidence: string[] = [];
  const failures: string[] = [];
  const exitedAt = new Map<number, number>();
  const spawnedAt = new Map<number, number>();
  for (const event of lifecycle) {
    if (event.kind === "exited") exitedAt.set(event.pid, event.at);
    if (event.kind === "spawned") spawnedAt.set(event.pid, event.at);
  }
  const times = [...new Set(lifecycle.map((e) => e.at))].sort((a, b) => a - b);
  const series = readySeries(observed);
  const readyAt = (at: number): Set<number> => {
    // Ready pids at `at`, from the lifecycle (the series only counts them).
    const ready = new Set<number>();
    for (const event of lifecycle) {
      if (event.at > at) break;
      if (event.kind === "ready") ready.add(event.pid);
      if (event.kind === "exited") ready.delete(event.pid);
    }
    return ready;
  };
  const countAt = (at: number): number => {
    let value = 0;
    for (const point of series) if (point.at <= at) value = point.ready;
    return value;
  };
  let judged = 0;
  for (let i = 0; i < faults.length; i++) {
    const fault = faults[i]!;
    const from = fault.lastAt;
    const next = i + 1 < faults.length ? faults[i + 1]!.at : observed.endAt;
    const last = i + 1 === faults.length;
    const repaired = (at: number): boolean => {
      if (fault.pids.some((pid) => (exitedAt.get(pid) ?? Infinity) > at)) return false;
      if (countAt(at) < policy.workers) return false;
      if (fault.kind !== "reloadStorm") return true;
      return [...readyAt(at)].filter((pid) => (spawnedAt.get(pid) ?? -1) >= fault.at).length >= policy.workers;
    };
    const when = [from, ...times.filter((t) => t > from)].find((t) => t <= next && repaired(t));
    const label = `${fault.kind} at ${fmt(fault.at)}${fault.pids.length > 0 ? ` (pid ${fault.pids.join(", ")})` : ""}`;
    if (when !== undefined && when - from <= policy.recoveryBoundMs) {
      judged += 1;
      evidence.push(`${label}: back to ${policy.workers} ready in ${Math.round(when - from)} ms`);
    } else if (!last && next - from < policy.recoveryBoundMs) {
      evidence.push(`${label}: not judged, the next fault came ${Math.round(next - from)} ms later`);
    } else {
      judged += 1;
      const message = `${label}: not back to ${policy.workers} ready within ${policy.recoveryBoundMs} ms (ready ${countAt(Math.min(next, from + policy.recoveryBoundMs))})`;
      failures.push(message);
      evidence.push(message);
    }
  }
  if (faults.length === 0 && countAt(observed.endAt) < policy.workers) failures.push(`only ${countAt(observed.endAt)} of ${policy.workers} ready at the end`);
  if (observed.gaveUp) failures.push("the launcher gave up");
  return {
    checker: "recovery",
    ok: failures.length === 0,
    summary: failures.length === 0 ? `${judged} faults repaired within ${policy.recoveryBoundMs} ms` : failures[0]!,
    evidence,
  };
}

function checkOrphans(observed: Observed): Verdict {
  return {
    checker: "orphans",
    ok: observed.leftAlive.length === 0,
    summary: observed.leftAlive.length === 0
      ? `all ${observed.pidsSeen.length} processes seen under the launcher are gone`
      : `${observed.leftAlive.length} processes outlived the launcher`,
    evidence: observed.leftAlive.length === 0 ? [`pids: ${observed.pidsSeen.join(" ")}`] : [...observed.leftAlive],
  };
}

/** Crash restarts: a spawn in a slot whose previous worker's exit was unplanned, with the time of that exit. */
function crashRestarts(observed: Observed): { slot: number; exitAt: number; spawnAt: number; pid: number; readyMs: number | null }[] {
  const targets = new Set(observed.faults.flatMap((f) => f.pids));
  const readyAt = new Map<number, number>();
  const pendingExit = new Map<number, { at: number; readyMs: number | null }>();
  const out: { slot: number; exitAt: number; spawnAt: number; pid: number; readyMs: number | null }[] = [];
  for (const event of observed.lifecycle) {
    if (event.kind === "ready") readyAt.set(event.pid, event.at);
    else if (event.kind === "exited") {
      const unplanned = event.planned === false ||
        (event.planned === null && (targets.has(event.pid) || event.code === BOOT_FAIL_CODE || (event.code !== 0 && event.code !== null)));
      const ready = readyAt.get(event.pid);
      if (unplanned) pendingExit.set(event.slot, { at: event.at, readyMs: ready === undefined ? null : event.at - ready });
    } else {
      const exit = pendingExit.get(event.slot);
      if (exit === undefined) continue;
      pendingExit.delete(event.slot);
      out.push({ slot: event.slot, exitAt: exit.at, spawnAt: event.at, pid: event.pid, readyMs: exit.readyMs });
    }
  }
  return out;
}

function checkIntensity(observed: Observed): Verdict {
  const { maxRestarts, periodMs } = observed.policy;
  const restarts = crashRestarts(observed).map((r) => r.spawnAt).sort((a, b) => a - b);
  let worst = 0;
  let worstAt = 0;
  for (let i = 0, j = 0; i < restarts.length; i++) {
    while (restarts[i]! - restarts[j]! >= periodMs) j++;
    if (i - j + 1 > worst) {
      worst = i - j + 1;
      worstAt = restarts[j]!;
    }
  }
  const ok = worst <= maxRestarts;
  return {
    checker: "intensity",
    ok,
    summary: ok
      ? `at most ${worst} crash restarts in any ${periodMs} ms (limit ${maxRestarts})${observed.gaveUp ? "; it gave up" : ""}`
      : `${worst} crash restarts within ${periodMs} ms from ${fmt(worstAt)}, more than ${maxRestarts}, and it ${observed.gaveUp ? "gave up too late" : "never gave up"}`,
    evidence: [`${restarts.length} crash restarts in all`],
  };
}

function checkBackoff(observed: Observed): Verdict {
  const { backoff, minUptimeMs } = observed.policy;
  const streak = new Map<number, number>();
  const failures: string[] = [];
  let checked = 0;
  for (const restart of crashRestarts(observed)) {
    // A worker that stayed ready for minUptimeMs resets its slot's count.
    const k = restart.readyMs !== null && restart.readyMs >= minUptimeMs ? 1 : (streak.get(restart.slot) ?? 0) + 1;
    streak.set(restart.slot, k);
    if (k < 2) continue;
    checked += 1;
    const least = backoffFloorMs(backoff, k);
    const waited = restart.spawnAt - restart.exitAt;
    // Times are whole milliseconds from two clocks: allow 5 ms.
    if (waited + 5 < least) failures.push(`slot ${restart.slot}: restart ${k} in a row came ${Math.round(waited)} ms after the crash at ${fmt(restart.exitAt)}, backoff asks at least ${least} ms`);
  }
  return {
    checker: "backoff",
    ok: failures.length === 0,
    summary: failures.length === 0 ? `${checked} consecutive crash restarts all waited their backoff` : failures[0]!,
    evidence: failures.slice(0, 20),
  };
}

function checkGracefulReload(observed: Observed): Verdict {
  if (observed.load === null) return { checker: "graceful reload", ok: null, summary: "no requests in this workload", evidence: [] };
  const failures: string[] = [];
  const evidence: string[] = [];
  const faults = observed.faults;
  for (let i = 0; i < faults.length; i++) {
    const fault = faults[i]!;
    if (fault.kind !== "reloadStorm") continue;
    const previous = faults[i - 1];
    const next = faults[i + 1];
    const until = Math.min(next?.at ?? observed.endAt, fault.lastAt + observed.policy.recoveryBoundMs);
    // A fault just before may still be repairing; skip reloads that overlap one.
    if (previous !== undefined && fault.at - previous.lastAt < observed.policy.recoveryBoundMs && previous.kind !== "reloadStorm") {
      evidence.push(`reload at ${fmt(fault.at)}: not judged, overlaps the ${previous.kind} at ${fmt(previous.at)}`);
      continue;
    }
    let ok = 0;
    let errors = 0;
    for (const bucket of observed.load) {
      if (bucket.at + 100 <= fault.at || bucket.at >= until) continue;
      ok += bucket.ok;
      errors += bucket.errors;
    }
    const line = `reload at ${fmt(fault.at)}..${fmt(until)}: ${ok} requests answered, ${errors} failed`;
    evidence.push(line);
    if (errors > 0) failures.push(line);
  }
  return {
    checker: "graceful reload",
    ok: failures.length === 0,
    summary: failures.length === 0 ? `no failed request during ${evidence.length} reloads` : failures[0]!,
    evidence,
  };
}

function checkReferenceModel(observed: Observed): Verdict {
  if (observed.records === null) return { checker: "reference model", ok: null, summary: "the launcher emits no steward records", evidence: [] };
  const { config, records } = observed.records;
  const result = replayRecords({ config, records, reloadConfig: config });
  const evidence = [`${result.steps} core steps replayed, ${result.matched} of ${records.filter((r) => r.type !== "ignored").length} records explained`];
  if (result.divergence !== null) {
    evidence.push(`observed: ${JSON.stringify(result.divergence.observed)}`, `model: ${JSON.stringify(result.divergence.expected)}`);
  }
  evidence.push(...result.violations.slice(0, 10));
  const ok = result.divergence === null && result.violations.length === 0;
  return {
    checker: "reference model",
    ok,
    summary: ok ? `${result.matched} records replay through the core exactly` : result.divergence?.message ?? result.violations[0]!,
    evidence,
  };
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
