/**
 * What `steward run` shows the platform it runs under: the `--metrics`
 * endpoint (health, readiness, Prometheus) and systemd's notify socket.
 * Opened before the supervisor starts, attached once it exists, fed every
 * record, closed after it exited.
 *
 * Rules:
 * - `--metrics` is parsed and bound here, before any worker starts; a bad
 *   value is the one-line message `run` exits 2 with.
 * - `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` are read, then
 *   removed from the master's environment (as `sd_notify`'s
 *   `unset_environment` does), so workers do not inherit them and cannot
 *   tell systemd they are ready for the master. A malformed value is
 *   reported and notify is off: the environment is the platform's, not a
 *   usage error.
 *
 * @module
 */

import process from "node:process";
import type { Clock } from "../adapter.ts";
import type { SupervisorRecord } from "../core/types.ts";
import type { Supervisor } from "../supervisor.ts";
import type { Parsed } from "./args.ts";
import type { Logger } from "./log.ts";
import { MetricsRecorder } from "./metrics.ts";
import type { MetricsServer } from "./metrics_server.ts";
import { NOTIFY_VARIABLES, notifySettings, openNotifySender, type NotifySender, SystemdNotifier } from "./notify.ts";

/** Options of `openObservers`. */
export interface ObserverOptions {
  /** `--metrics`, or null when off. */
  readonly metrics: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid: number;
  readonly log: Logger;
  /** For `steward_build_info`. */
  readonly version: string;
  readonly runtime: string;
}

/** The open observers of one master. */
export interface Observers {
  /** Feeds one supervisor record (call it from `onRecord`). */
  record(record: SupervisorRecord): void;
  /** Starts reporting on the supervisor: readiness, reloads, the watchdog. */
  attach(supervisor: Supervisor, clock: Clock): void;
  /** Flushes notify messages and closes the endpoint and the socket. */
  close(): Promise<void>;
}

/**
 * Binds `--metrics` and opens the notify socket, before anything starts.
 *
 * @param options The flag, the environment and the logger.
 * @returns The observers, or the one-line message of a bad `--metrics`.
 * @example
 * ```ts
 * import { openObservers } from "./observers.ts";
 * const opened = await openObservers({ metrics: "9090", env: process.env, pid: process.pid, log, version: "0.1.0", runtime: "node" });
 * if (!opened.ok) throw new Error(opened.message);
 * ```
 */
export async function openObservers(options: ObserverOptions): Promise<Parsed<Observers>> {
  const startedAt = performance.now();
  const recorder = new MetricsRecorder();
  let supervisor: Supervisor | null = null;
  let server: MetricsServer | null = null;
  if (options.metrics !== null) {
    // Loaded only when asked for: node:http is about 1 MiB of the master's memory.
    const { parseListenAddress, startMetricsServer } = await import("./metrics_server.ts");
    const address = parseListenAddress(options.metrics);
    if (!address.ok) return address;
    const started = await startMetricsServer({
      address: address.value,
      status: () => supervisor?.status() ?? null,
      metrics: () => {
        const status = supervisor?.status() ?? { phase: "idle", generation: 0, groups: [], workers: [] };
        return recorder.render({ status, uptimeSeconds: (performance.now() - startedAt) / 1000, version: options.version, runtime: options.runtime });
      },
    });
    if (!started.ok) return started;
    server = started.value;
    options.log.info("metrics", `metrics on ${server.url}/metrics (and /healthz, /readyz)`, { url: server.url });
  }

  const settings = notifySettings(options.env, options.pid);
  for (const name of NOTIFY_VARIABLES) delete process.env[name];
  let sender: NotifySender | null = null;
  let watchdogMs: number | null = null;
  if (!settings.ok) options.log.error("notify", `systemd notify off: ${settings.message}`);
  else if (settings.value !== null) {
    const opened = await openNotifySender(settings.value.socket, options.pid);
    sender = opened.sender;
    watchdogMs = settings.value.watchdogMs;
    const how = opened.fallback === null ? opened.sender.via : `${opened.sender.via} (${opened.fallback})`;
    options.log.info("notify", `systemd notify on ${settings.value.socket} via ${how}${watchdogMs === null ? "" : `, watchdog every ${watchdogMs} ms`}`, {
      socket: settings.value.socket,
      via: opened.sender.via,
      watchdogMs,
    });
  }

  let notifier: SystemdNotifier | null = null;
  return {
    ok: true,
    value: {
      record: (record) => {
        recorder.record(record);
        notifier?.record(record);
      },
      attach: (sup, clock) => {
        supervisor = sup;
        if (sender === null) return;
        const active = new SystemdNotifier({
          sender,
          clock,
          watchdogMs,
          status: () => sup.status(),
          onError: (message) => options.log.error("notify", message),
        });
        notifier = active;
        sup.ready.then(() => active.ready(), () => undefined);
      },
      close: async () => {
        await notifier?.close();
        if (notifier === null) sender?.close();
        await server?.close();
      },
    },
  };
}
