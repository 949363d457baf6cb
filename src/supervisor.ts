/**
 * The driver: one loop that owns the clock and the timers (through the
 * adapter), turns adapter callbacks into core events, and executes the
 * effects the core returns. It makes no policy decision of its own.
 *
 * Rules of the loop:
 * - events are processed one at a time, in arrival order; an event that
 *   arrives while effects are executing is queued, never nested;
 * - a worker's `spawned` is always fed before its `exited`, even when the
 *   process dies before its spawn promise settles;
 * - the promises of the public API (`ready`, `reload`, `scale`, `restart`,
 *   `stop`) are settled from the records the core emits, nothing else.
 *
 * @module
 */

import type { Adapter, ProcessHandle, TimerHandle } from "./adapter.ts";
import { formatProblem, validateConfig } from "./core/config.ts";
import { statusOf, type SupervisorStatus } from "./core/status.ts";
import { initialState, step } from "./core/step.ts";
import type { Config, ConfigProblem, Effect, Event, RestartTarget, SpawnSpec, State, SupervisorRecord } from "./core/types.ts";
import { decode, encode } from "./protocol.ts";

/** A configuration that did not validate; `problems` lists every one. */
export class ConfigError extends Error {
  /** Every problem found. */
  readonly problems: readonly ConfigProblem[];

  /**
   * @param problems What `validateConfig` found.
   */
  constructor(problems: readonly ConfigProblem[]) {
    const first = problems[0] === undefined ? "invalid config" : formatProblem(problems[0]);
    super(problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** A request the supervisor could not carry out, or a supervisor that gave up. */
export class SupervisorError extends Error {
  /**
   * @param message What failed.
   * @param options `cause`, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SupervisorError";
  }
}

/** How a supervisor ended. */
export interface Outcome {
  /** 0 after a clean stop, 1 when it gave up. */
  readonly code: number;
  readonly reason: string;
}

/** One line a worker wrote. */
export interface OutputLine {
  readonly group: string;
  readonly slot: number;
  readonly pid: number;
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

/** Options of `createSupervisor`: the config plus the driver's own settings. */
export interface SupervisorOptions {
  /** The runtime adapter that starts processes and keeps time. */
  readonly adapter: Adapter;
  /** Called with every record the core emits. @default none */
  readonly onRecord?: (record: SupervisorRecord) => void;
  /**
   * Called with every line a worker writes.
   * @default print `[group.slot pid] text` to the console (stderr lines to console.error)
   */
  readonly onOutput?: (line: OutputLine) => void;
}

/** A running supervisor. */
export interface Supervisor {
  /** Settles once every group first has its desired count of ready workers; rejects if it ends first. */
  readonly ready: Promise<void>;
  /** Settles with the outcome once the supervisor has exited. */
  readonly done: Promise<Outcome>;
  /** Rolling reload to a new generation, optionally with a new config; settles when it finished. */
  reload(config?: unknown): Promise<void>;
  /** Change a group's desired count; settles once the group has that many ready workers and no extra. */
  scale(group: string, count: number): Promise<void>;
  /** Rolling restart of everything, a group, or one slot; settles when it finished. */
  restart(target?: string | RestartTarget): Promise<void>;
  /** Stop every worker (graceful by default) and settle with the outcome; calling it again is harmless. */
  stop(options?: { graceful?: boolean }): Promise<Outcome>;
  /** A snapshot: groups, workers, phases, generations. */
  status(): SupervisorStatus;
  /** Every record from now on, as an async iterator that ends when the supervisor exits. */
  records(): AsyncIterableIterator<SupervisorRecord>;
}

interface Waiter {
  readonly settled: (record: SupervisorRecord | null, state: State, event: Event) => boolean | Error;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Tracked {
  handle: ProcessHandle | null;
  /** Messages and the exit that arrived before `spawned` was fed, replayed after it. */
  early: (() => void)[];
}

/**
 * Start supervising with an explicit adapter (`supervise` in `mod.ts` picks
 * the adapter of the running runtime).
 *
 * @param config Raw config input, validated here.
 * @param options The adapter and observers.
 * @returns The running supervisor.
 * @throws {ConfigError} When the config does not validate; nothing is started.
 *
 * @example On virtual time
 * ```ts
 * import { createSupervisor } from "./supervisor.ts";
 * import { createAdapter } from "../adapters/memory.ts";
 * const adapter = createAdapter();
 * const sup = createSupervisor({ groups: [{ name: "web", command: ["app"], count: 2, ready: "ipc" }] }, { adapter });
 * adapter.advance(100);
 * await sup.ready;
 * console.log(sup.status().groups[0]!.ready); // 2
 * ```
 */
export function createSupervisor(config: unknown, options: SupervisorOptions): Supervisor {
  const result = validateConfig(config);
  if (!result.ok) throw new ConfigError(result.problems);
  return new Driver(result.config, options).api;
}

class Driver {
  state: State;
  readonly api: Supervisor;
  readonly #adapter: Adapter;
  readonly #options: SupervisorOptions;
  readonly #queue: Event[] = [];
  #running = false;
  /** The event whose effects are executing. */
  #current: Event = { type: "start" };
  readonly #processes = new Map<number, Tracked>();
  readonly #timers = new Map<number, TimerHandle>();
  readonly #waiters = new Set<Waiter>();
  readonly #subscribers = new Set<(record: SupervisorRecord | null) => void>();
  #outcome: Outcome | null = null;
  #resolveDone!: (outcome: Outcome) => void;

  constructor(config: Config, options: SupervisorOptions) {
    this.#adapter = options.adapter;
    this.#options = options;
    this.state = initialState(config);
    const done = new Promise<Outcome>((resolve) => (this.#resolveDone = resolve));
    const ready = this.#waitFor((_, state) => allReady(state));
    ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    this.api = {
      ready,
      done,
      reload: (input) => this.#request({ type: "reload", ...(input === undefined ? {} : { config: input }) }, rolloutSettled()),
      scale: (group, count) => this.#request({ type: "scale", group, count }, scaleSettled(group, count)),
      restart: (target) => this.#request({ type: "restart", target: parseTarget(target) }, rolloutSettled()),
      stop: (stopOptions) => {
        this.#dispatch({ type: "stop", graceful: stopOptions?.graceful ?? true });
        return done;
      },
      status: () => statusOf(this.state, this.#adapter.clock.now()),
      records: () => this.#iterate(),
    };
    this.#dispatch({ type: "start" });
  }

  #request(event: Event, settled: Waiter["settled"]): Promise<void> {
    const promise = this.#waitFor(settled, event);
    this.#dispatch(event);
    return promise;
  }

  #waitFor(settled: Waiter["settled"], requested?: Event): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let armed = requested === undefined;
      this.#waiters.add({
        settled: (record, state, event) => {
          // A request's waiter listens from its own step on, and fails if that step rejected it.
          if (!armed) {
            if (event !== requested) return false;
            armed = true;
          }
          if (event === requested && record?.type === "rejected" && record.event === requested.type) {
            return new SupervisorError(`${requested.type} rejected: ${record.reason}`);
          }
          if (event === requested && record?.type === "reloadRejected") return new ConfigError(record.problems);
          return settled(record, state, event);
        },
        resolve,
        reject,
      });
    });
  }

  #dispatch(event: Event): void {
    this.#queue.push(event);
    if (this.#running) return;
    this.#running = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        const { state, effects } = step(this.state, next, this.#adapter.clock.now());
        this.state = state;
        this.#current = next;
        for (const effect of effects) this.#execute(effect);
        this.#settle(null);
      }
    } finally {
      this.#running = false;
    }
  }

  #execute(effect: Effect): void {
    const clock = this.#adapter.clock;
    switch (effect.type) {
      case "spawn":
        return this.#spawn(effect.spec);
      case "send":
        this.#processes.get(effect.id)?.handle?.send(encode(effect.message));
        return;
      case "signal":
        this.#processes.get(effect.id)?.handle?.signal(effect.signal);
        return;
      case "setTimer": {
        const id = effect.id;
        const armed = this.#timers.get(id);
        if (armed !== undefined) clock.clearTimer(armed);
        this.#timers.set(id, clock.setTimer(effect.at, () => {
          this.#timers.delete(id);
          this.#dispatch({ type: "timer", id });
        }));
        return;
      }
      case "cancelTimer": {
        const handle = this.#timers.get(effect.id);
        if (handle !== undefined) clock.clearTimer(handle);
        this.#timers.delete(effect.id);
        return;
      }
      case "emit":
        this.#options.onRecord?.(effect.record);
        for (const subscriber of this.#subscribers) subscriber(effect.record);
        return this.#settle(effect.record);
      case "exit":
        return this.#finish({ code: effect.code, reason: effect.reason });
    }
  }

  #spawn(spec: SpawnSpec): void {
    const tracked: Tracked = { handle: null, early: [] };
    const inOrder = (deliver: () => void): void => {
      if (tracked.handle === null) tracked.early.push(deliver);
      else deliver();
    };
    this.#processes.set(spec.id, tracked);
    const output = this.#options.onOutput ?? printLine;
    this.#adapter.spawn(spec, {
      message: (raw) => {
        const message = decode(raw);
        if (message?.type === "ready" || message?.type === "heartbeat") {
          const type = message.type;
          inOrder(() => this.#dispatch({ type, id: spec.id }));
        }
      },
      line: (stream, text) => inOrder(() => output({ group: spec.group, slot: spec.slot, pid: tracked.handle!.pid, stream, text })),
      exit: (code, signal) => inOrder(() => this.#exited(spec.id, code, signal)),
    }).then(
      (handle) => {
        tracked.handle = handle;
        this.#dispatch({ type: "spawned", id: spec.id, pid: handle.pid });
        for (const deliver of tracked.early.splice(0)) deliver();
      },
      (error: unknown) => {
        this.#processes.delete(spec.id);
        this.#dispatch({ type: "spawnFailed", id: spec.id, error: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  #exited(id: number, code: number | null, signal: string | null): void {
    this.#processes.delete(id);
    this.#dispatch({ type: "exited", id, code, signal });
  }

  #settle(record: SupervisorRecord | null): void {
    for (const waiter of this.#waiters) {
      const verdict = waiter.settled(record, this.state, this.#current);
      if (verdict === false) continue;
      this.#waiters.delete(waiter);
      if (verdict === true) waiter.resolve();
      else waiter.reject(verdict);
    }
  }

  #finish(outcome: Outcome): void {
    this.#outcome = outcome;
    for (const waiter of this.#waiters) waiter.reject(new SupervisorError(`the supervisor exited: ${outcome.reason}`));
    this.#waiters.clear();
    for (const subscriber of this.#subscribers) subscriber(null);
    this.#subscribers.clear();
    void this.#adapter.close().then(() => this.#resolveDone(outcome), () => this.#resolveDone(outcome));
  }

  #iterate(): AsyncIterableIterator<SupervisorRecord> {
    const buffer: (SupervisorRecord | null)[] = this.#outcome === null ? [] : [null];
    let wake: (() => void) | null = null;
    const subscriber = (record: SupervisorRecord | null): void => {
      buffer.push(record);
      wake?.();
    };
    if (this.#outcome === null) this.#subscribers.add(subscriber);
    const iterator: AsyncIterableIterator<SupervisorRecord> = {
      next: async (): Promise<IteratorResult<SupervisorRecord>> => {
        while (buffer.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        const record = buffer.shift()!;
        return record === null ? { done: true, value: undefined } : { done: false, value: record };
      },
      return: (): Promise<IteratorResult<SupervisorRecord>> => {
        this.#subscribers.delete(subscriber);
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

function allReady(state: State): boolean {
  if (state.phase !== "running") return false;
  for (const group of state.groups.values()) if (!group.removed && group.counts.ready < group.config.count) return false;
  return true;
}

/** A later rollout supersedes an earlier one, so any finished rollout settles the request. */
function rolloutSettled(): Waiter["settled"] {
  return (record) => record?.type === "rolloutFinished";
}

function scaleSettled(name: string, count: number): Waiter["settled"] {
  return (_, state) => {
    const group = state.groups.get(name);
    return group !== undefined && group.counts.ready >= count && group.slots.length === count && group.counts.extras === 0 &&
      group.counts.starting + group.counts.ready + group.counts.stopping === count;
  };
}

function parseTarget(target: string | RestartTarget | undefined): RestartTarget {
  if (target === undefined) return { scope: "all" };
  if (typeof target !== "string") return target;
  const dot = target.lastIndexOf(".");
  const slot = dot === -1 ? NaN : Number(target.slice(dot + 1));
  if (Number.isInteger(slot) && slot >= 0) return { scope: "slot", group: target.slice(0, dot), slot };
  return { scope: "group", group: target };
}

function printLine(line: OutputLine): void {
  const text = `[${line.group}.${line.slot} ${line.pid}] ${line.text}`;
  if (line.stream === "stderr") console.error(text);
  else console.log(text);
}
