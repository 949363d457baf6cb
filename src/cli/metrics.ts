/**
 * Prometheus metrics of a running supervisor, in the text exposition format
 * (version 0.0.4). Gauges are read from the supervisor's status when
 * scraped; counters are kept from the records the core emits, so they
 * count exactly what the supervisor did.
 *
 * Rules:
 * - Names follow Prometheus conventions: a `steward_` prefix, base units
 *   (`_seconds`), `_total` on counters, `snake_case` labels; every family
 *   has `# HELP` and `# TYPE`.
 * - A restart's reason is that of the unplanned exit before it: `hang` when
 *   the core killed the worker for missing heartbeats, `boot_timeout` when
 *   it never became ready in time, `crash` for every other exit (including
 *   a worker that could not be spawned). Every reason of every group is
 *   exported from 0, so `rate()` and `increase()` see the first restart.
 * - The supervisor phase is a state set: one series per phase, 1 for the
 *   current one.
 *
 * @module
 */

import { constants } from "node:os";
import type { SupervisorStatus } from "../core/status.ts";
import type { SupervisorPhase, SupervisorRecord } from "../core/types.ts";

/** Why a worker was restarted, as the `reason` label says it. */
export type RestartReason = "crash" | "hang" | "boot_timeout";

/** Every restart reason, in the order they are exported. */
export const RESTART_REASONS: readonly RestartReason[] = ["crash", "hang", "boot_timeout"];

const PHASES: readonly SupervisorPhase[] = ["idle", "running", "stopping", "stopped", "failed"];
const WORKER_PHASES = ["starting", "ready", "stopping"] as const;

/** The content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What the exposition says besides the counters. */
export interface MetricsSnapshot {
  readonly status: SupervisorStatus;
  /** Seconds since the master started. */
  readonly uptimeSeconds: number;
  readonly version: string;
  readonly runtime: string;
}

/**
 * Counts what the supervisor did, from its records, and renders the
 * exposition.
 *
 * @example
 * ```ts
 * import { MetricsRecorder } from "./metrics.ts";
 * const metrics = new MetricsRecorder();
 * // in onRecord: metrics.record(record)
 * const text = metrics.render({ status: sup.status(), uptimeSeconds: 12, version: "0.1.0", runtime: "node" });
 * ```
 */
export class MetricsRecorder {
  readonly #restarts = new Map<string, Map<RestartReason, number>>();
  /** Workers the core killed, by id, with the reason their restart will carry. */
  readonly #killed = new Map<number, RestartReason>();
  /** `group.slot` -> the reason of its last unplanned exit, read by the `restarting` record after it. */
  readonly #lastExitReason = new Map<string, RestartReason>();
  readonly #lastExitCode = new Map<string, number>();
  #reloads = 0;

  /**
   * Feeds one supervisor record.
   *
   * @param record As emitted by the core.
   */
  record(record: SupervisorRecord): void {
    switch (record.type) {
      case "started":
        for (const group of record.groups) this.#group(group.name);
        return;
      case "killing":
        if (record.reason === "hang") this.#killed.set(record.id, "hang");
        else if (record.reason === "bootTimeout") this.#killed.set(record.id, "boot_timeout");
        return;
      case "exited": {
        const reason = this.#killed.get(record.id) ?? "crash";
        this.#killed.delete(record.id);
        if (record.planned) return;
        this.#lastExitReason.set(`${record.group}.${record.slot}`, reason);
        this.#lastExitCode.set(record.group, exitCode(record.code, record.signal));
        return;
      }
      case "restarting": {
        const reason = this.#lastExitReason.get(`${record.group}.${record.slot}`) ?? "crash";
        const counts = this.#group(record.group);
        counts.set(reason, counts.get(reason)! + 1);
        return;
      }
      case "rolloutStarted":
        if (record.reason === "reload") this.#reloads += 1;
        return;
      case "scaled":
        this.#group(record.group);
        return;
    }
  }

  /**
   * The exposition, with gauges read from `snapshot`.
   *
   * @param snapshot The supervisor's status and the master's facts.
   * @returns Prometheus text format, ending in a newline.
   */
  render(snapshot: MetricsSnapshot): string {
    const { status } = snapshot;
    for (const group of status.groups) this.#group(group.name);
    const out: string[] = [];
    const family = (name: string, type: "gauge" | "counter", help: string, samples: readonly string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };
    family("steward_build_info", "gauge", "steward's version and the runtime running the master; always 1.", [
      sample("steward_build_info", { version: snapshot.version, runtime: snapshot.runtime }, 1),
    ]);
    family("steward_uptime_seconds", "gauge", "Seconds since the master started, on a monotonic clock.", [
      sample("steward_uptime_seconds", {}, Math.round(snapshot.uptimeSeconds * 1000) / 1000),
    ]);
    family("steward_supervisor_phase", "gauge", "The supervisor's phase: 1 for the current one, 0 for the others.", PHASES.map((phase) => sample("steward_supervisor_phase", { phase }, phase === status.phase ? 1 : 0)));
    family(
      "steward_workers",
      "gauge",
      "Live workers by group and phase (starting, ready, stopping), of any generation.",
      status.groups.flatMap((group) => WORKER_PHASES.map((phase) => sample("steward_workers", { group: group.name, phase }, group[phase]))),
    );
    family("steward_desired_workers", "gauge", "The desired count of workers of each group.", status.groups.map((group) => sample("steward_desired_workers", { group: group.name }, group.desired)));
    family("steward_generation", "gauge", "The generation new workers of each group get; a reload increments it.", status.groups.map((group) => sample("steward_generation", { group: group.name }, group.generation)));
    family(
      "steward_restarts_total",
      "counter",
      "Workers restarted after an unplanned exit, by group and reason (crash, hang: no heartbeat in time, boot_timeout: not ready in time).",
      [...this.#restarts].flatMap(([group, counts]) => RESTART_REASONS.map((reason) => sample("steward_restarts_total", { group, reason }, counts.get(reason)!))),
    );
    family("steward_reloads_total", "counter", "Rolling reloads started (SIGHUP, steward ctl reload or the library's reload()).", [sample("steward_reloads_total", {}, this.#reloads)]);
    family(
      "steward_last_exit_code",
      "gauge",
      "Exit code of the last unplanned worker exit of each group; 128 + the signal number when a signal ended it.",
      [...this.#lastExitCode].map(([group, code]) => sample("steward_last_exit_code", { group }, code)),
    );
    return `${out.join("\n")}\n`;
  }

  #group(name: string): Map<RestartReason, number> {
    let counts = this.#restarts.get(name);
    if (counts === undefined) {
      counts = new Map(RESTART_REASONS.map((reason) => [reason, 0]));
      this.#restarts.set(name, counts);
    }
    return counts;
  }
}

/** The shell's convention: a signal's death is 128 + its number. */
function exitCode(code: number | null, signal: string | null): number {
  if (signal !== null) return 128 + ((constants.signals as Record<string, number | undefined>)[signal] ?? 0);
  return code ?? 0;
}

function sample(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  const pairs = Object.entries(labels).map(([key, text]) => `${key}="${escapeLabel(text)}"`);
  return `${name}${pairs.length === 0 ? "" : `{${pairs.join(",")}}`} ${value}`;
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
