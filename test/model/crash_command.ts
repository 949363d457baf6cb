/**
 * World event: a live process exits by itself.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** The `index`-th live process, modulo their number, exits with `code` (0 included). */
export class CrashCommand implements Command<Model, World> {
  constructor(readonly index: number, readonly code: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (world.sim.livePids().length === 0) return;
    model.faulted = true;
    world.sim.crash(this.index, this.code);
  }

  toString(): string {
    return `Crash(${this.index}, ${this.code})`;
  }
}
