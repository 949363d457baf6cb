/**
 * A stale or unknown fact reaches the core: a worker event for an id never
 * issued or already exited, a duplicate `spawned`/`spawnFailed`/`ready` for a
 * live worker, or a timer that was cancelled or already fired. Invariant 8:
 * it never throws, leaves the state as it was and is reported by exactly one
 * `ignored` record.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Command } from "fast-check";
import type { Event } from "../../src/core/types.ts";
import type { Model } from "./model.ts";
import { serialize, type World } from "./world.ts";

/** The event kinds a stale fact can take. */
export type StaleKind = "spawned" | "spawnFailed" | "ready" | "heartbeat" | "exited" | "timer";

/** Dispatch a stale `kind` event; `index` picks among the candidates, modulo their number. */
export class StaleEventCommand implements Command<Model, World> {
  constructor(readonly kind: StaleKind, readonly index: number) {}

  check(): boolean {
    return true;
  }

  run(_model: Model, world: World): void {
    const event = this.#event(world);
    const before = serialize(world.state);
    world.sim.dispatch(event);
    const effects = world.lastEffects;
    const shown = `${JSON.stringify(event)} in phase ${world.state.phase}: ${JSON.stringify(effects)}`;
    assert.equal(effects.length, 1, `invariant 8: a stale ${shown}`);
    const [effect] = effects;
    assert.ok(effect?.type === "emit" && effect.record.type === "ignored" && effect.record.event === event.type, `invariant 8: a stale event was not ignored: ${shown}`);
    assert.equal(serialize(world.state), before, `invariant 8: a stale event changed the state: ${shown}`);
  }

  #event(world: World): Event {
    const state = world.state;
    if (this.kind === "timer") {
      const stale = world.timerIds.filter((id) => !state.timers.has(id));
      const candidates = [...stale, state.nextTimerId + 1000 + this.index, 0, -1, 1.5];
      return { type: "timer", id: candidates[this.index % candidates.length]! };
    }
    const candidates = [...world.exitedIds, 0, -1, state.nextWorkerId + 1000 + this.index];
    for (const worker of state.workers.values()) {
      if ((this.kind === "spawned" || this.kind === "spawnFailed") && worker.pid !== null) candidates.push(worker.id);
      if (this.kind === "ready" && worker.phase !== "starting") candidates.push(worker.id);
    }
    const id = candidates[this.index % candidates.length]!;
    switch (this.kind) {
      case "spawned":
        return { type: "spawned", id, pid: 99_999 };
      case "spawnFailed":
        return { type: "spawnFailed", id, error: "stale" };
      case "ready":
        return { type: "ready", id };
      case "heartbeat":
        return { type: "heartbeat", id };
      case "exited":
        return { type: "exited", id, code: 1, signal: null };
    }
  }

  toString(): string {
    return `StaleEvent(${this.kind}, ${this.index})`;
  }
}
