/**
 * Request: a rolling restart of every worker, one group, or one slot.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { RestartTarget } from "../../src/core/types.ts";
import { accepting, type Model } from "./model.ts";
import type { World } from "./world.ts";

/** Which workers: all, a group (by index modulo their number), or a slot of it (modulo its desired count). */
export type RestartScope = "all" | "group" | "slot";

/** `restart` of a target. */
export class RestartCommand implements Command<Model, World> {
  constructor(readonly scope: RestartScope, readonly group: number, readonly slot: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (accepting(model)) {
      // A restart is a rollout too: it must hold the ready count it found.
      model.rollout = { readySlots: world.readySlots(model.desired) };
    }
    world.sim.dispatch({ type: "restart", target: this.#target(model) });
  }

  #target(model: Model): RestartTarget {
    const index = this.group % model.groups.length;
    const group = model.groups[index]!;
    if (this.scope === "all") return { scope: "all" };
    if (this.scope === "group") return { scope: "group", group };
    return { scope: "slot", group, slot: this.slot % model.desired[index]! };
  }

  toString(): string {
    return this.scope === "all" ? "Restart(all)" : this.scope === "group" ? `Restart(${this.group})` : `Restart(${this.group}/${this.slot})`;
  }
}
