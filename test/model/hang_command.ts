/**
 * World event: a live process hangs (no ready, no heartbeat, ignores stop).
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** The `index`-th live process, modulo their number, hangs. */
export class HangCommand implements Command<Model, World> {
  constructor(readonly index: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (world.sim.livePids().length === 0) return;
    model.faulted = true;
    model.hangs += 1;
    world.sim.hang(this.index);
  }

  toString(): string {
    return `Hang(${this.index})`;
  }
}
