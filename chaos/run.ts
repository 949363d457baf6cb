/**
 * One chaos run: start a launcher with a workload, follow a seeded fault
 * schedule, keep quiet, end (graceful stop or SIGKILL of the master), then
 * judge what was observed with every checker.
 *
 * Rules:
 * - faults pick their worker by the schedule's index modulo the live
 *   workers (by slot, then pid), so a seed replays the same choices as far
 *   as the launcher's own behaviour allows;
 * - every process seen under the launcher (its descendants, sampled every
 *   200 ms, and every worker pid it reported) must be gone within 5 s of
 *   the end; whatever is left is killed after being reported;
 * - nothing is left behind even when the run throws: the driver is closed
 *   and every pid seen is SIGKILLed (SIGSTOPped ones included).
 *
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import type { BackoffConfig } from "../src/core/types.ts";
import { checkAll, type Injected, type LoadBucket, type Observed, type Policy, readySeries, type ReadyPoint, repairBoundMs, type Verdict } from "./checkers.ts";
import type { Driver } from "./driver.ts";
import { built, descendants, killQuietly, pause, processTable, runScript, type Runtime, stillAlive } from "./_proc.ts";
import { MasterProcess } from "./drivers/_child.ts";
import { type Fault, type FaultKind, planSchedule, type Schedule } from "./schedule.ts";

/** The workloads. */
export type Workload = "queue" | "http";

/** Options of `runChaos`. */
export interface ChaosOptions {
  /** The launcher. */
  readonly driver: Driver;
  /** Runtime of the workers. */
  readonly runtime: Runtime;
  /** @default "queue" */
  readonly workload?: Workload;
  readonly seed: number;
  /** Whole run, faults then quiet. @default 30_000 */
  readonly durationMs?: number;
  /** @default 2 */
  readonly workers?: number;
  /** Fault kinds to draw. @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** Mean gap between faults. @default 2_000 */
  readonly meanGapMs?: number;
  /** The quiet phase at the end. @default 10_000, at most half the duration */
  readonly quietMs?: number;
  /** Longest repair time a fault may take. @default 10_000 */
  readonly recoveryBoundMs?: number;
  /** HTTP requests per second. @default 100 */
  readonly rate?: number;
  /** The command that replays this run, printed with every failure. */
  readonly replayCommand?: string;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

/** What `runChaos` returns: the data of the HTML and JSON reports. */
export interface ChaosReport {
  readonly driver: string;
  readonly runtime: Runtime;
  readonly workload: Workload;
  readonly seed: number;
  readonly startedAt: string;
  readonly schedule: Schedule;
  readonly observed: Observed;
  readonly ready: readonly ReadyPoint[];
  readonly verdicts: readonly Verdict[];
  readonly ok: boolean;
  readonly replayCommand: string;
}

/** The policy chaos runs ask of every launcher. */
export const CHAOS_POLICY = {
  maxRestarts: 100,
  periodMs: 60_000,
  heartbeatTimeoutMs: 1_000,
  killTimeoutMs: 3_000,
  minUptimeMs: 1_000,
  backoff: { initialMs: 100, maxMs: 2_000, factor: 2, jitter: 0.1 } satisfies BackoffConfig,
} as const;

/**
 * Runs one seeded chaos scenario against a launcher.
 *
 * @param options Launcher, workload, seed and duration.
 * @returns The report data, with one verdict per checker.
 *
 * @example Thirty seconds against steward on Bun
 * ```ts
 * import { runChaos } from "./run.ts";
 * import { stewardDriver } from "./drivers/steward.ts";
 * const report = await runChaos({ driver: stewardDriver({ runtime: "bun" }), runtime: "bun", seed: 42 });
 * console.log(report.ok ? "ok" : report.replayCommand);
 * ```
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((): void => undefined);
  const workload = options.workload ?? "queue";
  const workers = options.workers ?? 2;
  const durationMs = options.durationMs ?? 30_000;
  const schedule = planSchedule({
    seed: options.seed,
    durationMs,
    workers,
    ...(options.meanGapMs === undefined ? {} : { meanGapMs: options.meanGapMs }),
    ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
    ...(options.quietMs === undefined ? {} : { quietMs: options.quietMs }),
  });
  const policy: Policy = {
    workers,
    maxRestarts: CHAOS_POLICY.maxRestarts,
    periodMs: CHAOS_POLICY.periodMs,
    backoff: CHAOS_POLICY.backoff,
    minUptimeMs: CHAOS_POLICY.minUptimeMs,
    recoveryBoundMs: options.recoveryBoundMs ?? 10_000,
  };
  const dir = mkdtempSync(`${tmpdir()}/steward-chaos-`);
  mkdirSync(`${dir}/boot-fail`);
  const driver = options.driver;
  const epoch = Date.now();
  const t0 = performance.now();
  const since = (): number => performance.now() - t0;
  const seen = new Set<number>();
  const hung = new Set<number>();
  const injected: Injected[] = [];
  let master: number | null = null;
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();
  let load: LoadRun | null = null;
  let tokens = 0;
  try {
    const port = workload === "http" ? await freePort() : undefined;
    const script = built(`chaos/workloads/${workload}.ts`);
    await driver.start({
      workers,
      worker: runScript(options.runtime, script),
      env: { CHAOS_DIR: dir, JOB_MS: "100", ...(port === undefined ? {} : { PORT: String(port) }) },
      ...(port === undefined ? {} : { port }),
      heartbeatTimeoutMs: CHAOS_POLICY.heartbeatTimeoutMs,
      maxRestarts: policy.maxRestarts,
      periodMs: policy.periodMs,
      killTimeoutMs: CHAOS_POLICY.killTimeoutMs,
      backoff: policy.backoff,
      minUptimeMs: policy.minUptimeMs,
      dir,
      epoch,
    });
    master = (await driver.pids()).master;
    log(`${driver.name}: master pid ${master}, ${schedule.faults.length} faults planned, seed ${options.seed}`);
    sampler = (async () => {
      while (sampling) {
        if (master !== null) for (const pid of descendants(master)) seen.add(pid);
        await pause(200);
      }
    })();
    if (port !== undefined) load = startLoad(port, durationMs, options.rate ?? 100, epoch);

    for (const fault of schedule.faults) {
      const wait = fault.at - since();
      if (wait > 0) await pause(wait);
      const done = await inject(driver, fault, { dir, hung, epoch, token: () => ++tokens });
      injected.push(done);
      log(`${(done.at / 1000).toFixed(2)} s ${done.kind} ${done.detail}`);
    }
    // The quiet phase lasts at least the last fault's repair bound.
    const last = injected.length - 1;
    // (Fault times count from the epoch, `since()` from t0, taken together.)
    const quietUntil = last < 0 ? 0 : injected[last]!.lastAt + repairBoundMs(injected, last, policy);
    const quiet = Math.max(durationMs, quietUntil) - since();
    if (quiet > 0) await pause(quiet);
    const endAt = Date.now() - epoch;
    for (const event of driver.lifecycle()) seen.add(event.pid);
    if (master !== null) for (const pid of descendants(master)) seen.add(pid);
    log(`${(endAt / 1000).toFixed(2)} s end: ${schedule.end}`);
    if (schedule.end === "stop") await driver.stop();
    else await driver.killMaster();
    sampling = false;
    await sampler;
    const leftAlive = await awaitGone(seen, 5_000);
    const loadBuckets = load === null ? null : await load.done;
    const records = driver.records?.() ?? null;
    const observed: Observed = {
      policy,
      faults: injected,
      lifecycle: [...driver.lifecycle()],
      endAt,
      pidsSeen: [...seen].sort((a, b) => a - b),
      leftAlive,
      timingSlackMs: driver.timingSlackMs ?? 0,
      gaveUp: records?.records.some((r) => r.type === "gaveUp") ?? false,
      load: loadBuckets,
      records,
    };
    const verdicts = checkAll(observed);
    const replayCommand = options.replayCommand ?? `seed ${options.seed}`;
    return {
      driver: driver.name,
      runtime: options.runtime,
      workload,
      seed: options.seed,
      startedAt: new Date(epoch).toISOString(),
      schedule,
      observed,
      ready: readySeries(observed),
      verdicts,
      ok: verdicts.every((v) => v.ok !== false),
      replayCommand,
    };
  } finally {
    sampling = false;
    await sampler;
    load?.stop();
    await driver.close();
    for (const pid of [...seen, ...hung]) killQuietly(pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits (bounded) until no process of `pids` or their groups is alive; returns what is left, as lines. */
async function awaitGone(pids: ReadonlySet<number>, ms: number): Promise<string[]> {
  const deadline = performance.now() + ms;
  for (;;) {
    const left = stillAlive(pids, processTable());
    if (left.length === 0) return [];
    if (performance.now() > deadline) return left.map((row) => `pid ${row.pid} (parent ${row.ppid}, group ${row.pgid}, state ${row.state}) still alive ${ms} ms after the end`);
    await pause(50);
  }
}

interface InjectContext {
  readonly dir: string;
  readonly hung: Set<number>;
  readonly epoch: number;
  readonly token: () => number;
}

async function inject(driver: Driver, fault: Fault, context: InjectContext): Promise<Injected> {
  const at = Date.now() - context.epoch;
  const stamp = (pids: number[], detail: string): Injected => ({ kind: fault.kind, at, lastAt: Date.now() - context.epoch, count: fault.count, pids, detail });
  if (fault.kind === "reloadStorm") {
    for (let i = 0; i < fault.count; i++) {
      if (i > 0) await pause(fault.gapMs);
      await driver.reload();
    }
    return stamp([], `${fault.count} reloads ${fault.gapMs} ms apart`);
  }
  if (fault.kind === "scaleStorm") {
    for (let i = 0; i < fault.counts.length; i++) {
      if (i > 0) await pause(fault.gapMs);
      await driver.scale(fault.counts[i]!);
    }
    return stamp([], `scale to ${fault.counts.join(", ")} ${fault.gapMs} ms apart`);
  }
  const live = (await driver.pids()).workers.filter((w) => !context.hung.has(w.pid)).sort((a, b) => a.slot - b.slot || a.pid - b.pid);
  if (live.length === 0) return stamp([], "skipped: no live worker");
  const pid = live[fault.target % live.length]!.pid;
  switch (fault.kind) {
    case "kill":
      killQuietly(pid, "SIGKILL");
      return stamp([pid], `SIGKILL pid ${pid}`);
    case "term":
      killQuietly(pid, "SIGTERM");
      return stamp([pid], `SIGTERM pid ${pid}`);
    case "hang":
      context.hung.add(pid);
      killQuietly(pid, "SIGSTOP");
      return stamp([pid], `SIGSTOP pid ${pid}`);
    case "exit":
      writeFileSync(`${context.dir}/exit-${pid}`, String(fault.count));
      killQuietly(pid, "SIGUSR2");
      return stamp([pid], `pid ${pid} exits with code ${fault.count}`);
    case "bootFail":
      for (let i = 0; i < fault.count; i++) writeFileSync(`${context.dir}/boot-fail/${String(context.token()).padStart(6, "0")}`, "");
      killQuietly(pid, "SIGKILL");
      return stamp([pid], `next ${fault.count} spawns fail at boot; SIGKILL pid ${pid}`);
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface LoadRun {
  readonly done: Promise<LoadBucket[]>;
  stop(): void;
}

/** autocannon in a Node child (chaos/_load.ts), its buckets re-timed to the epoch. */
function startLoad(port: number, durationMs: number, rate: number, epoch: number): LoadRun {
  const buckets: LoadBucket[] = [];
  const child = new MasterProcess(["node", built("chaos/_load.ts"), `http://127.0.0.1:${port}/`, String(Math.ceil(durationMs / 1000)), String(rate)], {}, (line) => {
    try {
      const bucket = JSON.parse(line) as LoadBucket;
      buckets.push({ at: bucket.at - epoch, ok: bucket.ok, errors: bucket.errors, errorAt: bucket.errorAt.map((at) => at - epoch) });
    } catch {
      // not a bucket
    }
  });
  return {
    done: child.waitExit(durationMs + 10_000).then(() => buckets.sort((a, b) => a.at - b.at)),
    stop: () => child.signal("SIGKILL"),
  };
}
