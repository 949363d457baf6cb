/**
 * The steward driver: the real CLI, as a user runs it.
 *
 * - start: `steward run --config <file> --socket <path> --log-format json
 *   -- <worker...>` (the checkout's CLI, or the npm bundle: `StewardCli`);
 *   the config file holds the policy (ipc readiness, heartbeat, intensity);
 * - pids: the control socket's `status` (what `steward ctl status --json` prints);
 * - reload and scale: the control socket's `reload` and `scale`;
 * - stop: SIGTERM; killMaster: SIGKILL;
 * - lifecycle and records: the master's JSON log, one record per line.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { parseRunArgs } from "../../src/cli/args.ts";
import { buildConfig } from "../../src/cli/config_file.ts";
import { sendRequest } from "../../src/cli/ctl.ts";
import type { Config, SupervisorRecord } from "../../src/core/types.ts";
import { type Driver, type LaunchOptions, type Lifecycle, type Pids, RestartTracker } from "../driver.ts";
import { killQuietly, type Runtime, type StewardCli, stewardCli } from "../_proc.ts";
import { jsonLine, MasterProcess } from "./_child.ts";

/** Options of the steward driver. */
export interface StewardDriverOptions {
  /** Runtime of the master. @default "node" */
  readonly runtime?: Runtime;
  /** Which CLI the master runs. @default "checkout" */
  readonly cli?: StewardCli;
  /** The group's `maxSurge`: extra workers a rolling reload may run at once. @default steward's default (1) */
  readonly maxSurge?: number;
}

/** The group name the driver uses. */
const GROUP = "app";

/**
 * Creates a steward driver.
 *
 * @param options The master's runtime, its CLI, the reload surge.
 * @returns A driver.
 *
 * @example Two queue consumers on Bun
 * ```ts
 * import { stewardDriver } from "./steward.ts";
 * const driver = stewardDriver({ runtime: "bun" });
 * await driver.start({ workers: 2, worker: ["bun", "chaos/workloads/queue.ts"], dir: "/tmp/x", epoch: Date.now() });
 * await driver.stop();
 * ```
 */
export function stewardDriver(options: StewardDriverOptions = {}): Driver {
  const runtime = options.runtime ?? "node";
  let master: MasterProcess | null = null;
  let socket = "";
  let epoch = 0;
  let config: Config | null = null;
  let listening = false;
  const records: SupervisorRecord[] = [];
  const lifecycle: Lifecycle[] = [];
  const restarts = new RestartTracker();
  const pending: Promise<unknown>[] = [];

  const onLine = (line: string): void => {
    const entry = jsonLine(line);
    if (entry === null) return;
    if (entry.type === "listening") listening = true;
    if (typeof entry.at !== "number" || entry.type === "output") return;
    const { time, ...record } = entry as Record<string, unknown> & { time: string };
    const rec = record as unknown as SupervisorRecord;
    records.push(rec);
    const at = Date.parse(time) - epoch;
    restarts.see(rec);
    if (rec.type === "spawned") lifecycle.push({ kind: "spawned", at, slot: rec.slot, pid: rec.pid, restart: restarts.isRestart(rec.id) });
    else if (rec.type === "ready" && rec.pid !== null) lifecycle.push({ kind: "ready", at, slot: rec.slot, pid: rec.pid });
    else if (rec.type === "exited" && rec.pid !== null) {
      lifecycle.push({ kind: "exited", at, slot: rec.slot, pid: rec.pid, code: rec.code, signal: rec.signal, planned: rec.planned });
    }
  };

  const request = (body: Record<string, unknown>): void => {
    // Delivered now; the reply (once rolled out) is not waited for, so storms overlap.
    pending.push(sendRequest(socket, body, 120_000).catch(() => undefined));
  };

  return {
    name: "steward",
    async start(launch: LaunchOptions): Promise<void> {
      epoch = launch.epoch;
      socket = `${launch.dir}/steward.sock`;
      const file = `${launch.dir}/steward.config.json`;
      const json = {
        groups: [{
          name: GROUP,
          command: launch.worker,
          count: launch.workers,
          ready: "ipc",
          readyTimeoutMs: 15_000,
          killTimeoutMs: launch.killTimeoutMs ?? 5_000,
          heartbeatTimeoutMs: launch.heartbeatTimeoutMs ?? 0,
          ...(launch.backoff === undefined ? {} : { backoff: launch.backoff }),
          ...(launch.minUptimeMs === undefined ? {} : { minUptimeMs: launch.minUptimeMs }),
          env: launch.env ?? {},
          ...(options.maxSurge === undefined ? {} : { maxSurge: options.maxSurge }),
        }],
        maxRestarts: launch.maxRestarts ?? 100,
        periodMs: launch.periodMs ?? 60_000,
      };
      writeFileSync(file, JSON.stringify(json, null, 2));
      const argv = ["run", "--config", file, "--socket", socket, "--log-format", "json"];
      if (launch.port !== undefined) argv.push("--port", String(launch.port), "--host", "127.0.0.1");
      const parsed = parseRunArgs(argv);
      if (!parsed.ok) throw new Error(`steward driver: ${parsed.message}`);
      const built = buildConfig(parsed.value, { path: file, json }, launch.workers);
      if (!built.ok) throw new Error(`steward driver: ${built.message}`);
      config = built.value;
      master = new MasterProcess([...stewardCli(runtime, options.cli), ...argv], {}, onLine);
      await master.until("the control socket", () => listening, 30_000);
    },
    async pids(): Promise<Pids> {
      if (master === null || master.exit !== null) return { master: null, workers: [] };
      const reply = await sendRequest(socket, { cmd: "status" }, 10_000);
      if (!reply.ok) throw new Error(`steward driver: status failed: ${reply.error}`);
      const status = reply.status as { workers: { slot: number; pid: number | null; phase: string }[] };
      return {
        master: reply.pid as number,
        workers: status.workers.filter((w) => w.pid !== null && w.phase !== "stopping")
          .map((w) => ({ slot: w.slot, pid: w.pid!, ready: w.phase === "ready" })),
      };
    },
    reload(): Promise<void> {
      request({ cmd: "reload" });
      return Promise.resolve();
    },
    scale(count: number): Promise<void> {
      request({ cmd: "scale", group: GROUP, count });
      return Promise.resolve();
    },
    async stop(): Promise<void> {
      if (master === null) return;
      master.signal("SIGTERM");
      await master.waitExit(30_000);
      await Promise.all(pending);
    },
    async killMaster(): Promise<void> {
      if (master === null) return;
      master.signal("SIGKILL");
      await master.exited;
      await Promise.all(pending);
    },
    lifecycle: () => lifecycle,
    // The CLI re-reads its config file on every reload: reloads carry that config.
    records: () => ({ config: config!, records, reloadConfig: config! }),
    async close(): Promise<void> {
      if (master === null) return;
      master.signal("SIGKILL");
      await master.exited;
      for (const event of lifecycle) if (event.kind === "spawned") killQuietly(event.pid);
    },
  };
}
