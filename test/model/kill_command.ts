/**
 * World event: SIGKILL a live process.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** SIGKILL the `index`-th live process, modulo their number (so shrinks stay valid). */
export class KillCommand implements Command<Model, World> {
  constructor(readonly index: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (world.sim.livePids().length === 0) return;
    model.faulted = true;
    world.sim.kill(this.index, "SIGKILL");
  }

  toString(): string {
    return `Kill(${this.index})`;
  }
}
