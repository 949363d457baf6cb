/**
 * Respawn latency (a benchmark, not a test): how long after a worker is
 * SIGKILLed its replacement is ready, against how long the same runtime
 * takes to start the same worker and hear its first message, in one run.
 *
 * On the runtime running this script, with the IPC worker fixture
 * (`.build/test/fixtures/ipc_worker.js`, which calls the helper's `ready()`)
 * run on that same runtime:
 * - baseline: `adapter.spawn()` on an adapter from `loadAdapter()`, timed
 *   from the call to the worker's `ready` message, then SIGKILL and wait for
 *   the exit;
 * - steward: a supervisor (`createSupervisor`, same kind of adapter) with
 *   `--workers` workers, `ready: "ipc"`; SIGKILL one worker by pid (slots in
 *   turn) and time from the kill to the `ready` record of its replacement.
 * Both adapters run the orphan keeper, as steward does by default. The rounds
 * alternate (baseline then steward, then steward then baseline, ...) so machine
 * noise hits both; the first `--warmup` rounds are not counted. Every restart
 * must be the immediate first-crash restart: `minUptimeMs` is short and a slot
 * is only killed after its worker was ready for longer, and a round whose
 * `restarting` record shows a backoff delay aborts the run.
 *
 * Prints a markdown table (n, p50, p90, p99, max in ms; p99 is nearest-rank,
 * so with n = 100 it is the second largest sample), the overhead
 * steward - baseline at p50 and p99 and their ratio, and a breakdown of both
 * paths taken from the records' and the adapter's callbacks.
 *
 * Run (each measures its own runtime):
 *   node_modules/.bin/deno run -A bench/respawn.ts
 *   node_modules/.bin/bun bench/respawn.ts
 *   npm run --silent build:test && node .build/bench/respawn.js
 * Options: --rounds N (100), --warmup N (5), --workers N (4).
 * With --all it runs itself on node, deno and bun in turn (node runs the
 * build, so build first), prints one combined table and writes it, with the
 * machine's cores, memory and runtime versions, to bench/results/respawn.md.
 *
 * Every wait has a time limit; every worker pid still alive at the end (or on
 * an error, or on SIGINT/SIGTERM) is SIGKILLed with its process group, the
 * adapters are closed, and a `ps` check reports anything left. No network.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import type { Adapter, ProcessListener } from "../src/adapter.ts";
import type { SpawnSpec, SupervisorRecord } from "../src/core/types.ts";
import { decode } from "../src/protocol.ts";
import { createSupervisor, type Supervisor } from "../src/supervisor.ts";
import { type DetectedRuntime, detectRuntime, loadAdapter } from "../adapters/_detect.ts";
import { command, fixture, ROOT, RUNTIMES, survivors } from "../test/_harness.ts";

/** Longest wait for a worker to be ready, or to exit after SIGKILL. */
const READY_LIMIT_MS = 15_000;
const EXIT_LIMIT_MS = 5_000;
/** The supervisor's `minUptimeMs`, and how long a slot's worker is ready before it is killed again. */
const MIN_UPTIME_MS = 20;
const UPTIME_WAIT_MS = 60;
/** Longest a child run of `--all` may take before it is stopped. */
const CHILD_LIMIT_MS = 20 * 60_000;
/** The overhead target at p99. */
const TARGET_P99_MS = 5;

interface Options {
  readonly rounds: number;
  readonly warmup: number;
  readonly workers: number;
  readonly all: boolean;
  readonly json: boolean;
}

/** Raw samples of one runtime's run, in ms; what a child of `--all` prints as JSON. */
interface RunResult {
  readonly runtime: DetectedRuntime;
  readonly version: string;
  readonly workers: number;
  readonly warmup: number;
  readonly loadavg: { readonly before: readonly number[]; after: readonly number[] };
  readonly baseline: {
    /** spawn() call -> ready message. */
    readonly total: number[];
    /** spawn() call -> spawn() resolved. */
    readonly spawn: number[];
    /** spawn() resolved -> ready message. */
    readonly boot: number[];
    /** SIGKILL -> the adapter reported the exit: the worker's death, as any supervisor would see it. */
    readonly death: number[];
  };
  readonly steward: {
    /** kill -> ready record of the replacement. */
    readonly total: number[];
    /** kill -> the adapter called the killed worker's `exit` listener (as `death` above). */
    readonly death: number[];
    /** that `exit` call -> the driver called `adapter.spawn()` for the replacement: steward's own decision. */
    readonly decide: number[];
    /** spawn() call -> resolved. */
    readonly spawn: number[];
    /** spawn() resolved -> the `ready` record. */
    readonly boot: number[];
    /** Per round, steward total - baseline total of the same round. */
    readonly paired: number[];
    /** Per round, steward total - (baseline total + baseline death): what is left once the death is paid. */
    readonly net: number[];
  };
}

// ------------------------------------------------------------- waiting

let aborted: string | null = null;

/** Wakes waiters whenever something they may be waiting for happened. */
class Hub {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Resolves once `condition()` holds; rejects after `ms`, or when the run is aborted. */
  until(what: string, ms: number, condition: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = (): void => {
        if (aborted !== null) {
          done();
          reject(new Error(`${aborted} while waiting for ${what}`));
        } else if (condition()) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }
}

const hub = new Hub();

/** A pause; rejects afterwards if the run was aborted meanwhile. */
async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (aborted !== null) throw new Error(aborted);
}

// ------------------------------------------------------------ processes

/** Every worker pid seen, and those not yet reported exited (SIGKILLed at the end). */
const seen = new Set<number>();
const live = new Set<number>();

function killLive(): void {
  for (const pid of live) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  live.clear();
}

function isReadyMessage(raw: unknown): boolean {
  return decode(raw)?.type === "ready";
}

let nextId = 1;

/** One baseline round: spawn -> ready message, then SIGKILL and wait for the exit. */
async function baselineRound(adapter: Adapter, argv: readonly string[]): Promise<{ total: number; spawn: number; boot: number; death: number }> {
  let readyAt = Number.NaN;
  let exitAt = Number.NaN;
  let killAt = Number.NaN;
  let exited = false;
  let pid = -1;
  const listener: ProcessListener = {
    message: (raw) => {
      if (Number.isNaN(readyAt) && isReadyMessage(raw)) {
        readyAt = performance.now();
        hub.notify();
      }
    },
    line: () => undefined,
    exit: () => {
      exitAt = performance.now();
      exited = true;
      live.delete(pid);
      hub.notify();
    },
  };
  const spec: SpawnSpec = { id: nextId++, group: "baseline", slot: 0, generation: 1, command: argv, cwd: null, env: {}, ipc: true, heartbeatMs: 0 };
  const start = performance.now();
  const handle = await adapter.spawn(spec, listener);
  const spawned = performance.now();
  pid = handle.pid;
  seen.add(pid);
  if (!exited) live.add(pid);
  try {
    await hub.until("the baseline worker's ready message", READY_LIMIT_MS, () => !Number.isNaN(readyAt));
  } finally {
    killAt = performance.now();
    handle.signal("SIGKILL");
    await hub.until("the baseline worker's exit", EXIT_LIMIT_MS, () => exited);
  }
  return { total: readyAt - start, spawn: spawned - start, boot: readyAt - spawned, death: exitAt - killAt };
}

/** What the adapter calls and the records told about the round in progress. */
interface Round {
  readonly slot: number;
  readonly oldId: number;
  killAt: number;
  /** The adapter called the killed worker's `exit` listener. */
  exitAt: number;
  restartInMs: number | null;
  newId: number;
  /** The driver called `adapter.spawn()` for the replacement, and when that resolved. */
  spawnCallAt: number;
  spawnedAt: number;
  /** The replacement's `ready` record. */
  readyAt: number;
}

/**
 * The supervised group. The adapter given to the supervisor is the runtime's
 * own, wrapped only to timestamp its `exit` listener calls and `spawn()`
 * calls (one extra promise hop on `spawn()`), so the stages can be split.
 */
class StewardRig {
  readonly supervisor: Supervisor;
  /** Ready holder of each slot: worker id, pid and when its `ready` record came. */
  readonly holders = new Map<number, { id: number; pid: number; readyAt: number }>();
  round: Round | null = null;
  ended: string | null = null;

  constructor(adapter: Adapter, argv: readonly string[], workers: number) {
    this.supervisor = createSupervisor(
      {
        groups: [{ name: "bench", command: argv, count: workers, ready: "ipc", readyTimeoutMs: READY_LIMIT_MS, minUptimeMs: MIN_UPTIME_MS }],
        maxRestarts: 1_000_000,
        periodMs: 60_000,
      },
      { adapter: this.#instrument(adapter), onRecord: (record) => this.#onRecord(record), onOutput: () => undefined },
    );
  }

  #instrument(adapter: Adapter): Adapter {
    return {
      runtime: adapter.runtime,
      clock: adapter.clock,
      close: () => adapter.close(),
      listen: (address) => adapter.listen(address),
      spawn: (spec, listener) => {
        const round = this.round;
        const replacement = round !== null && spec.slot === round.slot && spec.id !== round.oldId && round.newId === -1;
        if (replacement) {
          round.newId = spec.id;
          round.spawnCallAt = performance.now();
        }
        let pid = -1;
        const exit: ProcessListener["exit"] = (code, signal) => {
          const now = performance.now();
          live.delete(pid);
          if (this.round !== null && spec.id === this.round.oldId) this.round.exitAt = now;
          listener.exit(code, signal);
          hub.notify();
        };
        return adapter.spawn(spec, { message: listener.message, line: listener.line, exit }).then((handle) => {
          if (replacement) round.spawnedAt = performance.now();
          pid = handle.pid;
          seen.add(pid);
          live.add(pid);
          return handle;
        });
      },
    };
  }

  #onRecord(record: SupervisorRecord): void {
    const now = performance.now();
    const round = this.round;
    switch (record.type) {
      case "ready":
        if (record.pid !== null) this.holders.set(record.slot, { id: record.id, pid: record.pid, readyAt: now });
        if (round !== null && record.id === round.newId) round.readyAt = now;
        break;
      case "restarting":
        if (round !== null && record.slot === round.slot && round.restartInMs === null) round.restartInMs = record.inMs;
        break;
      case "gaveUp":
      case "stopped":
        this.ended = `the supervisor ended (${record.type}): ${record.reason}`;
        break;
      default:
        break;
    }
    hub.notify();
  }

  async untilReady(): Promise<void> {
    await Promise.race([
      this.supervisor.ready,
      hub.until("the supervisor's workers to be ready", READY_LIMIT_MS, () => this.ended !== null).then(() => {
        throw new Error(this.ended!);
      }),
    ]);
  }

  /** SIGKILL the holder of `slot` and time its replacement. */
  async killAndTime(slot: number): Promise<{ total: number; death: number; decide: number; spawn: number; boot: number }> {
    const holder = this.holders.get(slot);
    if (holder === undefined) throw new Error(`slot ${slot} has no ready worker`);
    // Let its uptime timer reset the slot's crash count, so this restart is a first one.
    const wait = holder.readyAt + UPTIME_WAIT_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const round: Round = {
      slot,
      oldId: holder.id,
      killAt: 0,
      exitAt: Number.NaN,
      restartInMs: null,
      newId: -1,
      spawnCallAt: Number.NaN,
      spawnedAt: Number.NaN,
      readyAt: Number.NaN,
    };
    this.round = round;
    round.killAt = performance.now();
    process.kill(holder.pid, "SIGKILL");
    try {
      await hub.until(`the replacement of slot ${slot} to be ready`, READY_LIMIT_MS, () => !Number.isNaN(round.readyAt) || this.ended !== null);
    } finally {
      this.round = null;
    }
    if (this.ended !== null) throw new Error(this.ended);
    if (round.restartInMs !== 0) {
      throw new Error(`slot ${slot}: the restart was not immediate (restarting inMs = ${round.restartInMs}); the benchmark would measure backoff`);
    }
    return {
      total: round.readyAt - round.killAt,
      death: round.exitAt - round.killAt,
      decide: round.spawnCallAt - round.exitAt,
      spawn: round.spawnedAt - round.spawnCallAt,
      boot: round.readyAt - round.spawnedAt,
    };
  }

  /** Stop at once (SIGKILL), bounded; true if the supervisor finished in time. */
  async stop(): Promise<boolean> {
    const stopped = this.supervisor.stop({ graceful: false }).then(() => true);
    const late = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), EXIT_LIMIT_MS));
    return Promise.race([stopped, late]);
  }
}

// --------------------------------------------------------------- one run

function runtimeVersion(runtime: DetectedRuntime): string {
  const versions = process.versions as Record<string, string | undefined>;
  switch (runtime) {
    case "node":
      return `Node ${versions.node ?? "?"}`;
    case "deno":
      return `Deno ${versions.deno ?? "?"}`;
    case "bun":
      return `Bun ${versions.bun ?? "?"}`;
  }
}

function loadavg(): number[] {
  try {
    return os.loadavg().map((x) => Math.round(x * 100) / 100);
  } catch {
    return [];
  }
}

async function runHere(options: Options): Promise<RunResult> {
  const runtime = detectRuntime();
  const script = fixture("ipc_worker");
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run --silent build:test\` first`);
  const argv = command(runtime, script);
  const result: RunResult = {
    runtime,
    version: runtimeVersion(runtime),
    workers: options.workers,
    warmup: options.warmup,
    loadavg: { before: loadavg(), after: [] },
    baseline: { total: [], spawn: [], boot: [], death: [] },
    steward: { total: [], death: [], decide: [], spawn: [], boot: [], paired: [], net: [] },
  };
  const adapters: Adapter[] = [];
  let rig: StewardRig | null = null;
  let failure: unknown = null;
  try {
    const baseAdapter = await loadAdapter();
    adapters.push(baseAdapter);
    const supAdapter = await loadAdapter();
    adapters.push(supAdapter);
    rig = new StewardRig(supAdapter, argv, options.workers);
    await rig.untilReady();
    const total = options.warmup + options.rounds;
    for (let round = 0; round < total; round++) {
      const slot = round % options.workers;
      let base: Awaited<ReturnType<typeof baselineRound>>;
      let sup: Awaited<ReturnType<StewardRig["killAndTime"]>>;
      if (round % 2 === 0) {
        base = await baselineRound(baseAdapter, argv);
        sup = await rig.killAndTime(slot);
      } else {
        sup = await rig.killAndTime(slot);
        base = await baselineRound(baseAdapter, argv);
      }
      if (round < options.warmup) continue;
      result.baseline.total.push(base.total);
      result.baseline.spawn.push(base.spawn);
      result.baseline.boot.push(base.boot);
      result.baseline.death.push(base.death);
      result.steward.total.push(sup.total);
      result.steward.death.push(sup.death);
      result.steward.decide.push(sup.decide);
      result.steward.spawn.push(sup.spawn);
      result.steward.boot.push(sup.boot);
      result.steward.paired.push(sup.total - base.total);
      result.steward.net.push(sup.total - base.total - base.death);
      if (!options.json && (round + 1 - options.warmup) % 25 === 0) {
        console.error(`${runtime}: ${round + 1 - options.warmup}/${options.rounds} rounds`);
      }
    }
  } catch (error) {
    failure = error;
  }
  // Cleanup, also after an error: stop the supervisor, SIGKILL whatever is left, close the adapters, check.
  try {
    if (rig !== null && !(await rig.stop())) console.error("respawn bench: the supervisor did not stop in time; killing its workers");
    killLive();
    for (const adapter of adapters) await adapter.close();
    const left = await survivors(seen);
    if (left.length > 0) throw new Error(`processes left behind: ${left.join("; ")}`);
  } catch (error) {
    failure ??= error;
  }
  if (failure !== null) throw failure;
  result.loadavg.after = loadavg();
  return result;
}

// --------------------------------------------------------------- figures

/** Nearest-rank percentile. */
function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

const ms = (x: number): string => x.toFixed(1);
const signed = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;

/** The main table: baseline and steward rows per runtime, overhead on the steward row. */
function mainTable(results: readonly RunResult[]): string {
  const lines = [
    "| runtime | path | n | p50 | p90 | p99 | max | overhead p50 | overhead p99 | ratio p50 | ratio p99 |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const b = r.baseline.total;
    const s = r.steward.total;
    const row = (path: string, xs: readonly number[]): string =>
      `| ${r.version} | ${path} | ${xs.length} | ${ms(percentile(xs, 0.5))} | ${ms(percentile(xs, 0.9))} | ${ms(percentile(xs, 0.99))} | ${ms(Math.max(...xs))}`;
    const d50 = percentile(s, 0.5) - percentile(b, 0.5);
    const d99 = percentile(s, 0.99) - percentile(b, 0.99);
    const ratio = (q: number): string => (percentile(s, q) / percentile(b, q)).toFixed(2);
    lines.push(`${row("baseline: spawn -> ready message", b)} | | | | |`);
    lines.push(`${row(`steward (${r.workers} worker${r.workers === 1 ? "" : "s"}): kill -> replacement ready`, s)} | ${signed(d50)} | ${signed(d99)} | ${ratio(0.5)} | ${ratio(0.99)} |`);
  }
  return lines.join("\n");
}

/** Where the time goes: each stage as p50 / p99, and the paired per-round overhead. */
function breakdownTable(results: readonly RunResult[]): string {
  const cell = (xs: readonly number[]): string => `${ms(percentile(xs, 0.5))} / ${ms(percentile(xs, 0.99))}`;
  const fine = (xs: readonly number[]): string => `${percentile(xs, 0.5).toFixed(2)} / ${percentile(xs, 0.99).toFixed(2)}`;
  const lines = [
    "| runtime | side | kill -> exit listener | exit listener -> spawn() call | spawn() call -> resolved | resolved -> ready | paired overhead | paired overhead - baseline death |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const { baseline: b, steward: s } = r;
    lines.push(`| ${r.version} | baseline | ${cell(b.death)} | | ${cell(b.spawn)} | ${cell(b.boot)} | | |`);
    lines.push(`| ${r.version} | steward | ${cell(s.death)} | ${fine(s.decide)} | ${cell(s.spawn)} | ${cell(s.boot)} | ${cell(s.paired)} | ${cell(s.net)} |`);
  }
  return lines.join("\n");
}

function verdicts(results: readonly RunResult[]): string {
  return results.map((r) => {
    const d99 = percentile(r.steward.total, 0.99) - percentile(r.baseline.total, 0.99);
    return `${r.version}: overhead at p99 ${signed(d99)} ms, target <= ${TARGET_P99_MS} ms ${d99 <= TARGET_P99_MS ? "met" : "missed"}.`;
  }).join("\n");
}

function report(results: readonly RunResult[]): string {
  const first = results[0]!;
  return [
    mainTable(results),
    "",
    verdicts(results),
    "",
    "Breakdown, p50 / p99 in ms. Baseline: its worker's death (SIGKILL, after the ready message, to the adapter's `exit` listener call) and its spawn -> ready in two stages.",
    "Steward: SIGKILL to the adapter's `exit` listener call for the killed worker, to the driver's `spawn()` call for the replacement, to spawn() resolving, to the `ready` record.",
    "Paired: steward - baseline of the same round; the last column also subtracts that round's baseline death.",
    "",
    breakdownTable(results),
    "",
    `${first.workers} supervised workers, ${first.baseline.total.length} measured rounds after ${first.warmup} warm-up rounds per runtime; baseline and steward alternate within each round.`,
  ].join("\n");
}

// ------------------------------------------------------------------ --all

function childCommand(runtime: DetectedRuntime, options: Options): string[] {
  const script = runtime === "node" ? `${ROOT}/.build/bench/respawn.js` : `${ROOT}/bench/respawn.ts`;
  return command(runtime, script, "--json", "--rounds", String(options.rounds), "--warmup", String(options.warmup), "--workers", String(options.workers));
}

let currentChild: ChildProcess | null = null;

function runChild(argv: readonly string[]): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    currentChild = child;
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => (out += new TextDecoder().decode(chunk)));
    let killTimer: ReturnType<typeof setTimeout> | null = null;
    const limit = setTimeout(() => {
      console.error(`respawn bench: ${argv.join(" ")} ran longer than ${CHILD_LIMIT_MS} ms; stopping it`);
      stopChild(child);
    }, CHILD_LIMIT_MS);
    child.once("error", (error) => {
      clearTimeout(limit);
      currentChild = null;
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(limit);
      if (killTimer !== null) clearTimeout(killTimer);
      currentChild = null;
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(new Error(`${argv.join(" ")} exited with ${code ?? signal}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as RunResult);
      } catch {
        reject(new Error(`${argv.join(" ")} printed no result: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** SIGTERM (the child cleans up), then SIGKILL after a while (its keeper kills its workers). */
function stopChild(child: ChildProcess): void {
  try {
    child.kill("SIGTERM");
  } catch {
    // Gone.
  }
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone.
      }
    }
  }, EXIT_LIMIT_MS).unref?.();
}

async function runAll(options: Options): Promise<void> {
  const built = `${ROOT}/.build/bench/respawn.js`;
  const source = `${ROOT}/bench/respawn.ts`;
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${built} is missing or older than ${source}: run \`npm run --silent build:test\` first`);
  }
  const before = loadavg();
  const results: RunResult[] = [];
  for (const runtime of RUNTIMES) {
    if (aborted !== null) throw new Error(aborted);
    console.error(`respawn bench: ${runtime} ...`);
    results.push(await runChild(childCommand(runtime, options)));
  }
  const text = report(results);
  console.log(text);
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  const load = results.map((r) => `${r.runtime} ${r.loadavg.before.join("/")} -> ${r.loadavg.after.join("/")}`).join(", ");
  const md = [
    "# Respawn latency",
    "",
    "Written by `bench/respawn.ts --all` (see its header for the method). Regenerate with",
    "`npm run --silent build:test && node .build/bench/respawn.js --all`.",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${os.platform()} ${os.release()}, ${cpus.length} cores (${model}), ${memory} memory`,
    `- Runtimes: ${results.map((r) => r.version).join(", ")} (master and worker on the same runtime)`,
    `- Load average (1/5/15 min) at the start ${before.join("/")}; per runtime, before -> after: ${load}`,
    "",
    text,
    "",
  ].join("\n");
  const dir = `${ROOT}/bench/results`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/respawn.md.tmp`, md);
  renameSync(`${dir}/respawn.md.tmp`, `${dir}/respawn.md`);
  console.error(`respawn bench: wrote ${dir}/respawn.md`);
}

// ------------------------------------------------------------------- main

function parseOptions(args: readonly string[]): Options {
  const numbers: Record<string, number> = { rounds: 100, warmup: 5, workers: 4 };
  const limits: Record<string, [number, number]> = { rounds: [1, 10_000], warmup: [0, 1_000], workers: [1, 16] };
  let all = false;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--all") all = true;
    else if (arg === "--json") json = true;
    else {
      const match = /^--(rounds|warmup|workers)(?:=(.*))?$/.exec(arg);
      if (match === null) throw new Error(`unknown argument ${arg}; expected --rounds N, --warmup N, --workers N or --all`);
      const name = match[1]!;
      const value = Number(match[2] ?? args[++i]);
      const [min, max] = limits[name]!;
      if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name}: expected an integer from ${min} to ${max}`);
      numbers[name] = value;
    }
  }
  return { rounds: numbers.rounds!, warmup: numbers.warmup!, workers: numbers.workers!, all, json };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const onSignal = (signal: string): void => {
    aborted = `interrupted by ${signal}`;
    hub.notify();
    if (currentChild !== null) stopChild(currentChild);
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  if (options.all) {
    await runAll(options);
  } else {
    const result = await runHere(options);
    console.log(options.json ? JSON.stringify(result) : report([result]));
  }
  // Signal listeners (and Deno's) would otherwise keep the process alive.
  process.exit(0);
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? (aborted !== null ? error.message : error.stack ?? error.message) : String(error);
  console.error(`respawn bench failed: ${text}`);
  killLive();
  process.exit(1);
});
