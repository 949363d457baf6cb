/**
 * Request: a rolling reload with the current config. It bumps the
 * generation and keeps every group's count (a scale is part of the config
 * it reloads).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Command } from "fast-check";
import { accepting, type Model } from "./model.ts";
import type { World } from "./world.ts";

/** `reload` without a new config. */
export class ReloadCommand implements Command<Model, World> {
  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    const accepted = accepting(model);
    if (accepted) {
      model.generation += 1;
      model.rollout = { readySlots: world.readySlots(model.desired) };
      world.finished.clear();
    }
    world.sim.dispatch({ type: "reload" });
    if (accepted) assert.equal(world.state.generation, model.generation, "reload: the core's generation differs from the model's");
    else assert.ok(world.lastEffects.some((e) => e.type === "emit" && e.record.type === "rejected"), "reload: not rejected once stopping or failed");
  }

  toString(): string {
    return "Reload";
  }
}
