/**
 * Liveness and readiness of a supervisor, as HTTP probes see them
 * (Kubernetes `livenessProbe` / `readinessProbe`, load balancers).
 *
 * Rules:
 * - Live (200) while the supervisor loop runs: phase `running`, or
 *   `stopping` while it drains. `failed` (it gave up), `stopped` and `idle`
 *   are 503, so a platform restarts a master that gave up.
 * - Ready (200) when the phase is `running` and every group has at least
 *   its desired count of ready workers, of any generation: during a rolling
 *   reload the old generation's ready workers count, so a reload never
 *   takes the pod out of its Service. Otherwise 503, and the body names
 *   every group that is short.
 *
 * @module
 */

import type { SupervisorStatus } from "../core/status.ts";

/** A probe's answer: the HTTP status and a JSON body. */
export interface ProbeResult {
  readonly status: 200 | 503;
  readonly body: Readonly<Record<string, unknown>>;
}

/** One group with fewer ready workers than desired. */
export interface ShortGroup {
  readonly group: string;
  readonly ready: number;
  readonly desired: number;
}

/**
 * The liveness probe.
 *
 * @param status The supervisor's status.
 * @returns 200 while the loop runs and has not failed, else 503.
 * @example
 * ```ts
 * import { liveness } from "./health.ts";
 * console.log(liveness({ phase: "failed", generation: 1, groups: [], workers: [] }).status); // 503
 * ```
 */
export function liveness(status: SupervisorStatus): ProbeResult {
  const live = status.phase === "running" || status.phase === "stopping";
  return { status: live ? 200 : 503, body: { live, phase: status.phase } };
}

/**
 * The readiness probe.
 *
 * @param status The supervisor's status.
 * @returns 200 when every group has its desired count of ready workers, else 503 naming the short groups.
 * @example
 * ```ts
 * import { readiness } from "./health.ts";
 * const status = { phase: "running", generation: 1, workers: [], groups: [{ name: "web", desired: 2, ready: 1, starting: 1, stopping: 0, generation: 1 }] } as const;
 * console.log(readiness(status).body); // { ready: false, phase: "running", short: [{ group: "web", ready: 1, desired: 2 }] }
 * ```
 */
export function readiness(status: SupervisorStatus): ProbeResult {
  const short: ShortGroup[] = status.groups
    .filter((group) => group.ready < group.desired)
    .map((group) => ({ group: group.name, ready: group.ready, desired: group.desired }));
  const ready = status.phase === "running" && short.length === 0;
  return { status: ready ? 200 : 503, body: ready ? { ready, phase: status.phase } : { ready, phase: status.phase, short } };
}
