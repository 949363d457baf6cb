/**
 * The core's work per event does not grow with the number of workers: the
 * same recorded mix of events (heartbeats, liveness checks, crashes and the
 * spawned, ready and backoff events that repair them) is replayed through
 * `step` on a state whose maps and arrays count every access, once with 10
 * workers and once with 1,000. A scan over the workers, the timers or a
 * group's slots on any of those events shows up as hundreds of accesses.
 *
 * This is the deterministic half of the size target in `bench/core.ts`; the
 * wall-clock half depends on the machine's caches and lives in the bench.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Simulation } from "../../adapters/memory.ts";
import { validateConfig } from "../../src/core/config.ts";
import { randomSource } from "../../src/core/prng.ts";
import { cloneState, step } from "../../src/core/step.ts";
import type { Config, Event, State } from "../../src/core/types.ts";
import { RUNTIME } from "../_harness.ts";

/** Accesses to the state's containers since the counter was last reset. */
const touches = { count: 0 };

/** A Map that counts every lookup, write and every entry it iterates. */
class CountingMap<K, V> extends Map<K, V> {
  override get(key: K): V | undefined {
    touches.count += 1;
    return super.get(key);
  }
  override has(key: K): boolean {
    touches.count += 1;
    return super.has(key);
  }
  override set(key: K, value: V): this {
    touches.count += 1;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    touches.count += 1;
    return super.delete(key);
  }
  override *entries(): MapIterator<[K, V]> {
    for (const entry of super.entries()) {
      touches.count += 1;
      yield entry;
    }
  }
  override *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }
  override *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }
  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
  override forEach(callback: (value: V, key: K, map: Map<K, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

/** An array whose element reads count (loops, `map`, `find` and `for…of` all read elements). */
function countingArray<T>(array: T[]): T[] {
  return new Proxy(array, {
    get(target, property, receiver): unknown {
      if (typeof property === "string" && /^\d+$/.test(property)) touches.count += 1;
      return Reflect.get(target, property, receiver);
    },
  });
}

/** The state with every container whose size follows the workers counting its accesses. */
function instrumented(state: State): State {
  const copy = cloneState(state);
  for (const group of copy.groups.values()) {
    group.slots = countingArray(group.slots);
    group.rolloutQueue = countingArray(group.rolloutQueue);
  }
  copy.groups = new CountingMap(copy.groups);
  copy.workers = new CountingMap(copy.workers);
  copy.timers = new CountingMap(copy.timers);
  // Not `restarts`: it holds the crash restarts of the last `periodMs`, so its length follows the crash
  // rate and `maxRestarts`, not the workers; test/core/backoff_test.ts shows its upkeep is O(1) per restart.
  return copy;
}

function configFor(workers: number): Config {
  const result = validateConfig({
    maxRestarts: 1_000_000,
    periodMs: 60_000,
    groups: [{ name: "web", command: ["app"], count: workers, ready: "ipc", heartbeatTimeoutMs: 3_000 }],
  });
  if (!result.ok) throw new Error(`test config: ${JSON.stringify(result.problems)}`);
  return result.config;
}

/** The steady state of `workers` ready workers, and the next `events` events with one in fifty followed by a crash. */
function recorded(workers: number, events: number): { snapshot: State; stream: { at: number; event: Event }[] } {
  const simulation = new Simulation({ config: configFor(workers), trace: false });
  const stream: { at: number; event: Event }[] = [];
  simulation.onStep(({ at, event }) => stream.push({ at, event }));
  simulation.start();
  while (simulation.state.groups.get("web")!.counts.ready < workers) simulation.advance(10);
  const snapshot = cloneState(simulation.state);
  stream.length = 0;
  const draw = randomSource(7);
  while (stream.length < events) {
    const before = stream.length;
    simulation.advance(1);
    for (let i = before; i < stream.length; i++) if (draw() < 0.02) simulation.crash(Math.floor(draw() * workers), 1);
  }
  return { snapshot, stream: stream.slice(0, events) };
}

/** Most container accesses of one event, per event type (timers split by whether the step had effects). */
function mostTouchesPerEvent(workers: number): Map<string, number> {
  const { snapshot, stream } = recorded(workers, 20_000);
  let state = instrumented(snapshot);
  const most = new Map<string, number>();
  for (const { at, event } of stream) {
    touches.count = 0;
    const result = step(state, event, at);
    state = result.state;
    const kind = event.type === "timer" ? `timer (${result.effects.length === 0 ? "no effect" : "effects"})` : event.type;
    most.set(kind, Math.max(most.get(kind) ?? 0, touches.count));
  }
  return most;
}

test(`${RUNTIME} core: no event of the steady mix touches more of the state with 1,000 workers than with 10`, () => {
  const small = mostTouchesPerEvent(10);
  const large = mostTouchesPerEvent(1_000);
  // The mix really holds every kind of event, and the counters really count.
  assert.deepEqual([...large.keys()].sort(), ["exited", "heartbeat", "ready", "spawned", "timer (effects)", "timer (no effect)"]);
  assert.ok(large.get("heartbeat")! >= 1, JSON.stringify([...large]));
  const table = (most: Map<string, number>): string[] => [...most].map(([kind, count]) => `${kind}: ${count}`).sort();
  assert.deepEqual(table(large), table(small));
});
