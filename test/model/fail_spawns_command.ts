/**
 * World event: the next spawns fail (the program is missing).
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** The next `count` spawns fail. */
export class FailSpawnsCommand implements Command<Model, World> {
  constructor(readonly count: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    model.faulted = true;
    model.spawnFailures += this.count;
    world.sim.failNextSpawns(this.count);
  }

  toString(): string {
    return `FailSpawns(${this.count})`;
  }
}
