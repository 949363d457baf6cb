/**
 * Read-only views of a state, for `status` replies, health checks and
 * metrics. They iterate, so they belong to requests, never to `step`.
 *
 * @module
 */

import type { State, WorkerPhase } from "./types.ts";

/** One worker as `status` shows it. */
export interface WorkerStatus {
  readonly group: string;
  readonly slot: number;
  readonly id: number;
  readonly pid: number | null;
  readonly phase: WorkerPhase;
  readonly generation: number;
  /** Milliseconds since it was spawned. */
  readonly uptimeMs: number;
  /** Consecutive crash restarts of its slot. */
  readonly restarts: number;
}

/** One group's summary. */
export interface GroupStatus {
  readonly name: string;
  readonly desired: number;
  readonly ready: number;
  readonly starting: number;
  readonly stopping: number;
  readonly generation: number;
}

/** A whole supervisor's summary. */
export interface SupervisorStatus {
  readonly phase: State["phase"];
  readonly generation: number;
  readonly groups: readonly GroupStatus[];
  readonly workers: readonly WorkerStatus[];
}

/**
 * Summarise a state: groups with their counts, and every live worker ordered
 * by group and slot.
 *
 * @param state The supervisor state.
 * @param now The current monotonic time, for uptimes.
 * @returns A JSON-serialisable status.
 *
 * @example
 * ```ts
 * import { initialState, statusOf, step, validateConfig } from "./mod.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: ["app"], count: 2 }] });
 * if (!result.ok) throw new Error("bad config");
 * const { state } = step(initialState(result.config), { type: "start" }, 0);
 * console.log(statusOf(state, 10).workers.length); // 2
 * ```
 */
export function statusOf(state: State, now: number): SupervisorStatus {
  const groups: GroupStatus[] = [];
  const workers: WorkerStatus[] = [];
  for (const group of state.groups.values()) {
    groups.push({
      name: group.config.name,
      desired: group.removed ? 0 : group.config.count,
      ready: group.counts.ready,
      starting: group.counts.starting,
      stopping: group.counts.stopping,
      generation: group.generation,
    });
  }
  for (const worker of state.workers.values()) {
    const slot = state.groups.get(worker.group)?.slots[worker.slot];
    workers.push({
      group: worker.group,
      slot: worker.slot,
      id: worker.id,
      pid: worker.pid,
      phase: worker.phase,
      generation: worker.generation,
      uptimeMs: Math.max(0, now - worker.startedAt),
      restarts: slot?.crashes ?? 0,
    });
  }
  workers.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.slot - b.slot || a.id - b.id));
  return { phase: state.phase, generation: state.generation, groups, workers };
}
