/**
 * A binary min-heap of items by (time, insertion order): the event queue of
 * the virtual-time world (`memory.ts`) and of the core benchmark. Items at
 * the same time come out in the order they went in, which keeps simulated
 * runs deterministic.
 *
 * @module
 */

/** A queued item; set `cancelled` to skip it when it comes out. */
export interface Pending<T> {
  readonly at: number;
  readonly seq: number;
  readonly value: T;
  cancelled: boolean;
}

/**
 * The heap.
 *
 * @example
 * ```ts
 * import { Agenda } from "./_agenda.ts";
 * const agenda = new Agenda<string>();
 * agenda.push(20, "late");
 * agenda.push(10, "early");
 * console.log(agenda.pop()?.value); // "early"
 * ```
 */
export class Agenda<T> {
  readonly #heap: Pending<T>[] = [];
  #seq = 0;

  /** Number of queued items, cancelled ones included. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest item, without removing it. */
  peek(): Pending<T> | undefined {
    return this.#heap[0];
  }

  /** Queue `value` at time `at`. */
  push(at: number, value: T): Pending<T> {
    const item: Pending<T> = { at, seq: this.#seq++, value, cancelled: false };
    const heap = this.#heap;
    heap.push(item);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
    return item;
  }

  /** Remove and return the earliest item. */
  pop(): Pending<T> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      let least = index;
      if (left < heap.length && earlier(heap[left]!, heap[least]!)) least = left;
      if (left + 1 < heap.length && earlier(heap[left + 1]!, heap[least]!)) least = left + 1;
      if (least === index) return top;
      [heap[index], heap[least]] = [heap[least]!, heap[index]!];
      index = least;
    }
  }
}

function earlier<T>(a: Pending<T>, b: Pending<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
