/**
 * World event: virtual time passes.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** Let `ms` of virtual time pass. */
export class TickCommand implements Command<Model, World> {
  constructor(readonly ms: number) {}

  check(): boolean {
    return true;
  }

  run(_model: Model, world: World): void {
    world.sim.advance(this.ms);
  }

  toString(): string {
    return `Tick(${this.ms})`;
  }
}
