/**
 * The PM2 driver: PM2's programmatic API against a private daemon
 * (`PM2_HOME` under the run's directory), always killed in `close()`.
 * Workers run on Node: fork mode for plain workloads, cluster mode (PM2's
 * shared port) when a port is given. PM2 reports no lifecycle stream that
 * carries pids, so the driver polls `list` every 100 ms: times are as
 * late as one poll, exit codes unknown (null).
 *
 * The policy maps to PM2's options: `exp_backoff_restart_delay` (initial
 * backoff), `min_uptime`, `kill_timeout`; PM2 has no intensity window
 * (its `max_restarts` counts unstable restarts only) and no heartbeat.
 *
 * @module
 */

import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Driver, LaunchOptions, Lifecycle, Pids, WorkerPid } from "../driver.ts";
import { isAlive, killQuietly, pause, processesNaming } from "../_proc.ts";

interface Pm2Process {
  readonly pm_id: number;
  readonly pid: number;
  readonly pm2_env?: { readonly status?: string };
}

interface Pm2Api {
  connect(callback: (error: Error | null) => void): void;
  start(options: Record<string, unknown>, callback: (error: Error | null) => void): void;
  list(callback: (error: Error | null, list: Pm2Process[]) => void): void;
  reload(name: string, callback: (error: Error | null) => void): void;
  scale(name: string, count: number, callback: (error: Error | null) => void): void;
  delete(name: string, callback: (error: Error | null) => void): void;
  killDaemon(callback: (error: Error | null) => void): void;
  disconnect(): void;
}

const APP = "chaos";
/** How often `list` is polled: lifecycle times are up to this late. */
const POLL_MS = 100;

/**
 * Creates a PM2 driver.
 *
 * @returns A driver.
 *
 * @example
 * ```ts
 * import { pm2Driver } from "./pm2.ts";
 * const driver = pm2Driver();
 * await driver.start({ workers: 2, worker: ["node", "server.js"], dir: "/tmp/x", epoch: Date.now() });
 * await driver.stop();
 * await driver.close();
 * ```
 */
export function pm2Driver(): Driver {
  let pm2: Pm2Api | null = null;
  let home = "";
  let epoch = 0;
  let polling = false;
  let poller: Promise<void> = Promise.resolve();
  const lifecycle: Lifecycle[] = [];
  const live = new Map<number, WorkerPid>();
  // Every call to the daemon is bounded: a daemon that stops answering fails the run instead of hanging it.
  const call = <T>(run: (callback: (error: Error | null, value?: T) => void) => void, ms = 30_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pm2 driver: the daemon did not answer within ${ms} ms`)), ms);
      run((error, value) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value as T);
      });
    });

  const poll = async (): Promise<void> => {
    const list = await call<Pm2Process[]>((cb) => pm2!.list(cb)).catch(() => null);
    if (list === null) return;
    const at = Date.now() - epoch;
    const now = new Map<number, Pm2Process>();
    for (const proc of list) if (proc.pid > 0) now.set(proc.pid, proc);
    for (const [pid, worker] of live) {
      if (now.has(pid)) continue;
      live.delete(pid);
      lifecycle.push({ kind: "exited", at, slot: worker.slot, pid, code: null, signal: null, planned: null });
    }
    for (const [pid, proc] of now) {
      const online = proc.pm2_env?.status === "online";
      const known = live.get(pid);
      if (known === undefined) {
        lifecycle.push({ kind: "spawned", at, slot: proc.pm_id, pid });
        live.set(pid, { slot: proc.pm_id, pid, ready: false });
      }
      if (online && live.get(pid)!.ready === false) {
        lifecycle.push({ kind: "ready", at, slot: proc.pm_id, pid });
        live.set(pid, { slot: proc.pm_id, pid, ready: true });
      }
    }
  };
  const daemonPid = (): number | null => {
    try {
      return Number(readFileSync(`${home}/pm2.pid`, "utf8").trim()) || null;
    } catch {
      return null;
    }
  };

  return {
    name: "pm2",
    timingSlackMs: POLL_MS,
    async start(launch: LaunchOptions): Promise<void> {
      epoch = launch.epoch;
      home = `${launch.dir}/pm2`;
      mkdirSync(home, { recursive: true });
      const require = createRequire(import.meta.url);
      const PM2 = require("pm2") as { custom: new (options: Record<string, unknown>) => Pm2Api };
      pm2 = new PM2.custom({ pm2_home: home, daemon_mode: true });
      await call((cb) => pm2!.connect(cb));
      await call((cb) => pm2!.start({
        name: APP,
        script: launch.worker[1],
        args: launch.worker.slice(2),
        interpreter: "node",
        instances: launch.workers,
        exec_mode: launch.port === undefined ? "fork" : "cluster",
        env: { ...launch.env, ...(launch.port === undefined ? {} : { PORT: String(launch.port) }) },
        autorestart: true,
        kill_timeout: launch.killTimeoutMs ?? 5_000,
        exp_backoff_restart_delay: launch.backoff?.initialMs ?? 100,
        min_uptime: launch.minUptimeMs ?? 5_000,
        max_restarts: launch.maxRestarts ?? 100,
        merge_logs: true,
      }, cb));
      polling = true;
      poller = (async () => {
        while (polling) {
          await poll();
          await pause(POLL_MS);
        }
      })();
    },
    async pids(): Promise<Pids> {
      await poll();
      return { master: daemonPid(), workers: [...live.values()] };
    },
    reload(): Promise<void> {
      pm2?.reload(APP, () => undefined);
      return Promise.resolve();
    },
    scale(count: number): Promise<void> {
      pm2?.scale(APP, count, () => undefined);
      return Promise.resolve();
    },
    async stop(): Promise<void> {
      if (pm2 === null) return;
      await call((cb) => pm2!.delete(APP, cb)).catch(() => undefined);
      await poll();
      polling = false;
      await poller;
      // `pm2 kill`: the graceful end of a PM2 setup.
      await call((cb) => pm2!.killDaemon(cb)).catch(() => undefined);
    },
    async killMaster(): Promise<void> {
      polling = false;
      await poller;
      const pid = daemonPid();
      if (pid !== null) killQuietly(pid);
    },
    lifecycle: () => lifecycle,
    async close(): Promise<void> {
      polling = false;
      await poller;
      if (pm2 === null) return;
      const pid = daemonPid();
      // `pm2 kill` of the private daemon, only while it lives: asked after its death, the
      // client would launch a fresh one.
      if (pid !== null && isAlive(pid)) await call((cb) => pm2!.killDaemon(cb), 10_000).catch(() => undefined);
      pm2.disconnect();
      pm2 = null;
      if (pid !== null) killQuietly(pid);
      for (const event of lifecycle) if (event.kind === "spawned") killQuietly(event.pid);
      // Whatever still names the private home (a daemon relaunched behind our back) goes too.
      for (const other of processesNaming(home)) killQuietly(other);
    },
  };
}
