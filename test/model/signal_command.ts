/**
 * World event: signal a live process. SIGKILL ends it at once; SIGTERM makes
 * it drain and exit 0, which a transient group does not restart.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { SignalName } from "../../src/core/types.ts";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** Signal the `index`-th live process, modulo their number (so shrinks stay valid). */
export class SignalCommand implements Command<Model, World> {
  constructor(readonly signal: Extract<SignalName, "SIGKILL" | "SIGTERM">, readonly index: number) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    if (world.sim.livePids().length === 0) return;
    model.faulted = true;
    world.sim.kill(this.index, this.signal);
  }

  toString(): string {
    return `${this.signal === "SIGKILL" ? "Kill" : "Term"}(${this.index})`;
  }
}
