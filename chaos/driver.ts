/**
 * The driver contract: what the chaos harness (and the peer benchmarks)
 * need from a launcher. A driver starts the launcher with a workload, says
 * which pids are alive, asks for reloads and scales, stops it, and reports
 * the lifecycle of every worker it saw, as one list of events on a shared
 * clock: milliseconds since the `epoch` the caller passed to `start`.
 *
 * Drivers live in `chaos/drivers/<name>.ts`: `steward`, `cluster`, `pm2`.
 *
 * @module
 */

import process from "node:process";
import type { BackoffConfig, Config, SupervisorRecord } from "../src/core/types.ts";

/** How to launch: the same options for every launcher. */
export interface LaunchOptions {
  /** Desired number of workers. */
  readonly workers: number;
  /** argv of one worker: runtime, script, arguments. */
  readonly worker: readonly string[];
  /** One HTTP port every worker answers on (127.0.0.1), for HTTP workloads. @default none */
  readonly port?: number;
  /** Extra environment of the workers. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Liveness: a worker silent this long is replaced, where the launcher can tell; 0 is off. @default 0 */
  readonly heartbeatTimeoutMs?: number;
  /** Restart intensity: more crash restarts than this within `periodMs` and the launcher should give up. @default 100 */
  readonly maxRestarts?: number;
  /** The intensity window. @default 60_000 */
  readonly periodMs?: number;
  /** Backoff between consecutive crash restarts of a slot, where the launcher has one. @default steward's default */
  readonly backoff?: BackoffConfig;
  /** A worker ready this long resets its slot's backoff. @default 5_000 */
  readonly minUptimeMs?: number;
  /** Graceful stop deadline before SIGKILL. @default 5_000 */
  readonly killTimeoutMs?: number;
  /** A private directory for the launcher's files (socket, logs, PM2_HOME). */
  readonly dir: string;
  /** `Date.now()` that lifecycle times count from. */
  readonly epoch: number;
}

/** One worker lifecycle fact, `at` in ms since the epoch. */
export type Lifecycle =
  | {
    readonly kind: "spawned";
    readonly at: number;
    readonly slot: number;
    readonly pid: number;
    /** Whether the launcher says this spawn restarts a crashed worker (steward: a `restarting` record came first); unset when it does not say. */
    readonly restart?: boolean;
  }
  | { readonly kind: "ready"; readonly at: number; readonly slot: number; readonly pid: number }
  | {
    readonly kind: "exited";
    readonly at: number;
    readonly slot: number;
    readonly pid: number;
    readonly code: number | null;
    readonly signal: string | null;
    /** Whether the launcher meant it (reload, scale, stop); null when the launcher does not say. */
    readonly planned: boolean | null;
  };

/** A live worker as the launcher reports it. */
export interface WorkerPid {
  readonly slot: number;
  readonly pid: number;
  readonly ready: boolean;
}

/** What `pids()` returns. */
export interface Pids {
  /** The launcher's master (or daemon) process, null once it is gone. */
  readonly master: number | null;
  readonly workers: readonly WorkerPid[];
}

/** A launcher under test. */
export interface Driver {
  /** Short name for reports: `steward`, `cluster`, `pm2`. */
  readonly name: string;
  /** How late a lifecycle time may be (a polling driver's interval); checkers allow it. @default 0 */
  readonly timingSlackMs?: number;
  /** Starts the launcher; resolves once its master runs (not necessarily once workers are ready). */
  start(options: LaunchOptions): Promise<void>;
  /** The master's pid and the live workers. */
  pids(): Promise<Pids>;
  /** Asks for a rolling reload; resolves once the request was delivered (not when it finished). */
  reload(): Promise<void>;
  /** Asks for `count` workers; resolves once the request was delivered. */
  scale(count: number): Promise<void>;
  /** Graceful stop; resolves once the master has exited. */
  stop(): Promise<void>;
  /** SIGKILL of the master; workers are left to the launcher's orphan handling. */
  killMaster(): Promise<void>;
  /** Every lifecycle event seen so far, in order. */
  lifecycle(): readonly Lifecycle[];
  /** Releases whatever is left (daemons, files); safe to call twice and after a failure. */
  close(): Promise<void>;
  /** steward only: the records of its JSON log, the config they come from and the one its reloads carry, for the replay checker. */
  records?(): { readonly config: Config; readonly records: readonly SupervisorRecord[]; readonly reloadConfig?: Config };
}

/**
 * Tells, from steward's records, which spawns restart a crashed worker: a
 * `restarting` record for a slot makes that slot's next `spawning` a restart.
 *
 * @example
 * ```ts
 * import { RestartTracker } from "./driver.ts";
 * const tracker = new RestartTracker();
 * for (const record of records) tracker.see(record);
 * console.log(tracker.isRestart(7));
 * ```
 */
export class RestartTracker {
  readonly #pending = new Set<string>();
  readonly #restarts = new Set<number>();

  /** Feeds one record, in order. */
  see(record: SupervisorRecord): void {
    if (record.type === "restarting") this.#pending.add(`${record.group}.${record.slot}`);
    else if (record.type === "spawning" && this.#pending.delete(`${record.group}.${record.slot}`)) this.#restarts.add(record.id);
  }

  /** Whether worker `id`'s spawn was a crash restart. */
  isRestart(id: number): boolean {
    return this.#restarts.has(id);
  }
}

/**
 * Closes `driver` when the process is interrupted (SIGINT, SIGTERM), then
 * exits 130, so an interrupted run leaves no launcher, daemon or hung
 * worker behind. For the command-line entry points.
 *
 * @param current Returns the driver of the run under way, if any.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { closeOnInterrupt } from "./driver.ts";
 * let driver = null;
 * closeOnInterrupt(() => driver);
 * ```
 */
export function closeOnInterrupt(current: () => Driver | null): void {
  const interrupted = (signal: string) => (): void => {
    console.error(`chaos: interrupted by ${signal}; closing the launcher`);
    void (current()?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted("SIGINT"));
  process.once("SIGTERM", interrupted("SIGTERM"));
}
