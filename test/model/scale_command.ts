/**
 * Request: scale a group to `count` workers.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Command } from "fast-check";
import { accepting, type Model } from "./model.ts";
import type { World } from "./world.ts";

/** `scale` group number `group` (modulo the number of groups) to `count`. */
export class ScaleCommand implements Command<Model, World> {
  constructor(readonly group: number, readonly count: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    const index = this.group % model.groups.length;
    const name = model.groups[index]!;
    const accepted = accepting(model);
    if (accepted) {
      model.desired[index] = this.count;
      // A scale-down during a rollout lowers the floor: the slots it drops no longer count.
      if (model.rollout !== null) model.rollout.readySlots[index] = model.rollout.readySlots[index]!.filter((slot) => slot < this.count);
    }
    world.sim.dispatch({ type: "scale", group: name, count: this.count });
    if (accepted) assert.equal(world.state.groups.get(name)!.config.count, this.count, `scale: group ${name} does not want ${this.count} workers`);
  }

  toString(): string {
    return `Scale(${this.group}, ${this.count})`;
  }
}
