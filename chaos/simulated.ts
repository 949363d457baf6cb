/**
 * Chaos schedules in the simulator: the same seeded schedule as a real
 * run (`planSchedule`), injected into the in-memory world
 * (`adapters/memory.ts`) on virtual time, and judged by the same checkers.
 * Thousands of schedules run in seconds, identical on every runtime.
 *
 * @module
 */

import { Simulation } from "../adapters/memory.ts";
import { validateConfig } from "../src/core/config.ts";
import type { Config, SupervisorRecord } from "../src/core/types.ts";
import { checkAll, type Injected, type Observed, repairBoundMs, type Verdict } from "./checkers.ts";
import { type Lifecycle, RestartTracker } from "./driver.ts";
import { planSchedule } from "./schedule.ts";

/** Options of `simulateChaos`. */
export interface SimulatedChaosOptions {
  readonly seed: number;
  /** Virtual run length, faults then quiet. @default 8_000 */
  readonly durationMs?: number;
  /** Desired workers. @default 3 */
  readonly workers?: number;
  /** Mean virtual gap between faults. @default 600 */
  readonly meanGapMs?: number;
}

/** What `simulateChaos` returns. */
export interface SimulatedChaos {
  readonly seed: number;
  readonly verdicts: readonly Verdict[];
  readonly ok: boolean;
  readonly observed: Observed;
}

/** The policy of simulated runs; chosen so every repair fits the bound. */
const POLICY = { maxRestarts: 1_000, periodMs: 10_000, minUptimeMs: 500, recoveryBoundMs: 4_000 } as const;
const BACKOFF = { initialMs: 50, maxMs: 800, factor: 2, jitter: 0.1 } as const;

/**
 * Runs one seeded chaos schedule in the simulator and checks it.
 *
 * @param options Seed, length, workers and fault rate.
 * @returns The verdicts and what they were judged on.
 *
 * @example
 * ```ts
 * import { simulateChaos } from "./simulated.ts";
 * const run = simulateChaos({ seed: 42 });
 * console.log(run.ok); // true
 * ```
 */
export function simulateChaos(options: SimulatedChaosOptions): SimulatedChaos {
  const workers = options.workers ?? 3;
  const durationMs = options.durationMs ?? 8_000;
  const checked = validateConfig({
    groups: [{
      name: "app",
      command: ["app"],
      count: workers,
      ready: "ipc",
      heartbeatTimeoutMs: 600,
      readyTimeoutMs: 1_000,
      killTimeoutMs: 300,
      minUptimeMs: POLICY.minUptimeMs,
      backoff: BACKOFF,
    }],
    maxRestarts: POLICY.maxRestarts,
    periodMs: POLICY.periodMs,
    seed: options.seed >>> 0,
  });
  if (!checked.ok) throw new Error("simulateChaos: the built-in config is invalid");
  const config: Config = checked.config;
  const schedule = planSchedule({ seed: options.seed, durationMs, workers, meanGapMs: options.meanGapMs ?? 600, quietMs: POLICY.recoveryBoundMs });
  const sim = new Simulation({ config, trace: false });
  const records: SupervisorRecord[] = [];
  const lifecycle: Lifecycle[] = [];
  const restarts = new RestartTracker();
  sim.onStep(({ effects }) => {
    for (const effect of effects) {
      if (effect.type !== "emit") continue;
      const r = effect.record;
      records.push(r);
      restarts.see(r);
      if (r.type === "spawned") lifecycle.push({ kind: "spawned", at: r.at, slot: r.slot, pid: r.pid, restart: restarts.isRestart(r.id) });
      else if (r.type === "ready" && r.pid !== null) lifecycle.push({ kind: "ready", at: r.at, slot: r.slot, pid: r.pid });
      else if (r.type === "exited" && r.pid !== null) lifecycle.push({ kind: "exited", at: r.at, slot: r.slot, pid: r.pid, code: r.code, signal: r.signal, planned: r.planned });
    }
  });
  const faults: Injected[] = [];
  sim.start();
  for (const fault of schedule.faults) {
    sim.advance(fault.at - sim.now);
    const at = sim.now;
    const live = sim.livePids();
    const pid = live.length === 0 ? null : live[fault.target % live.length]!;
    const pids = pid === null || fault.kind === "reloadStorm" || fault.kind === "scaleStorm" ? [] : [pid];
    switch (fault.kind) {
      case "kill":
        sim.kill(fault.target, "SIGKILL");
        break;
      case "term":
        sim.kill(fault.target, "SIGTERM");
        break;
      case "hang":
        sim.hang(fault.target);
        break;
      case "exit":
        sim.crash(fault.target, fault.count);
        break;
      case "bootFail":
        sim.failNextSpawns(fault.count);
        sim.kill(fault.target, "SIGKILL");
        break;
      case "reloadStorm":
      case "scaleStorm":
        for (let i = 0; i < fault.count; i++) {
          if (i > 0) sim.advance(fault.gapMs);
          sim.dispatch(fault.kind === "reloadStorm" ? { type: "reload" } : { type: "scale", group: "app", count: fault.counts[i]! });
        }
        break;
    }
    faults.push({ kind: fault.kind, at, lastAt: sim.now, count: fault.count, pids, detail: fault.kind });
  }
  const policy = { workers, maxRestarts: POLICY.maxRestarts, periodMs: POLICY.periodMs, backoff: BACKOFF, minUptimeMs: POLICY.minUptimeMs, recoveryBoundMs: POLICY.recoveryBoundMs };
  const quietUntil = faults.length === 0 ? 0 : faults.at(-1)!.lastAt + repairBoundMs(faults, faults.length - 1, policy);
  sim.advance(Math.max(durationMs, quietUntil) - sim.now);
  const endAt = sim.now;
  sim.dispatch({ type: "stop", graceful: schedule.end === "stop" });
  sim.runToExit(60_000);
  const pidsSeen = [...new Set(lifecycle.map((e) => e.pid))];
  const observed: Observed = {
    policy,
    faults,
    lifecycle,
    endAt,
    pidsSeen,
    leftAlive: sim.livePids().map((pid) => `virtual pid ${pid} alive after the stop`),
    timingSlackMs: 0,
    gaveUp: records.some((r) => r.type === "gaveUp"),
    load: null,
    records: { config, records },
  };
  const verdicts = checkAll(observed);
  return { seed: options.seed, verdicts, ok: verdicts.every((v) => v.ok !== false), observed };
}
