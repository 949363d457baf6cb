/**
 * The model the commands keep beside the real world: a few numbers, not a
 * copy of the core. Commands update it when they act; the world updates the
 * two facts only the core can decide (it gave up; a rollout finished) from
 * the records it observes.
 *
 * @module
 */

import type { Config } from "../../src/core/types.ts";

/** What the model expects of the supervisor. */
export interface Model {
  /** Group names, in config order; commands pick groups by index modulo their number. */
  readonly groups: readonly string[];
  /** Desired workers per group. */
  desired: number[];
  /** The generation new workers get: 1, plus one per accepted reload. */
  generation: number;
  /**
   * A rollout (reload or restart) in flight: per group, the slots that were
   * ready when it began and that no scale-down has dropped since. Its ready
   * count must not fall below their number, which is min(desired, ready when
   * it began) unless a scale-down stopped ready workers of higher slots.
   */
  rollout: { readySlots: number[][] } | null;
  /** A `stop` was accepted. */
  stopBegan: boolean;
  /** The supervisor gave up (restart intensity exceeded). */
  gaveUp: boolean;
  /** A fault (kill, term, crash, hang, failed spawns) was injected. */
  faulted: boolean;
  /** Spawn failures injected so far, for the liveness bound. */
  spawnFailures: number;
  /** Hangs injected so far, for the liveness bound. */
  hangs: number;
}

/**
 * The model of a freshly started supervisor.
 *
 * @param config The supervisor's config.
 * @returns A model with every group at its configured count, generation 1.
 */
export function initialModel(config: Config): Model {
  return {
    groups: config.groups.map((group) => group.name),
    desired: config.groups.map((group) => group.count),
    generation: 1,
    rollout: null,
    stopBegan: false,
    gaveUp: false,
    faulted: false,
    spawnFailures: 0,
    hangs: 0,
  };
}

/**
 * Whether the supervisor takes requests (reload, scale, restart).
 *
 * @param model The model.
 * @returns True until a stop began or it gave up.
 */
export function accepting(model: Readonly<Model>): boolean {
  return !model.stopBegan && !model.gaveUp;
}

/**
 * The ready floor of a rollout in flight for group number `index`.
 *
 * @param model The model.
 * @param index The group's index.
 * @returns How many ready workers the group must keep; 0 with no rollout.
 */
export function readyFloor(model: Readonly<Model>, index: number): number {
  return model.rollout?.readySlots[index]?.length ?? 0;
}
