/**
 * Request: stop the supervisor, gracefully or at once.
 *
 * @module
 */

import type { Command } from "fast-check";
import type { Model } from "./model.ts";
import type { World } from "./world.ts";

/** `stop`; a second stop is allowed (a forced one after a graceful one kills what is left). */
export class StopCommand implements Command<Model, World> {
  constructor(readonly graceful: boolean) {}

  check(): boolean {
    return true;
  }

  run(model: Model, world: World): void {
    model.stopBegan = true;
    world.sim.dispatch({ type: "stop", graceful: this.graceful });
  }

  toString(): string {
    return `Stop(${this.graceful ? "graceful" : "now"})`;
  }
}
