/**
 * Maps of the supervisor state with a direct-mapped index beside them, for
 * the two hot events: a heartbeat names a worker id, a liveness check a
 * timer id. With 10,000 workers the state no longer fits the CPU cache, and
 * a `Map` lookup then waits on its hash bucket and on its entry before it
 * reaches the worker; an index position (a key and its value side by side,
 * at `key & mask`) is one load, from an array that mostly stays cached.
 *
 * They are `Map`s: iteration order, `size`, `has`, `forEach` and everything
 * the tests, the status view and the chaos replay read behave as in a plain
 * `Map`, which stays the authority. The index holds a subset of the
 * entries: a key whose position another key holds is found in the `Map`.
 * It doubles as the map grows, so it stays at least twice as long.
 *
 * @module
 */

import type { TimerPurpose, Worker } from "./types.ts";

/** Smallest number of index positions, a power of two. */
const MIN_POSITIONS = 16;

/** Index positions for `size` entries: a power of two >= 2 * size. */
function positionsFor(size: number): number {
  let positions = MIN_POSITIONS;
  while (positions < size * 2) positions *= 2;
  return positions;
}

/** An empty index: key at `2 * position`, value at `2 * position + 1`. */
function emptyIndex(positions: number): (number | Worker | undefined)[] {
  return new Array<number | Worker | undefined>(2 * positions).fill(undefined);
}

/**
 * What the two maps share: a `Map` keyed by number, and beside it the
 * index, an array with a key at `2 * position` and what the index keeps for
 * it at `2 * position + 1`, `position = key & mask`. Keys that are not
 * whole numbers >= 0 live in the `Map` alone. Each subclass says what the
 * index keeps for an entry.
 */
abstract class IndexedMap<V> extends Map<number, V> {
  protected index = emptyIndex(MIN_POSITIONS);
  protected mask = MIN_POSITIONS - 1;

  constructor(entries?: Iterable<readonly [number, V]>) {
    // Map's constructor would call `set` before the index exists.
    super();
    if (entries !== undefined) for (const [key, value] of entries) this.set(key, value);
  }

  /** What the index keeps for this entry (undefined: nothing). */
  protected abstract indexed(value: V): Worker | undefined;

  /** Add or replace an entry; it takes its index position from any other. */
  override set(key: number, value: V): this {
    super.set(key, value);
    if (this.size * 4 > this.index.length) this.#rebuild();
    this.#put(key, value);
    return this;
  }

  /** Remove an entry, and its index position if it holds one. */
  override delete(key: number): boolean {
    this.#release(key);
    return super.delete(key);
  }

  /** Remove every entry. */
  override clear(): void {
    super.clear();
    this.index.fill(undefined);
  }

  /** What the index keeps for `key`, or undefined when its position holds another key or nothing. */
  protected atIndex(key: number): Worker | undefined {
    const index = this.index;
    const at = 2 * (key & this.mask);
    return index[at] === key ? (index[at + 1] as Worker) : undefined;
  }

  #put(key: number, value: V): void {
    if (!Number.isInteger(key) || key < 0) return;
    const kept = this.indexed(value);
    if (kept === undefined) return this.#release(key);
    const at = 2 * (key & this.mask);
    this.index[at] = key;
    this.index[at + 1] = kept;
  }

  /** Empties the position of `key` if `key` holds it. */
  #release(key: number): void {
    const at = 2 * (key & this.mask);
    if (this.index[at] === key) {
      this.index[at] = undefined;
      this.index[at + 1] = undefined;
    }
  }

  #rebuild(): void {
    const positions = positionsFor(this.size);
    this.index = emptyIndex(positions);
    this.mask = positions - 1;
    for (const [key, value] of super.entries()) this.#put(key, value);
  }
}

/**
 * The workers of a state, keyed by worker id: `get` of a live worker reads
 * its index position before it falls back to the `Map`.
 *
 * @example
 * ```ts
 * import { WorkerMap } from "./indexed_map.ts";
 * import type { Worker } from "./types.ts";
 * const workers = new WorkerMap();
 * const worker = { id: 7 } as Worker;
 * workers.set(7, worker);
 * console.log(workers.get(7) === worker, workers.get(23), workers.size); // true undefined 1
 * ```
 */
export class WorkerMap extends IndexedMap<Worker> {
  /** The worker with this id, or undefined. */
  override get(id: number): Worker | undefined {
    return this.atIndex(id) ?? super.get(id);
  }

  protected indexed(worker: Worker): Worker {
    return worker;
  }
}

/**
 * The armed timers of a state, keyed by timer id (1, 2, ...). Beside the
 * `Map`, an index finds the worker of a liveness timer from the timer's id,
 * without the `Map` lookup and the purpose object.
 *
 * @example
 * ```ts
 * import { TimerMap } from "./indexed_map.ts";
 * import type { Worker } from "./types.ts";
 * const timers = new TimerMap();
 * const worker = { id: 1, liveTimer: 3 } as Worker;
 * timers.set(3, { kind: "live", worker: 1, ref: worker });
 * console.log(timers.liveWorker(3) === worker, timers.get(3)?.kind, timers.size); // true "live" 1
 * ```
 */
export class TimerMap extends IndexedMap<TimerPurpose> {
  /**
   * The worker whose liveness timer `id` is, when the index holds it;
   * undefined says nothing (look the purpose up with `get`). It may name a
   * worker whose liveness timer has since been re-armed under another id
   * only if the caller keeps a stale index, so check `worker.liveTimer === id`.
   *
   * @param id A timer id.
   * @returns The worker, or undefined.
   */
  liveWorker(id: number): Worker | undefined {
    return this.atIndex(id);
  }

  /** Only liveness timers are indexed (by their worker); any other kind frees the id's position. */
  protected indexed(purpose: TimerPurpose): Worker | undefined {
    return purpose.kind === "live" ? purpose.ref : undefined;
  }
}
