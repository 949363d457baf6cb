/**
 * The state's indexed maps answer exactly as plain Maps do whatever their
 * index holds: keys that share an index position, keys the index cannot
 * hold, deletes, clears and growth. A liveness lookup through the index
 * names the worker of that timer or nothing.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { TimerMap, WorkerMap } from "../../src/core/indexed_map.ts";
import { nextRandom } from "../../src/core/prng.ts";
import type { TimerPurpose, Worker } from "../../src/core/types.ts";

function worker(id: number): Worker {
  return { id, liveTimer: null } as Worker;
}

/** Random operations on a WorkerMap and a plain Map side by side; every `get` agrees. */
test("WorkerMap answers every get as a plain Map does, through colliding ids, deletes, growth and clear", () => {
  const indexed = new WorkerMap();
  const plain = new Map<number, Worker>();
  let rng = 11;
  const draw = (n: number): number => {
    const next = nextRandom(rng);
    rng = next.state;
    return Math.floor(next.value * n);
  };
  // Ids up to 5,000 with at most a few hundred live: many share an index position (16 to 1,024 of them).
  for (let i = 0; i < 20_000; i++) {
    const id = draw(5_000);
    if (draw(3) === 0) assert.equal(indexed.delete(id), plain.delete(id));
    else {
      const value = worker(id);
      indexed.set(id, value);
      plain.set(id, value);
    }
    const probe = draw(5_000);
    assert.equal(indexed.get(probe), plain.get(probe), `id ${probe} after ${i} operations`);
    assert.equal(indexed.get(id), plain.get(id));
    if (i === 10_000) {
      indexed.clear();
      plain.clear();
    }
  }
  assert.equal(indexed.size, plain.size);
  assert.deepEqual([...indexed.keys()], [...plain.keys()]);
  for (const id of plain.keys()) assert.equal(indexed.get(id), plain.get(id));
});

test("WorkerMap finds ids the index cannot hold (negative, fractional) in the Map", () => {
  const workers = new WorkerMap([[-3, worker(-3)], [1.5, worker(1.5)], [16, worker(16)], [0, worker(0)]]);
  assert.equal(workers.get(-3)?.id, -3);
  assert.equal(workers.get(1.5)?.id, 1.5);
  assert.equal(workers.get(16)?.id, 16);
  assert.equal(workers.get(0)?.id, 0);
  // 32 shares 16's and 0's position in a 16-position index.
  assert.equal(workers.get(32), undefined);
  assert.equal(workers.get(Number.NaN), undefined);
  assert.ok(workers.delete(16));
  assert.equal(workers.get(16), undefined);
  assert.equal(workers.get(0)?.id, 0);
});

function live(n: number, of: Worker): [number, TimerPurpose] {
  return [n, { kind: "live", worker: of.id, ref: of }];
}

test("TimerMap.liveWorker() names the worker of an armed liveness timer and nothing for other ids", () => {
  const a = worker(1);
  const b = worker(2);
  const timers = new TimerMap([live(5, a), live(22, b), [6, { kind: "boot", worker: 1, ref: a }], [7, { kind: "backoff", group: "web", slot: 0 }]]);
  assert.equal(timers.liveWorker(5), a);
  assert.equal(timers.liveWorker(22), b);
  // Not liveness timers, not armed, or not an id the core makes.
  for (const id of [6, 7, 37, 0, -1, 5.5, -27, Number.NaN]) assert.equal(timers.liveWorker(id), undefined, `${id}`);
  assert.equal(timers.get(7)?.kind, "backoff");
  // 37 shares 5's position in a 16-position index: the later one holds it.
  timers.set(...live(37, a));
  assert.equal(timers.liveWorker(37), a);
  assert.equal(timers.liveWorker(5), undefined);
  assert.equal(timers.get(5)?.kind, "live");
  timers.delete(37);
  assert.equal(timers.liveWorker(37), undefined);
  // An id re-armed as another kind leaves the index.
  timers.set(22, { kind: "kill", worker: 2, ref: b });
  assert.equal(timers.liveWorker(22), undefined);
  // Ids the index cannot hold live in the Map alone.
  timers.set(...live(-3, b));
  assert.equal(timers.get(-3)?.kind, "live");
  assert.equal(timers.liveWorker(-3), undefined);
  timers.clear();
  assert.equal(timers.size, 0);
  assert.equal(timers.liveWorker(5), undefined);
});

test("TimerMap keeps its liveness index through growth", () => {
  const workers = Array.from({ length: 3_000 }, (_, i) => worker(i + 1));
  const timers = new TimerMap();
  workers.forEach((w, i) => timers.set(...live(i + 1, w)));
  let found = 0;
  workers.forEach((w, i) => {
    const hit = timers.liveWorker(i + 1);
    if (hit !== undefined) found += 1;
    assert.ok(hit === undefined || hit === w, `timer ${i + 1}`);
  });
  // Consecutive numbers below the index length never share a position.
  assert.equal(found, workers.length);
  assert.equal(timers.size, workers.length);
});
