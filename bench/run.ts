/**
 * The benchmark suite (`npm run bench`): steward against the launchers
 * users would pick instead (PM2, node cluster, throng) and against a bare
 * runtime parent, all launched through the chaos harness's drivers, in one
 * run, on 127.0.0.1 only. Writes `bench/results/peers.md` (and, through
 * the steward-only benchmarks it runs, `core.md` and `respawn.md`), each
 * headed with the machine's cores, memory, runtime versions and load.
 *
 * Sections, in this order (each bounded; durations printed in the tables):
 * 1. respawn: `bench/respawn.ts --all` (steward, kill -> ready message),
 *    then kill -> a request served by the replacement, one worker on the
 *    port, for every launcher, each just after the same runtime's bare
 *    parent doing the same (spawn on exit);
 * 2. availability: 4 workers under autocannon keep-alive load, a quiet
 *    window then a window with a SIGKILL every 2 s, in each round;
 * 3. reload: rolling reloads back to back under load, after a quiet window;
 * 4. 16 workers: start until all ready, supervisor RSS and CPU% over an
 *    idle window, stop with a 200 ms drain each;
 * 5. crash loop: 4 workers that exit 1 at start;
 * 6. core: `bench/core.ts` (events/s of the pure core), last: it is CPU-bound
 *    and the slowest to suffer from a busy machine.
 *
 * `--full` uses the durations the targets are stated for (30 s windows, 100
 * reloads; far beyond 10 minutes); `--only <section,...>` runs a subset.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import type { Driver } from "../chaos/driver.ts";
import { jsonLine, MasterProcess } from "../chaos/drivers/_child.ts";
import { liveWorkers } from "../chaos/drivers/_facts.ts";
import { built, descendants, pause, ROOT, type Runtime, stewardCli, stillAlive } from "../chaos/_proc.ts";
import { freePort } from "../test/_harness.ts";
import {
  awaitWorkers,
  bare,
  cannon,
  cleanUp,
  type Launcher,
  type Load,
  PEERS,
  pm2Reload,
  steward,
  track,
  withLaunch,
  workerArgv,
} from "./_launch.ts";
import { awaitServed, PROBING, type Served } from "./_probe.ts";
import { cell, num, percentile, signed, type Spread, spread, table } from "./_stats.ts";
import { cpuSeconds, machineHeader, machineTicks, rssMiB } from "./_sys.ts";

/** Durations and counts of one run. */
interface Plan {
  readonly name: "quick" | "full";
  readonly respawnRounds: number;
  readonly respawnTsRounds: number;
  readonly availRounds: number;
  readonly quietS: number;
  readonly faultS: number;
  readonly reloads: number;
  readonly reloadCapS: number;
  readonly idleRuns: number;
  readonly idleS: number;
  readonly crashS: number;
}

const QUICK: Plan = {
  name: "quick",
  respawnRounds: 6,
  respawnTsRounds: 10,
  availRounds: 2,
  quietS: 3,
  faultS: 6,
  reloads: 100,
  reloadCapS: 12,
  idleRuns: 2,
  idleS: 3,
  crashS: 8,
};
const FULL: Plan = {
  name: "full",
  respawnRounds: 30,
  respawnTsRounds: 100,
  availRounds: 3,
  quietS: 30,
  faultS: 30,
  reloads: 100,
  reloadCapS: 1_800,
  idleRuns: 3,
  idleS: 30,
  crashS: 30,
};
const SECTIONS = ["core", "respawn", "availability", "reload", "idle", "crash"] as const;
type Section = typeof SECTIONS[number];
const RUNTIMES: readonly Runtime[] = ["node", "deno", "bun"];
const HTTP = "examples/http_server.ts";
const CONNECTIONS = 16;
const KILL_EVERY_MS = 2_000;

const log = (text: string): void => void process.stderr.write(`bench ${new Date().toISOString().slice(11, 19)}: ${text}\n`);
const ms = (from: number): number => performance.now() - from;

// ---------------------------------------------------------------- helpers

/** Runs a built script as a child on Node, bounded; resolves to its stdout. */
function runChild(argv: readonly string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    track(child.pid);
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(" ")} exited ${code ?? signal}`));
    });
  });
}

/** CPU seconds of the supervising processes: `master` and its descendants that are not workers, the largest seen per pid. */
class SupervisorCpu {
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  constructor(readonly master: number, readonly workers: () => ReadonlySet<number>) {}

  sample(): void {
    const workers = this.workers();
    for (const pid of descendants(this.master)) {
      if (workers.has(pid)) continue;
      const cpu = cpuSeconds(pid);
      if (cpu === null) continue;
      if (!this.#first.has(pid)) this.#first.set(pid, cpu);
      this.#last.set(pid, cpu);
    }
  }

  /** CPU seconds used between the first and the last sample. */
  used(): number {
    let sum = 0;
    for (const [pid, last] of this.#last) sum += last - this.#first.get(pid)!;
    return sum;
  }

  /** Pids measured so far. */
  pids(): number[] {
    return [...this.#last.keys()];
  }
}

/** Live descendants of `master` running `script` (by their command line), from the process table. */
function runningScripts(master: number, script: string): Set<number> {
  const name = built(script);
  const found = new Set<number>();
  for (const pid of descendants(master)) {
    try {
      if (pid !== master && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name)) found.add(pid);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/**
 * Resolves once every pid of `old` has exited and `count` others run the
 * script: a rolling reload retires an old worker only after its successor
 * is up, so that is the end of the reload. Read from the process table, not
 * from the driver (the PM2 driver's list was seen to go stale under load).
 */
async function awaitReloaded(master: number, old: ReadonlySet<number>, count: number, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const now = runningScripts(master, HTTP);
    const fresh = [...now].filter((pid) => !old.has(pid)).length;
    if (stillAlive(old).length === 0 && fresh >= count) return;
    if (performance.now() > deadline) throw new Error(`reload not finished after ${limitMs} ms: ${stillAlive(old).length} old workers alive, ${fresh} new`);
    await pause(10);
  }
}

function workerPids(driver: Driver): Set<number> {
  return new Set(driver.lifecycle().filter((e) => e.kind === "spawned").map((e) => e.pid));
}

/** Runs one launcher's measurement; a failure becomes a row saying so (the suite goes on), and null. */
async function attempt<T>(launcher: Launcher, rows: string[][], cells: number, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").replace(/\|/g, "/").slice(0, 200);
    log(`${launcher.name}: failed: ${message}`);
    rows.push([launcher.name, `failed: ${message}`, ...Array.from({ length: cells - 2 }, () => "")]);
    return null;
  }
}

// ------------------------------------------------------------- respawn

/** A kill after which the launcher reports no new worker within this long counts as not replaced (a replacement is normally forked within a few ms). */
const NOT_REPLACED_MS = 5_000;

/** What the kills of one launcher measured. */
interface Respawns {
  /** kill -> served in ms, one per replaced kill but the first (the warm-up). */
  readonly samples: number[];
  /** Kills, the warm-up included. */
  readonly kills: number;
  /** Kills after which the launcher forked no worker within `NOT_REPLACED_MS`. */
  readonly notReplaced: number;
  /** Hung probes (see `awaitServed`), summed over the replaced kills. */
  readonly hung: number;
}

interface RespawnRow {
  readonly launcher: string;
  readonly measured?: Respawns;
  readonly baseline?: Respawns;
  readonly error?: string;
}

function spawnCount(driver: Driver): number {
  return driver.lifecycle().filter((e) => e.kind === "spawned").length;
}

/** SIGKILLs `pid` and awaits a request served by another worker; null when the launcher reports no new worker within `NOT_REPLACED_MS`. */
async function killAndAwait(driver: Driver, port: number, pid: number): Promise<{ ms: number; served: Served } | null> {
  const before = spawnCount(driver);
  const controller = new AbortController();
  const watch = setTimeout(async () => {
    // A polling driver (PM2) is polled once more before it is judged.
    if ((driver.timingSlackMs ?? 0) > 0) await driver.pids().catch(() => undefined);
    if (spawnCount(driver) === before) controller.abort(new Error(`no worker spawned within ${NOT_REPLACED_MS} ms of the kill`));
  }, NOT_REPLACED_MS);
  const started = performance.now();
  process.kill(pid, "SIGKILL");
  try {
    const served = await awaitServed(port, { ms: 20_000, not: pid, signal: controller.signal });
    return { ms: served.at - started, served };
  } catch (error) {
    if (controller.signal.aborted) return null;
    throw error;
  } finally {
    clearTimeout(watch);
  }
}

async function respawnSamples(launcher: Launcher, rounds: number): Promise<Respawns> {
  const samples: number[] = [];
  let kills = 0;
  let notReplaced = 0;
  let hung = 0;
  // A kill that is not replaced ends its launch; the next kill is made in a fresh one.
  while (kills <= rounds) {
    const port = await freePort();
    await withLaunch(launcher, { workers: 1, script: HTTP, port, minUptimeMs: 100 }, async (driver) => {
      let pid = (await awaitServed(port, { ms: 30_000 })).pid;
      while (kills <= rounds) {
        // Ready longer than minUptimeMs, so each kill is a first crash: an immediate restart.
        await pause(300);
        const result = await killAndAwait(driver, port, pid);
        kills += 1;
        if (result === null) {
          notReplaced += 1;
          log(`respawn: ${launcher.name}: kill ${kills} not replaced`);
          return;
        }
        hung += result.served.hung;
        if (kills > 1) samples.push(result.ms); // the first kill warms up
        pid = result.served.pid;
      }
    });
  }
  return { samples, kills, notReplaced, hung };
}

function hungPerKill(r: Respawns): string {
  const replaced = r.kills - r.notReplaced;
  return replaced === 0 ? "n/a" : num(r.hung / replaced, 2);
}

async function respawnSection(plan: Plan, out: string[]): Promise<RespawnRow[]> {
  log(`respawn: bench/respawn.ts --all --rounds ${plan.respawnTsRounds}`);
  await runChild(["node", built("bench/respawn.ts"), "--all", "--rounds", String(plan.respawnTsRounds), "--warmup", "2"], 300_000);
  const rows: RespawnRow[] = [];
  for (const launcher of [...RUNTIMES.map((runtime) => steward(runtime)), ...PEERS]) {
    log(`respawn: ${launcher.name}`);
    const failed: string[][] = [];
    const pair = await attempt(launcher, failed, 10, async () => ({
      baseline: await respawnSamples(bare(launcher.runtime, true), plan.respawnRounds),
      measured: await respawnSamples(launcher, plan.respawnRounds),
    }));
    rows.push(pair === null ? { launcher: launcher.name, error: failed[0]![1]! } : { launcher: launcher.name, ...pair });
  }
  const throng = rows.find((r) => r.launcher === "throng")?.measured;
  out.push(
    "## Respawn: SIGKILL -> a request served by the replacement",
    "",
    `One worker (\`${HTTP}\`) on the port; kill it, then probe 127.0.0.1 until a new pid answers: a GET on a fresh connection every ${PROBING.everyMs} ms ` +
      `while earlier ones are still pending (at most ${PROBING.atOnce} at once), none with a timeout of its own; the first answer from a new pid ends the wait ` +
      "and its arrival is the sample, so a connection the launcher holds without answering costs only that probe, not the measurement. " +
      `Each launcher runs just after its runtime's bare parent (spawn on exit, nothing else) does the same, by the same method. ` +
      `${plan.respawnRounds} kills each after one warm-up, 300 ms apart; ms. p99 is nearest-rank (with few kills: the max). ` +
      `Replaced: kills after which the launcher forked a new worker within ${NOT_REPLACED_MS / 1000} s (a kill that is not replaced ends its launch; the next kill is made in a fresh launch). ` +
      `Hung per kill: probes started before the answered one and still neither answered nor closed ${PROBING.hungAfterMs} ms after that answer. ` +
      "node cluster's round-robin primary (PM2's cluster mode is built on it) accepts each connection, passes it to a worker and closes its own copy only on that worker's reply " +
      "(`lib/internal/cluster/round_robin_handle.js`), so a connection passed to a worker that has just died, before the primary has seen the death, is neither served nor closed: the client waits until its own timeout. " +
      "steward-only detail (kill -> ready message, 4 workers): [respawn.md](respawn.md).",
    "",
    table(
      ["launcher", "bare p50", "p50 (min-max)", "p99", "overhead p50", "overhead p99", "ratio p50", "replaced", "hung per kill", "target <= 5 ms p99 overhead"],
      rows.map((r) => {
        if (r.error !== undefined || r.measured === undefined || r.baseline === undefined) return [r.launcher, r.error ?? "failed", "", "", "", "", "", "", "", ""];
        const b = spread(r.baseline.samples);
        const s = spread(r.measured.samples);
        const over99 = percentile(r.measured.samples, 99) - percentile(r.baseline.samples, 99);
        const target = !r.launcher.startsWith("steward") ? "" : s.n === 0 ? "n/a" : over99 <= 5 ? "met" : `missed (${signed(over99)} ms)`;
        const replaced = (x: Respawns): string => `${x.kills - x.notReplaced}/${x.kills}`;
        const baseNote = r.baseline.notReplaced > 0 || r.baseline.hung > 0 ? ` (bare: ${replaced(r.baseline)}, ${hungPerKill(r.baseline)})` : "";
        return [
          r.launcher,
          num(b.median),
          s.n === 0 ? "n/a" : cell(s),
          num(percentile(r.measured.samples, 99)),
          signed(s.median - b.median),
          signed(over99),
          num(s.median / b.median, 2),
          replaced(r.measured) + baseNote,
          hungPerKill(r.measured),
          target,
        ];
      }),
    ),
    "",
    ...(throng === undefined || throng.notReplaced === 0 ? [] : [
      `throng forked no replacement after ${throng.notReplaced} of its ${throng.kills} kills. throng 5.0.0 forks only on cluster's \`disconnect\` event (\`revive\` in \`lib/throng.js\`), ` +
      "and Node 20 emits none for a worker that died while a connection handle the primary sent it was still unacknowledged: " +
      "`ChildProcess.disconnect()` on the closed channel waits for the handle queue to drain, which a dead worker never acknowledges (`lib/internal/child_process.js`), " +
      "so the worker is gone (`exit` was emitted) and throng never learns it. The probes right after a kill make that race likely; new connections under load make it too (the availability section). " +
      "The same report against throng: hunterloftis/throng#51.",
      "",
    ]),
  );
  return rows;
}

// --------------------------------------------------------- availability

interface AvailRound {
  readonly quiet: Load;
  readonly fault: Load;
  readonly kills: number;
  /** Killed workers with no successor forked 30 s after the window. */
  readonly notReplaced: number;
}

/** Awaits `count` ready workers for up to `ms`; resolves to how many are missing because no successor was forked (0 once all are ready). */
async function awaitReplaced(driver: Driver, count: number, ms: number): Promise<number> {
  try {
    await awaitWorkers(driver, { count, ms });
    return 0;
  } catch (error) {
    // Fewer workers alive than wanted: the launcher forked no successor. Alive but not ready is another failure.
    const live = liveWorkers(driver.lifecycle()).length;
    if (live < count) return count - live;
    throw error;
  }
}

async function killLoad(driver: Driver, port: number, seconds: number): Promise<{ load: Load; kills: number }> {
  const load = cannon(port, CONNECTIONS, seconds);
  const started = performance.now();
  let kills = 0;
  for (let at = KILL_EVERY_MS / 2; at < seconds * 1000; at += KILL_EVERY_MS) {
    await pause(Math.max(0, at - ms(started)));
    const ready = (await driver.pids()).workers.filter((w) => w.ready);
    const victim = ready[Math.floor(Math.random() * ready.length)];
    if (victim === undefined) continue;
    process.kill(victim.pid, "SIGKILL");
    kills += 1;
  }
  return { load: await load.done, kills };
}

async function availabilitySection(plan: Plan, out: string[]): Promise<void> {
  const rows: string[][] = [];
  const notReplacedBy = new Map<string, number>();
  for (const launcher of [...RUNTIMES.map((runtime) => steward(runtime)), ...PEERS]) {
    log(`availability: ${launcher.name}`);
    const port = await freePort();
    const rounds = await attempt(launcher, rows, 11, () => withLaunch(launcher, { workers: 4, script: HTTP, port, minUptimeMs: 500 }, async (driver) => {
      await awaitWorkers(driver, { count: 4, ms: 30_000 });
      await awaitServed(port, { ms: 10_000 });
      const result: AvailRound[] = [];
      for (let round = 0; round < plan.availRounds; round++) {
        const quiet = await cannon(port, CONNECTIONS, plan.quietS).done;
        const { load: fault, kills } = await killLoad(driver, port, plan.faultS);
        const notReplaced = await awaitReplaced(driver, 4, 30_000);
        result.push({ quiet, fault, kills, notReplaced });
        if (notReplaced > 0) break; // fewer workers from here on: a further round would not compare
      }
      return result;
    }));
    if (rounds === null) continue;
    notReplacedBy.set(launcher.name, rounds.reduce((a, r) => a + r.notReplaced, 0));
    const perKill = spread(rounds.map((r) => r.fault.failed / r.kills));
    const ratio = spread(rounds.map((r) => (r.fault.ok / r.fault.seconds) / (r.quiet.ok / r.quiet.seconds)));
    const isSteward = launcher.name.startsWith("steward");
    rows.push([
      launcher.name,
      String(rounds.reduce((a, r) => a + r.kills, 0)),
      String(rounds.reduce((a, r) => a + r.notReplaced, 0)),
      cell(spread(rounds.map((r) => r.quiet.failed)), 0),
      cell(perKill),
      cell(spread(rounds.map((r) => r.quiet.p99)), 0),
      cell(spread(rounds.map((r) => r.fault.p99)), 0),
      cell(spread(rounds.map((r) => r.quiet.ok / r.quiet.seconds)), 0),
      cell(spread(rounds.map((r) => r.fault.ok / r.fault.seconds)), 0),
      cell(ratio, 2),
      isSteward ? (ratio.median >= 0.9 ? "met" : `missed (${num(ratio.median, 2)})`) : "",
    ]);
  }
  out.push(
    "## Availability: a SIGKILL every 2 s under keep-alive load",
    "",
    `4 workers (\`${HTTP}\`), autocannon -c ${CONNECTIONS} keep-alive. Each of ${plan.availRounds} rounds: ${plan.quietS} s without kills, then ${plan.faultS} s ` +
      "with a random ready worker SIGKILLed every 2 s (first at 1 s). Failed = errors + timeouts + non-2xx. " +
      "Cells: median (min-max) over rounds. A SIGKILL drops the requests in flight on the killed worker's keep-alive connections: that is the floor. " +
      "Not replaced: killed workers for which the launcher had forked no successor 30 s after the window; no further round is run then (fewer workers would not compare).",
    "",
    table(
      ["launcher", "kills", "not replaced", "failed without kills", "failed per kill", "p99 ms without", "p99 ms with kills", "req/s without", "req/s with kills", "throughput ratio", "target ratio >= 0.9"],
      rows,
    ),
    "",
    ...((notReplacedBy.get("throng") ?? 0) === 0 ? [] : [
      "throng's missing workers: it forks only on cluster's `disconnect`, which Node 20 does not emit for a worker killed while a connection the primary passed it was unacknowledged " +
      "(see the respawn section); the connections clients open again after a kill reset theirs go through the primary too, so the race recurs under load.",
      "",
    ]),
  );
}

// --------------------------------------------------------------- reload

async function reloadSection(plan: Plan, out: string[], bootMs: number): Promise<void> {
  const rows: string[][] = [];
  const surge = RUNTIMES.map((runtime) => steward(runtime, { maxSurge: 4 }));
  const launchers = [PEERS[0]!, ...RUNTIMES.map((runtime) => steward(runtime)), ...surge, PEERS[1]!];
  const bootCpu = new Map<Runtime, Spread>();
  for (const runtime of RUNTIMES) bootCpu.set(runtime, spread(await bootCpuMs(runtime)));
  for (const launcher of launchers) {
    log(`reload: ${launcher.name}`);
    const port = await freePort();
    const result = await attempt(launcher, rows, 10, () => withLaunch(launcher, { workers: 4, script: HTTP, port, minUptimeMs: 1_000 }, async (driver, _epoch, dir) => {
      await awaitWorkers(driver, { count: 4, ms: 30_000 });
      await awaitServed(port, { ms: 10_000 });
      const ticks0 = machineTicks();
      const quiet = await cannon(port, CONNECTIONS, plan.quietS).done;
      const ticks1 = machineTicks();
      const load = cannon(port, CONNECTIONS, plan.reloadCapS + 120);
      const started = performance.now();
      const durations: number[] = [];
      const master = (await driver.pids()).master!;
      while (durations.length < plan.reloads && ms(started) < plan.reloadCapS * 1000) {
        const old = runningScripts(master, HTTP);
        const at = performance.now();
        // pm2: the CLI, which answers once the reload is done (the driver's API reload did nothing inside this suite).
        if (launcher.name === "pm2") await pm2Reload(dir);
        else await driver.reload();
        await awaitReloaded(master, old, 4, 60_000);
        durations.push(ms(at));
      }
      const ticks2 = machineTicks();
      return { quiet, during: await load.stop(), durations, busy: [busyShare(ticks0, ticks1), busyShare(ticks1, ticks2)] as const };
    }));
    if (result === null) continue;
    const n = result.durations.length;
    const perReload = result.during.failed / n;
    const ratio = (result.during.ok / result.during.seconds) / (result.quiet.ok / result.quiet.seconds);
    const duration = spread(result.durations);
    const isSteward = launcher.name.startsWith("steward");
    const verdict = !isSteward ? "" : [
      result.during.failed === 0 ? "0 failed: met" : `${result.during.failed} failed: missed`,
      duration.median <= 1000 + bootMs ? "duration: met" : `duration: missed (${num(duration.median, 0)} ms)`,
      ratio >= 0.8 ? "throughput: met" : `throughput: missed (${num(ratio, 2)})`,
    ].join("; ");
    rows.push([
      launcher.name,
      String(n),
      String(result.during.failed),
      num(perReload, 2),
      cell(duration, 0),
      num(result.quiet.ok / result.quiet.seconds, 0),
      num(result.during.ok / result.during.seconds, 0),
      num(ratio, 2),
      num(result.during.p99, 0),
      `${num(100 * result.busy[0], 0)} / ${num(100 * result.busy[1], 0)}`,
      verdict,
    ]);
  }
  const boots = RUNTIMES.map((runtime) => `${runtime} ${cell(bootCpu.get(runtime)!, 0)}`).join(", ");
  out.push(
    "## Rolling reload under keep-alive load",
    "",
    `4 workers (\`${HTTP}\`), autocannon -c ${CONNECTIONS}. Baseline: ${plan.quietS} s without reloads; then reloads back to back ` +
      `(each awaited until 4 new workers are ready and the old ones have exited), up to ${plan.reloads} reloads or ${plan.reloadCapS} s, under one load run. ` +
      "steward: control-socket reload (`steward ctl reload`); pm2: `pm2 reload`; node cluster: the usual rolling restart (fork, await listening, retire the old one). " +
      "steward runs with its default `maxSurge` 1 (one replacement at a time, as `pm2 reload`) and with `--max-surge 4` (all four replacements boot at once, as nginx and gunicorn do on HUP). " +
      `Target for steward: 0 failed, a reload <= 1 s + boot time (the bare node spawn -> served median of the respawn section: ${num(bootMs, 0)} ms), throughput >= 0.8 of baseline. ` +
      "Machine CPU: % of both cores busy (`/proc/stat`) in the baseline window / while reloading. " +
      `CPU time a worker has used when it first answers (spawned alone on the port, median (min-max) of 3, ms): ${boots}; every reload spends four of those on the cores that also serve the load and run autocannon.`,
    "",
    table(["launcher", "reloads", "failed", "failed per reload", "reload ms (min-max)", "req/s baseline", "req/s reloading", "ratio", "p99 ms reloading", "machine CPU %", "targets"], rows),
    "",
  );
}

/** The share of the machine's CPU time that was busy between two `machineTicks()`. */
function busyShare(from: { busy: number; total: number }, to: { busy: number; total: number }): number {
  return (to.busy - from.busy) / Math.max(1, to.total - from.total);
}

/** CPU ms a worker of the HTTP example has used when it first answers, spawned alone; 3 samples. */
async function bootCpuMs(runtime: Runtime): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const [bin, ...args] = workerArgv(runtime, HTTP);
    const child = spawn(bin!, args, { stdio: "ignore", env: { ...process.env, PORT: String(port) } });
    track(child.pid);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await awaitServed(port, { ms: 20_000 });
      const cpu = cpuSeconds(child.pid!);
      if (cpu !== null) samples.push(cpu * 1000);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }
  return samples;
}

// ------------------------------------------------------------- 16 workers

interface IdleRun {
  readonly startMs: number;
  readonly stopMs: number;
  readonly rss: number;
  /** RSS of the master process alone. */
  readonly masterRss: number;
  readonly cpuPercent: number;
  readonly processes: number;
}

async function idleRun(launcher: Launcher, plan: Plan): Promise<IdleRun> {
  let stopMs = NaN;
  const run = await withLaunch(launcher, { workers: 16, script: "bench/workloads/idle.ts", killTimeoutMs: 5_000 }, async (driver) => {
    await awaitWorkers(driver, { count: 16, ms: 90_000 });
    const readyAt = Math.max(...driver.lifecycle().filter((e) => e.kind === "ready").map((e) => e.at));
    const startMs = readyAt; // lifecycle times count from the epoch, taken just before the master started
    const master = (await driver.pids()).master!;
    const cpu = new SupervisorCpu(master, () => workerPids(driver));
    await pause(500);
    cpu.sample();
    const from = performance.now();
    await pause(plan.idleS * 1000);
    cpu.sample();
    const window = ms(from) / 1000;
    const rss = cpu.pids().reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0);
    const masterRss = rssMiB(master) ?? NaN;
    const workers = workerPids(driver);
    const stopping = performance.now();
    await driver.stop();
    stopMs = ms(stopping);
    const alive = [...workers].filter((pid) => cpuSeconds(pid) !== null);
    if (alive.length > 0) stopMs = NaN;
    return { startMs, rss, masterRss, cpuPercent: (cpu.used() / window) * 100, processes: cpu.pids().length };
  });
  return { ...run, stopMs };
}

async function idleSection(plan: Plan, out: string[]): Promise<void> {
  const launchers = [...RUNTIMES.flatMap((rt) => [bare(rt), steward(rt)]), PEERS[0]!, PEERS[1]!];
  const results = new Map<string, IdleRun[]>();
  const errors = new Map<string, string>();
  for (let run = 0; run < plan.idleRuns; run++) {
    for (const launcher of launchers) {
      log(`16 workers: ${launcher.name} (run ${run + 1}/${plan.idleRuns})`);
      const list = results.get(launcher.name) ?? [];
      const failed: string[][] = [];
      const measured = await attempt(launcher, failed, 2, () => idleRun(launcher, plan));
      if (measured === null) errors.set(launcher.name, failed[0]![1]!);
      else list.push(measured);
      results.set(launcher.name, list);
    }
  }
  const rows = launchers.map((launcher) => {
    const runs = results.get(launcher.name)!;
    if (runs.length === 0) return [launcher.name, errors.get(launcher.name) ?? "failed", "", "", "", "", "", "", "", ""];
    const baseName = `bare ${launcher.runtime}`;
    const base = results.get(baseName)!;
    const rss = spread(runs.map((r) => r.rss));
    const cpu = spread(runs.map((r) => r.cpuPercent));
    const start = spread(runs.map((r) => r.startMs));
    const baseRss = spread(base.map((r) => r.rss)).median;
    const baseStart = spread(base.map((r) => r.startMs)).median;
    const target = !launcher.name.startsWith("steward") ? "" : [
      rss.median <= baseRss + 5 ? "RSS: met" : `RSS: missed (${signed(rss.median - baseRss)} MiB)`,
      cpu.median <= 0.1 ? "CPU: met" : `CPU: missed (${num(cpu.median, 2)} %)`,
    ].join("; ");
    return [
      launcher.name,
      `${runs[0]!.processes}${errors.has(launcher.name) ? ` (a run ${errors.get(launcher.name)})` : ""}`,
      cell(rss),
      launcher.name === baseName ? "" : signed(rss.median - baseRss),
      launcher.name === baseName ? "" : signed(spread(runs.map((r) => r.masterRss)).median - baseRss),
      cell(cpu, 2),
      cell(start, 0),
      launcher.name === baseName ? "" : num(start.median / baseStart, 2),
      cell(spread(runs.map((r) => r.stopMs)), 0),
      target,
    ];
  });
  out.push(
    "## 16 workers: start-up, master overhead, stop",
    "",
    "16 idle workers (`bench/workloads/idle.ts`: ready at once, a 200 ms drain on stop). Start: from launching the master until all 16 are ready " +
      "(bare: 16 parallel `spawn`s until each printed its ready line; steward: its ready message; node cluster: `online`; pm2: `online` in its list, polled every 100 ms, " +
      "and the time includes starting the PM2 daemon). " +
      `Overhead: RSS (at the end) and CPU% of one core of the supervising processes (the master and every non-worker descendant: steward's orphan keeper, PM2's God daemon) over ${plan.idleS} s idle, 0.5 s after all were ready; ` +
      "steward runs the CLI npm publishes (the tsup bundle), and its keeper is a `/bin/sh` of about 1.7 MiB that kills the workers' process groups if the master is SIGKILLed, which a bare parent does not do. " +
      "Stop: from the stop request until the master has exited (pm2: `pm2 delete` + daemon kill). " +
      "pm2's CPU includes answering the chaos driver's `list` poll every 100 ms. " +
      `Cells: median (min-max) of ${plan.idleRuns} runs; bare and steward alternate.`,
    "",
    table(["launcher", "processes", "RSS MiB", "RSS over bare", "master alone over bare", "CPU %", "start ms", "start ratio vs bare", "stop ms", "target: RSS <= bare + 5 MiB, CPU <= 0.1 %"], rows),
    "",
  );
}

// --------------------------------------------------------------- crash

interface CrashRow {
  readonly starts: string;
  readonly cpu: number;
  readonly machine: number;
  readonly gaveUp: string;
  readonly exit: string;
}

/** Samples supervisor CPU every 250 ms for `seconds`, or until `done()`. */
async function watchCpu(cpu: SupervisorCpu, seconds: number, done: () => boolean): Promise<{ supervisor: number; machine: number }> {
  const machine0 = machineTicks();
  const from = performance.now();
  cpu.sample();
  while (ms(from) < seconds * 1000) {
    await pause(250);
    if (!done()) cpu.sample();
  }
  const machine1 = machineTicks();
  return { supervisor: (cpu.used() / seconds) * 100, machine: busyShare(machine0, machine1) * 100 };
}

async function crashSteward(runtime: Runtime, seconds: number): Promise<CrashRow> {
  const spawned: number[] = [];
  const started = performance.now();
  const master = new MasterProcess([...stewardCli(runtime, "package"), "run", "-w", "4", "--log-format", "json", "--", ...workerArgv(runtime, "bench/workloads/crash.ts")], {}, (line) => {
    const record = jsonLine(line);
    if (record?.type === "spawned" && typeof record.pid === "number") spawned.push(record.pid);
  });
  track(master.pid);
  let exitedAfter = NaN;
  void master.exited.then(() => (exitedAfter = ms(started)));
  try {
    const cpu = new SupervisorCpu(master.pid!, () => new Set(spawned));
    const usage = await watchCpu(cpu, seconds, () => master.exit !== null);
    const reason = master.stderr.filter((line) => line.trim() !== "").pop() ?? "";
    return {
      starts: String(spawned.length),
      cpu: usage.supervisor,
      machine: usage.machine,
      gaveUp: master.exit === null ? `not within ${seconds} s` : `after ${num(exitedAfter / 1000)} s: ${reason.slice(0, 160)}`,
      exit: master.exit === null ? "still running" : String(master.exit.code ?? master.exit.signal),
    };
  } finally {
    master.signal("SIGKILL");
    await master.exited;
  }
}

async function crashPeer(launcher: Launcher, seconds: number): Promise<CrashRow> {
  // PM2's own defaults for the give-up rule: max_restarts 15, min_uptime 1000 ms.
  const pm2 = launcher.name === "pm2";
  return await withLaunch(launcher, { workers: 4, script: "bench/workloads/crash.ts", ...(pm2 ? { maxRestarts: 15, minUptimeMs: 1_000 } : {}) }, async (driver) => {
    const master = (await driver.pids()).master!;
    const cpu = new SupervisorCpu(master, () => workerPids(driver));
    const usage = await watchCpu(cpu, seconds, () => false);
    const spawns = driver.lifecycle().filter((e) => e.kind === "spawned");
    const last = Math.max(...spawns.map((e) => e.at));
    const alive = cpuSeconds(master) !== null;
    const lastS = (last - (spawns[0]?.at ?? 0)) / 1000;
    const stillStarting = lastS > seconds - 1.5;
    return {
      starts: pm2 ? `${spawns.length} seen (list polled every 100 ms)` : String(spawns.length),
      cpu: usage.supervisor,
      machine: usage.machine,
      gaveUp: stillStarting ? "never (still restarting at the end)" : `stopped restarting after ${num(lastS)} s; ${alive ? "master/daemon still running" : "master exited"}`,
      exit: alive ? "still running" : "exited",
    };
  });
}

async function crashSection(plan: Plan, out: string[]): Promise<void> {
  const rows: string[][] = [];
  for (const runtime of RUNTIMES) {
    log(`crash loop: steward ${runtime}`);
    const row = await attempt(steward(runtime), rows, 6, () => crashSteward(runtime, plan.crashS));
    if (row !== null) rows.push([`steward ${runtime}`, row.starts, num(row.cpu, 1), num(row.machine, 0), row.gaveUp, row.exit]);
  }
  for (const launcher of PEERS) {
    log(`crash loop: ${launcher.name}`);
    const row = await attempt(launcher, rows, 6, () => crashPeer(launcher, plan.crashS));
    if (row !== null) rows.push([launcher.name, row.starts, num(row.cpu, 1), num(row.machine, 0), row.gaveUp, row.exit]);
  }
  out.push(
    "## Crash loop: 4 workers that exit 1 at start",
    "",
    `Window ${plan.crashS} s. steward: the CLI as a user runs it (\`steward run -w 4 -- <runtime> bench/workloads/crash.js\`, default intensity: more than 10 restarts in 60 s gives up); ` +
      "pm2: its defaults (max_restarts 15, min_uptime 1000 ms, no restart delay) through its API, so there is no CLI exit code; node cluster and throng: as usually written (respawn on exit). " +
      "Supervisor CPU: % of one core over the window (master and non-worker descendants); machine CPU: % of all cores busy (`/proc/stat`), whoever used them.",
    "",
    table(["launcher", "starts", "supervisor CPU %", "machine CPU %", "gives up", "exit"], rows),
    "",
  );
}

// ----------------------------------------------------------------- core

async function coreSection(out: string[]): Promise<void> {
  log("core: bench/core.ts");
  const text = await runChild(["node", "--expose-gc", built("bench/core.ts")], 300_000);
  const md = ["# Core throughput", "", "Written by `npm run bench` (`bench/core.ts` on Node).", "", ...machineHeader(), "", text.trim(), ""].join("\n");
  writeResult("core.md", md);
  out.push("## Core throughput", "", "Events/s of the pure core at 10 to 10,000 workers: [core.md](core.md).", "");
}

// ----------------------------------------------------------------- main

function writeResult(name: string, text: string): void {
  const dir = `${ROOT}/bench/results`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}.tmp`, text);
  renameSync(`${dir}/${name}.tmp`, `${dir}/${name}`);
}

function parseArgs(args: readonly string[]): { plan: Plan; only: Set<Section> } {
  let plan = QUICK;
  let only = new Set<Section>(SECTIONS);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--full") plan = FULL;
    else if (arg === "--only") {
      const list = (args[++i] ?? "").split(",");
      const bad = list.find((s) => !(SECTIONS as readonly string[]).includes(s));
      if (bad !== undefined) usage(`--only: unknown section ${JSON.stringify(bad)}; expected some of ${SECTIONS.join(",")}`);
      only = new Set(list as Section[]);
    } else usage(`unknown argument ${JSON.stringify(arg)}; expected --full or --only <sections>`);
  }
  return { plan, only };
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { plan, only } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const header = machineHeader();
  const out: string[] = [];
  const write = (left: readonly string[] | null): string => {
    const md = [
      "# steward against PM2, node cluster, throng and a bare parent",
      "",
      `Written by \`npm run bench\` (\`bench/run.ts\`, ${plan.name} durations${plan.name === "quick" ? "; `--full` for the stated ones" : ""}; sections: ${[...only].join(", ")}).`,
      "",
      ...header,
      `- Load average at the end: ${os.loadavg().map((v) => v.toFixed(2)).join("/")}; the whole run took ${num(ms(started) / 1000, 0)} s`,
      `- Processes left at the end: ${left === null ? "(run under way)" : left.length === 0 ? "none" : left.join(", ")}`,
      "",
      ...out,
    ].join("\n");
    writeResult("peers.md", md);
    return md;
  };
  // peers.md is rewritten after every section, so an interrupted run keeps what it measured.
  let boot = NaN;
  if (only.has("respawn")) {
    const rows = await respawnSection(plan, out);
    boot = spread(rows.find((r) => r.launcher === "steward node")?.baseline?.samples ?? []).median;
    write(null);
  }
  if (only.has("availability")) await availabilitySection(plan, out).then(() => write(null));
  if (only.has("reload")) await reloadSection(plan, out, boot).then(() => write(null));
  if (only.has("idle")) await idleSection(plan, out).then(() => write(null));
  if (only.has("crash")) await crashSection(plan, out).then(() => write(null));
  if (only.has("core")) await coreSection(out);
  const left = await cleanUp();
  const md = write(left);
  console.log(md);
  process.exit(left.length === 0 ? 0 : 1);
}

let stopping = false;
const interrupted = (signal: string) => (): void => {
  if (stopping) return;
  stopping = true;
  log(`interrupted by ${signal}; cleaning up`);
  void cleanUp().finally(() => process.exit(130));
};
process.once("SIGINT", interrupted("SIGINT"));
process.once("SIGTERM", interrupted("SIGTERM"));
process.once("unhandledRejection", (error) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  void cleanUp().finally(() => process.exit(1));
});

main().catch(async (error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  const left = await cleanUp();
  if (left.length > 0) log(`killed what was left: ${left.join(", ")}`);
  process.exit(1);
});
