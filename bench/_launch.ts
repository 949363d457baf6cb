/**
 * Launching for the peer benchmarks: the launchers (steward on each
 * runtime, PM2, node cluster, throng, the bare parent), one bounded launch
 * that is always stopped and closed, waits on a driver's lifecycle, and the
 * autocannon load as a child process. Every process started here is
 * remembered, so `cleanUp()` can kill what is left even after a failure.
 *
 * @module
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import type { Driver, LaunchOptions, Lifecycle } from "../chaos/driver.ts";
import { clusterDriver, liveWorkers } from "../chaos/drivers/cluster.ts";
import { pm2Driver } from "../chaos/drivers/pm2.ts";
import { stewardDriver } from "../chaos/drivers/steward.ts";
import { throngDriver } from "../chaos/drivers/throng.ts";
import { built, killQuietly, pause, processTable, ROOT, type Runtime, runScript, stillAlive } from "../chaos/_proc.ts";
import { bareDriver } from "./_bare.ts";
import { cpuSeconds } from "./_sys.ts";

/** A launcher the benchmarks compare. */
export interface Launcher {
  /** Name in the tables: `steward node`, `pm2`, `bare deno`, ... */
  readonly name: string;
  /** Runtime of its master and workers. */
  readonly runtime: Runtime;
  /** A fresh driver. */
  readonly driver: () => Driver;
  /** Launch options this launcher needs on top of the benchmark's (PM2: no restart delay). */
  readonly extra?: Partial<LaunchOptions>;
}

/** No restart delay, PM2's default (the PM2 driver otherwise asks for a 100 ms exponential one). */
const PM2_NO_DELAY: Partial<LaunchOptions> = { backoff: { initialMs: 0, maxMs: 0, factor: 1, jitter: 0 } };

/** Options of a steward launcher. */
export interface StewardLauncherOptions {
  /** The group's `--max-surge`; named in the launcher's name when set. @default steward's default (1) */
  readonly maxSurge?: number;
}

/**
 * steward's CLI as npm publishes it (the bundle `npm run bench` builds into
 * `.build/package`), master on `runtime`, workers on the same runtime.
 *
 * @example
 * ```ts
 * import { steward } from "./_launch.ts";
 * console.log(steward("bun").name); // "steward bun"
 * console.log(steward("node", { maxSurge: 4 }).name); // "steward node --max-surge 4"
 * ```
 */
export function steward(runtime: Runtime, options: StewardLauncherOptions = {}): Launcher {
  const { maxSurge } = options;
  return {
    name: `steward ${runtime}${maxSurge === undefined ? "" : ` --max-surge ${maxSurge}`}`,
    runtime,
    driver: () => stewardDriver({ runtime, cli: "package", ...(maxSurge === undefined ? {} : { maxSurge }) }),
  };
}

/**
 * The bare parent on `runtime`, respawning on exit when `respawn`.
 *
 * @example
 * ```ts
 * import { bare } from "./_launch.ts";
 * console.log(bare("node", true).name); // "bare node"
 * ```
 */
export function bare(runtime: Runtime, respawn = false): Launcher {
  return { name: `bare ${runtime}`, runtime, driver: () => bareDriver({ runtime, respawn }) };
}

/** PM2 (cluster mode with a port, fork mode without), node cluster and throng, all on Node. */
export const PEERS: readonly Launcher[] = [
  { name: "pm2", runtime: "node", driver: () => pm2Driver(), extra: PM2_NO_DELAY },
  { name: "node cluster", runtime: "node", driver: () => clusterDriver() },
  { name: "throng", runtime: "node", driver: () => throngDriver() },
];

/**
 * argv of a repo script (`examples/http_server.ts`) built, on `runtime`.
 *
 * @example
 * ```ts
 * import { workerArgv } from "./_launch.ts";
 * console.log(workerArgv("deno", "examples/http_server.ts"));
 * ```
 */
export function workerArgv(runtime: Runtime, script: string): string[] {
  return runScript(runtime, built(script));
}

const pids = new Set<number>();
const pm2Homes = new Set<string>();
/** Every PM2 home used: a PM2 client can start a fresh daemon after the kill, found later by its command line. */
const pm2HomesUsed = new Set<string>();
const open = new Set<Driver>();

/** What one launch is asked for. */
export interface Launch {
  readonly workers: number;
  /** Repo-relative worker script, run on the launcher's runtime. */
  readonly script: string;
  readonly port?: number;
  readonly minUptimeMs?: number;
  readonly killTimeoutMs?: number;
  readonly maxRestarts?: number;
}

/**
 * Starts `launcher`, runs `body`, then always stops it (bounded), closes
 * it and removes its directory; a PM2 daemon also gets `pm2 kill`.
 *
 * @example
 * ```ts
 * import { steward, withLaunch } from "./_launch.ts";
 * await withLaunch(steward("node"), { workers: 1, script: "bench/workloads/idle.ts" }, async (driver) => console.log(await driver.pids()));
 * ```
 */
export async function withLaunch<T>(launcher: Launcher, launch: Launch, body: (driver: Driver, epoch: number, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(`${os.tmpdir()}/steward-bench-`);
  const driver = launcher.driver();
  open.add(driver);
  if (launcher.name === "pm2") {
    pm2Homes.add(`${dir}/pm2`);
    pm2HomesUsed.add(`${dir}/pm2`);
  }
  const epoch = Date.now();
  try {
    await driver.start({
      workers: launch.workers,
      worker: workerArgv(launcher.runtime, launch.script),
      // PORT too: the cluster driver's workers listen where PORT says (steward's take the master's socket first).
      ...(launch.port === undefined ? {} : { port: launch.port, env: { PORT: String(launch.port) } }),
      minUptimeMs: launch.minUptimeMs ?? 5_000,
      killTimeoutMs: launch.killTimeoutMs ?? 5_000,
      ...(launch.maxRestarts === undefined ? {} : { maxRestarts: launch.maxRestarts }),
      dir,
      epoch,
      ...launcher.extra,
    });
    const master = (await driver.pids()).master;
    if (master !== null) pids.add(master);
    return await body(driver, epoch, dir);
  } finally {
    await Promise.race([driver.stop().catch(() => undefined), pause(40_000)]);
    remember(driver.lifecycle());
    await driver.close().catch(() => undefined);
    open.delete(driver);
    if (launcher.name === "pm2") await pm2Kill(`${dir}/pm2`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function remember(lifecycle: readonly Lifecycle[]): void {
  for (const event of lifecycle) if (event.kind === "spawned") pids.add(event.pid);
}

/** `pm2 kill` of a private PM2 home, only while its daemon runs (the CLI would start one otherwise), then SIGKILL to make sure. */
async function pm2Kill(home: string): Promise<void> {
  const daemon = (): number | null => {
    try {
      const pid = Number(readFileSync(`${home}/pm2.pid`, "utf8").trim());
      return pid > 0 && cpuSeconds(pid) !== null ? pid : null;
    } catch {
      return null;
    }
  };
  const pid = daemon();
  if (pid !== null) {
    pids.add(pid);
    await new Promise<void>((resolve) => {
      execFile("node", [`${ROOT}/node_modules/pm2/bin/pm2`, "kill"], { env: { ...process.env, PM2_HOME: home }, timeout: 20_000 }, () => resolve());
    });
    killQuietly(pid);
  }
  pm2Homes.delete(home);
}

/**
 * `pm2 reload <app>` with the CLI, as users run it, on the private home of
 * a launch's `dir`; resolves when the CLI has exited (bounded).
 *
 * @example
 * ```ts
 * import { pm2Reload } from "./_launch.ts";
 * await pm2Reload(dir);
 * ```
 */
export function pm2Reload(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("node", [`${ROOT}/node_modules/pm2/bin/pm2`, "reload", "chaos"], { env: { ...process.env, PM2_HOME: `${dir}/pm2` }, timeout: 120_000 }, (error, _out, err) => {
      if (error) reject(new Error(`pm2 reload: ${String(err).trim().slice(-200) || error.message}`));
      else resolve();
    });
  });
}

/**
 * Remembers a pid started outside a driver, for `cleanUp()`.
 *
 * @example
 * ```ts
 * import { track } from "./_launch.ts";
 * track(1234);
 * ```
 */
export function track(pid: number | undefined): void {
  if (pid !== undefined) pids.add(pid);
}

/**
 * Closes every open driver, `pm2 kill`s every PM2 home still used, SIGKILLs
 * every remembered pid and process group still alive; resolves to what was
 * left alive before that.
 *
 * @example
 * ```ts
 * import { cleanUp } from "./_launch.ts";
 * const leftovers = await cleanUp();
 * ```
 */
export async function cleanUp(): Promise<string[]> {
  for (const driver of open) {
    remember(driver.lifecycle());
    await Promise.race([driver.close().catch(() => undefined), pause(10_000)]);
  }
  open.clear();
  for (const home of [...pm2Homes]) await pm2Kill(home);
  const table = processTable();
  for (const row of table) {
    try {
      const cmdline = readFileSync(`/proc/${row.pid}/cmdline`, "utf8");
      if ([...pm2HomesUsed].some((home) => cmdline.includes(home))) pids.add(row.pid);
    } catch {
      // exited meanwhile
    }
  }
  const left = stillAlive(pids, table);
  for (const row of left) killQuietly(row.pid);
  for (const pid of pids) killQuietly(-pid);
  return left.map((row) => `pid ${row.pid} (state ${row.state}, group ${row.pgid})`);
}

/**
 * Resolves once `driver` reports `count` ready workers, none of them in
 * `not`, and every pid of `gone` has exited; rejects after `ms`.
 *
 * @example
 * ```ts
 * import { awaitWorkers } from "./_launch.ts";
 * await awaitWorkers(driver, { count: 4, ms: 30_000 });
 * ```
 */
export async function awaitWorkers(driver: Driver, wanted: { count: number; ms: number; not?: ReadonlySet<number>; gone?: ReadonlySet<number> }): Promise<void> {
  const deadline = performance.now() + wanted.ms;
  for (;;) {
    // A polling driver (PM2) is polled here too: its background poll alone was seen to stall under load.
    if ((driver.timingSlackMs ?? 0) > 0) await driver.pids();
    const lifecycle = driver.lifecycle();
    const ready = liveWorkers(lifecycle).filter((w) => w.ready && !(wanted.not?.has(w.pid) ?? false));
    const exited = new Set(lifecycle.filter((e) => e.kind === "exited").map((e) => e.pid));
    const goneOk = [...(wanted.gone ?? [])].every((pid) => exited.has(pid));
    if (ready.length >= wanted.count && goneOk) return;
    if (performance.now() > deadline) {
      const live = liveWorkers(lifecycle).map((w) => `${w.pid}${w.ready ? "" : " (not ready)"}`).join(", ");
      throw new Error(`${driver.name}: ${ready.length}/${wanted.count} new workers ready${goneOk ? "" : ", old workers still running"} after ${wanted.ms} ms; live: ${live}`);
    }
    await pause(5);
  }
}

/** What one autocannon run measured. */
export interface Load {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly p99: number;
}

/** A running autocannon child. */
export interface Cannon {
  /** Stops it early; resolves to what it measured. */
  stop(): Promise<Load>;
  /** Resolves when it ends by itself. */
  readonly done: Promise<Load>;
}

/**
 * Starts autocannon (keep-alive, `connections` connections) against
 * 127.0.0.1:`port` for at most `seconds`.
 *
 * @example
 * ```ts
 * import { cannon } from "./_launch.ts";
 * const load = await cannon(8080, 16, 5).done;
 * ```
 */
export function cannon(port: number, connections: number, seconds: number): Cannon {
  const child: ChildProcess = spawn("node", [built("bench/_cannon.ts"), `http://127.0.0.1:${port}/`, String(connections), String(seconds)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child.pid);
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const limit = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
  const done = new Promise<Load>((resolve, reject) => {
    child.once("exit", (code) => {
      clearTimeout(limit);
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()!) as Load);
      } catch {
        reject(new Error(`autocannon exited ${code} without a result: ${err.trim().slice(-300)}`));
      }
    });
  });
  done.catch(() => undefined); // awaited later; a failure meanwhile must not be an unhandled rejection
  return {
    done,
    stop: () => {
      child.kill("SIGTERM");
      return done;
    },
  };
}
