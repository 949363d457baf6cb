/**
 * World event: SIGTERM a live process (it drains and exits 0, which a
 * transient group does not restart).
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** SIGTERM the `index`-th live process, modulo their number. */
export class TermCommand implements Command<Model, World> {
  constructor(readonly index: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (world.sim.livePids().length === 0) return;
    model.faulted = true;
    world.sim.kill(this.index, "SIGTERM");
  }

  toString(): string {
    return `Term(${this.index})`;
  }
}
