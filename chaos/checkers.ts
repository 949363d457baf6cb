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
  /** exit: the code; bootFail: spawns made to fail; storms: requests. */
  readonly count: number;
  /** Workers it hit (kill, term, hang, exit; bootFail kills one to make a spawn happen). */
  readonly pids: readonly number[];
  readonly detail: string;
}

/** Requests of one 100 ms bucket. */
export interface LoadBucket {
  readonly at: number;
  readonly ok: number;
  readonly errors: number;
  /** When each error happened (ms since the epoch). */
  readonly errorAt: readonly number[];
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
  /** How late lifecycle times may be (a polling driver); 0 for launchers that report as it happens. */
  readonly timingSlackMs: number;
  /** The launcher said it gave up (steward: `gaveUp`). */
  readonly gaveUp: boolean;
  /** HTTP workloads: the load, per bucket. */
  readonly load: readonly LoadBucket[] | null;
  /** steward: its records, the config it started with and the one its reloads carry (none: undefined). */
  readonly records: { readonly config: Config; readonly records: readonly SupervisorRecord[]; readonly reloadConfig?: Config } | null;
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
    if (change.ready && (hungAt.get(change.pid) ?? Infinity) > change.at) ready.add(change.pid);
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
    const bound = repairBoundMs(faults, i, policy);
    const when = [from, ...times.filter((t) => t > from)].find((t) => t <= next && repaired(t));
    const label = `${fault.kind} at ${fmt(fault.at)}${fault.pids.length > 0 ? ` (pid ${fault.pids.join(", ")})` : ""}`;
    if (when !== undefined && when - from <= bound) {
      judged += 1;
      evidence.push(`${label}: back to ${policy.workers} ready in ${Math.round(when - from)} ms`);
    } else if (!last && next - from < bound) {
      evidence.push(`${label}: not judged, the next fault came ${Math.round(next - from)} ms later`);
    } else {
      judged += 1;
      const cutoff = Math.min(next, from + bound);
      const stuck = fault.pids.filter((pid) => (exitedAt.get(pid) ?? Infinity) > cutoff);
      const why = stuck.length > 0 ? `pid ${stuck.join(", ")} never replaced` : `ready ${countAt(cutoff)}`;
      const message = `${label}: not back to ${policy.workers} ready within ${bound} ms (${why})`;
      failures.push(message);
      evidence.push(message);
    }
  }
  if (faults.length === 0 && countAt(observed.endAt) < policy.workers) failures.push(`only ${countAt(observed.endAt)} of ${policy.workers} ready at the end`);
  if (observed.gaveUp) failures.push("the launcher gave up");
  return {
    checker: "recovery",
    ok: failures.length === 0,
    summary: failures.length === 0 ? `${judged} faults repaired in time (bound: ${policy.recoveryBoundMs} ms + one capped backoff per recent crash)` : failures[0]!,
    evidence,
  };
}

/**
 * The repair bound of fault `i`: the base bound plus one capped backoff per
 * crash the recent faults cause (a boot failure fault causes `count` + 1:
 * its failed boots and the kill that triggers them), since each can make
 * the slot wait that long before its next try. A run's quiet phase lasts
 * at least the bound of its last fault.
 *
 * @param faults The faults injected, in order.
 * @param i Which one.
 * @param policy The policy (base bound, backoff cap).
 * @returns The bound in ms.
 *
 * @example
 * ```ts
 * import { repairBoundMs } from "./checkers.ts";
 * console.log(repairBoundMs(faults, faults.length - 1, policy));
 * ```
 */
export function repairBoundMs(faults: readonly Pick<Injected, "kind" | "at" | "count">[], i: number, policy: Pick<Policy, "recoveryBoundMs" | "backoff">): number {
  let crashes = 0;
  for (let j = i; j >= 0 && faults[j]!.at >= faults[i]!.at - policy.recoveryBoundMs; j--) {
    const fault = faults[j]!;
    if (fault.kind === "bootFail") crashes += fault.count + 1;
    else if (fault.kind !== "reloadStorm" && fault.kind !== "scaleStorm") crashes += 1;
  }
  return policy.recoveryBoundMs + crashes * policy.backoff.maxMs;
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

/** A crash restart: a spawn in a slot whose previous worker's exit was unplanned. */
interface CrashRestart {
  readonly slot: number;
  readonly exitAt: number;
  readonly spawnAt: number;
  readonly pid: number;
}

/**
 * Crash restarts in order. A `fresh` entry is a slot filled from empty
 * without a crash (a scale-up after a scale-down): a new slot, whose
 * backoff starts over.
 */
function crashRestarts(observed: Observed): (CrashRestart & { readonly fresh: boolean })[] {
  const targets = new Set(observed.faults.flatMap((f) => f.pids));
  const pendingExit = new Map<number, number>();
  const live = new Map<number, number>();
  const out: (CrashRestart & { fresh: boolean })[] = [];
  for (const event of observed.lifecycle) {
    if (event.kind === "exited") {
      live.set(event.slot, (live.get(event.slot) ?? 1) - 1);
      const unplanned = event.planned === false ||
        (event.planned === null && (targets.has(event.pid) || event.code === BOOT_FAIL_CODE || (event.code !== 0 && event.code !== null)));
      // A crash the slot's other worker (a reload's successor) covers is not restarted.
      if (unplanned && live.get(event.slot) === 0) pendingExit.set(event.slot, event.at);
    } else if (event.kind === "spawned") {
      const empty = (live.get(event.slot) ?? 0) === 0;
      live.set(event.slot, (live.get(event.slot) ?? 0) + 1);
      const exitAt = pendingExit.get(event.slot);
      // The launcher's own account wins: a reload's successor started before the crash is no restart.
      if (event.restart === false && exitAt !== undefined) continue;
      pendingExit.delete(event.slot);
      if (exitAt !== undefined) out.push({ slot: event.slot, exitAt, spawnAt: event.at, pid: event.pid, fresh: false });
      else if (empty) out.push({ slot: event.slot, exitAt: event.at, spawnAt: event.at, pid: event.pid, fresh: true });
    }
  }
  return out;
}

/** Per slot, the times at which one of its workers had been ready for `minUptimeMs` (what resets a backoff). */
function uptimeResets(lifecycle: readonly Lifecycle[], minUptimeMs: number, endAt: number): Map<number, number[]> {
  const readyAt = new Map<number, { slot: number; at: number }>();
  const resets = new Map<number, number[]>();
  const reach = (slot: number, at: number): void => void (resets.get(slot) ?? resets.set(slot, []).get(slot)!).push(at);
  for (const event of lifecycle) {
    if (event.kind === "ready") readyAt.set(event.pid, { slot: event.slot, at: event.at });
    else if (event.kind === "exited") {
      const ready = readyAt.get(event.pid);
      readyAt.delete(event.pid);
      if (ready !== undefined && event.at - ready.at >= minUptimeMs) reach(ready.slot, ready.at + minUptimeMs);
    }
  }
  for (const ready of readyAt.values()) if (endAt - ready.at >= minUptimeMs) reach(ready.slot, ready.at + minUptimeMs);
  return resets;
}

function checkIntensity(observed: Observed): Verdict {
  const { maxRestarts, periodMs } = observed.policy;
  const restarts = crashRestarts(observed).filter((r) => !r.fresh).map((r) => r.spawnAt).sort((a, b) => a - b);
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
  const resets = uptimeResets(observed.lifecycle, minUptimeMs, observed.endAt);
  const streak = new Map<number, { k: number; lastExit: number }>();
  const failures: string[] = [];
  let checked = 0;
  for (const restart of crashRestarts(observed)) {
    if (restart.fresh) {
      streak.delete(restart.slot);
      continue;
    }
    const previous = streak.get(restart.slot);
    // A worker of the slot that stayed ready for minUptimeMs since the last crash resets the count.
    const reset = previous === undefined || (resets.get(restart.slot) ?? []).some((at) => at > previous.lastExit && at <= restart.exitAt);
    const k = reset ? 1 : previous.k + 1;
    streak.set(restart.slot, { k, lastExit: restart.exitAt });
    if (k < 2) continue;
    checked += 1;
    const least = backoffFloorMs(backoff, k);
    const waited = restart.spawnAt - restart.exitAt;
    // Times are whole milliseconds from two clocks (allow 5 ms), plus a polling driver's lateness.
    if (waited + 5 + observed.timingSlackMs < least) failures.push(`slot ${restart.slot}: restart ${k} in a row came ${Math.round(waited)} ms after the crash at ${fmt(restart.exitAt)}, backoff asks at least ${least} ms`);
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
      // By each error's own time: the bucket holding `until` may also hold the next fault's failures (a kill resets its worker's connections at once).
      errors += bucket.errorAt.filter((at) => at >= fault.at && at < until).length;
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
  const { config, records, reloadConfig } = observed.records;
  const result = replayRecords({ config, records, ...(reloadConfig === undefined ? {} : { reloadConfig }) });
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
