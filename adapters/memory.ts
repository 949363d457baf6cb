/**
 * A deterministic in-memory world with virtual time: scripted worker
 * processes, a discrete-event scheduler, and seeded fault injection.
 *
 * - `Simulation` drives the pure core directly: every core step is observable
 *   through `onStep`, which is what the property tests and invariant checkers
 *   hook into.
 * - `simulate()` runs a whole seeded scenario (faults, then a quiet phase)
 *   and returns its trace; the same seed gives a byte-identical trace on
 *   every runtime.
 * - `createAdapter()` is the same world behind the `Adapter` contract, so the
 *   real driver can run on virtual time.
 *
 * Time is an integer count of milliseconds; events at the same time run in
 * the order they were scheduled.
 *
 * @module
 */

import { Agenda, type Pending } from "./_agenda.ts";
import type { Adapter, Clock, ProcessHandle, ProcessListener, TimerHandle } from "../src/adapter.ts";
import { initialState, step } from "../src/core/step.ts";
import { randomSource } from "../src/core/prng.ts";
import { validateConfig } from "../src/core/config.ts";
import type { Config, Effect, Event, SignalName, SpawnSpec, State } from "../src/core/types.ts";

/** The runtime key of this adapter. */
export const runtime = "memory";

/** How a virtual worker behaves. Every field is optional. */
export interface WorkerScript {
  /** Time from spawn to the process existing. @default 1 */
  readonly spawnMs?: number;
  /** The spawn fails (e.g. the program does not exist). @default false */
  readonly spawnFails?: boolean;
  /** Time from process start to `ready` (IPC workers). @default 50 */
  readonly bootMs?: number;
  /** Never sends `ready`. @default false */
  readonly neverReady?: boolean;
  /** Exits by itself this long after start. @default null (never) */
  readonly exitAfterMs?: number | null;
  /** Exit code of that exit. @default 1 */
  readonly exitCode?: number;
  /** Stops heartbeating this long after start (a hang). @default null */
  readonly hangAfterMs?: number | null;
  /** Ignores SIGTERM and the stop message. @default false */
  readonly ignoreStop?: boolean;
  /** Time from a stop request to exit 0. @default 20 */
  readonly drainMs?: number;
}

/** Picks a script for each spawn. */
export type ScriptFor = (spec: SpawnSpec, spawnIndex: number) => WorkerScript;

/** One line of a trace: an event fed to the core or an effect it returned. */
export type TraceLine =
  | { readonly at: number; readonly kind: "event"; readonly event: Event }
  | { readonly at: number; readonly kind: "effect"; readonly effect: Effect }
  | { readonly at: number; readonly kind: "fault"; readonly fault: string };

/** What `onStep` observers receive after every core step. */
export interface StepObservation {
  readonly at: number;
  readonly event: Event;
  readonly effects: readonly Effect[];
  readonly state: State;
}

type Scheduled = Pending<() => void>;

/** Virtual time plus the agenda of what is due. */
class Scheduler {
  readonly #agenda = new Agenda<() => void>();
  now = 0;

  schedule(at: number, run: () => void): Scheduled {
    return this.#agenda.push(Math.max(at, this.now), run);
  }

  /** Run everything due up to `until`; returns false when nothing is left. */
  runUntil(until: number): boolean {
    for (let next = this.#agenda.peek(); next !== undefined && next.at <= until; next = this.#agenda.peek()) {
      this.#agenda.pop();
      if (next.cancelled) continue;
      this.now = next.at;
      next.value();
    }
    if (this.now < until) this.now = until;
    return this.#agenda.size > 0;
  }
}

/** A virtual process: reports through callbacks, obeys its script. */
class VirtualProcess {
  alive = true;
  hung = false;
  stopping = false;
  readonly #events: Scheduled[] = [];

  constructor(
    readonly pid: number,
    readonly spec: SpawnSpec,
    readonly script: WorkerScript,
    readonly scheduler: Scheduler,
    readonly report: {
      ready(): void;
      heartbeat(): void;
      exited(code: number | null, signal: string | null): void;
    },
  ) {
    const start = scheduler.now;
    if (spec.ipc && !script.neverReady) this.#later(start + (script.bootMs ?? 50), () => !this.hung && report.ready());
    if (script.exitAfterMs !== undefined && script.exitAfterMs !== null) {
      this.#later(start + script.exitAfterMs, () => this.exit(script.exitCode ?? 1, null));
    }
    if (script.hangAfterMs !== undefined && script.hangAfterMs !== null) {
      this.#later(start + script.hangAfterMs, () => (this.hung = true));
    }
    if (spec.heartbeatMs > 0) this.#beat(start + spec.heartbeatMs);
  }

  #beat(at: number): void {
    this.#later(at, () => {
      if (this.hung) return;
      this.report.heartbeat();
      this.#beat(at + this.spec.heartbeatMs);
    });
  }

  #later(at: number, run: () => void): void {
    this.#events.push(this.scheduler.schedule(at, () => this.alive && run()));
  }

  signal(signal: SignalName): void {
    if (!this.alive) return;
    if (signal === "SIGKILL") return this.#later(this.scheduler.now + 1, () => this.exit(null, "SIGKILL"));
    this.requestStop();
  }

  requestStop(): void {
    if (!this.alive || this.script.ignoreStop || this.hung || this.stopping) return;
    this.stopping = true;
    this.#later(this.scheduler.now + (this.script.drainMs ?? 20), () => this.exit(0, null));
  }

  exit(code: number | null, signal: string | null): void {
    if (!this.alive) return;
    this.alive = false;
    for (const event of this.#events) event.cancelled = true;
    this.report.exited(code, signal);
  }
}

/** Options of a `Simulation`. */
export interface SimulationOptions {
  /** A validated config, or raw input for `validateConfig`. */
  readonly config: Config | unknown;
  /** Scripts per spawn. @default every worker boots in 50 ms and behaves */
  readonly script?: ScriptFor;
  /** Keep a trace of events and effects. @default true */
  readonly trace?: boolean;
}

/**
 * The pure core in a virtual world. Faults are methods; time moves only
 * through `advance`.
 *
 * @example A crash is repaired
 * ```ts
 * import { Simulation } from "./memory.ts";
 * const sim = new Simulation({ config: { groups: [{ name: "web", command: ["app"], count: 2, ready: "ipc" }] } });
 * sim.start();
 * sim.advance(100);
 * sim.kill(0);
 * sim.advance(100);
 * console.log(sim.state.groups.get("web")!.counts.ready); // 2
 * ```
 */
export class Simulation {
  state: State;
  readonly trace: TraceLine[] = [];
  readonly #scheduler = new Scheduler();
  readonly #processes = new Map<number, VirtualProcess>();
  readonly #timers = new Map<number, Scheduled>();
  readonly #observers: ((observation: StepObservation) => void)[] = [];
  readonly #script: ScriptFor;
  readonly #keepTrace: boolean;
  #nextPid = 1000;
  #spawns = 0;
  #failSpawns = 0;
  /** The exit the core asked for, once it did. */
  exit: { code: number; reason: string; at: number } | null = null;
  /** Every spawn effect, in order. */
  spawnCount = 0;

  constructor(options: SimulationOptions) {
    const config = asConfig(options.config);
    this.state = initialState(config);
    this.#script = options.script ?? (() => ({}));
    this.#keepTrace = options.trace ?? true;
  }

  /** The current virtual time. */
  get now(): number {
    return this.#scheduler.now;
  }

  /** Observe every core step (invariant checkers hook in here). */
  onStep(observer: (observation: StepObservation) => void): void {
    this.#observers.push(observer);
  }

  /** Feed `start`. */
  start(): void {
    this.dispatch({ type: "start" });
  }

  /** Feed any event to the core now and execute its effects. */
  dispatch(event: Event): void {
    const at = this.#scheduler.now;
    if (this.#keepTrace) this.trace.push({ at, kind: "event", event });
    const result = step(this.state, event, at);
    this.state = result.state;
    for (const observer of this.#observers) observer({ at, event, effects: result.effects, state: result.state });
    for (const effect of result.effects) this.#execute(effect);
  }

  /** Let virtual time pass. */
  advance(ms: number): void {
    this.#scheduler.runUntil(this.#scheduler.now + ms);
  }

  /** Pids of live virtual processes, in spawn order. */
  livePids(): number[] {
    return [...this.#processes.values()].filter((p) => p.alive).map((p) => p.pid);
  }

  /** SIGKILL (or another signal) the `index`-th live process, modulo their number. */
  kill(index: number, signal: SignalName = "SIGKILL"): void {
    const process = this.#pick(index);
    if (process === undefined) return;
    this.#fault(`${signal} pid ${process.pid}`);
    process.signal(signal);
  }

  /** The `index`-th live process exits by itself with `code`. */
  crash(index: number, code: number): void {
    const process = this.#pick(index);
    if (process === undefined) return;
    this.#fault(`exit ${code} pid ${process.pid}`);
    process.exit(code, null);
  }

  /** The `index`-th live process hangs: no heartbeat, no ready, ignores stop. */
  hang(index: number): void {
    const process = this.#pick(index);
    if (process === undefined) return;
    this.#fault(`hang pid ${process.pid}`);
    process.hung = true;
  }

  /** The next `count` spawns fail. */
  failNextSpawns(count: number): void {
    this.#fault(`fail next ${count} spawns`);
    this.#failSpawns += count;
  }

  /** Run until the core has exited or `limitMs` of virtual time passed. */
  runToExit(limitMs: number): void {
    const end = this.#scheduler.now + limitMs;
    while (this.exit === null && this.#scheduler.now < end) {
      if (!this.#scheduler.runUntil(Math.min(end, this.#scheduler.now + 1000))) break;
    }
  }

  #pick(index: number): VirtualProcess | undefined {
    const live = [...this.#processes.values()].filter((p) => p.alive);
    return live.length === 0 ? undefined : live[((index % live.length) + live.length) % live.length];
  }

  #fault(fault: string): void {
    if (this.#keepTrace) this.trace.push({ at: this.#scheduler.now, kind: "fault", fault });
  }

  #execute(effect: Effect): void {
    if (this.#keepTrace) this.trace.push({ at: this.#scheduler.now, kind: "effect", effect });
    const scheduler = this.#scheduler;
    switch (effect.type) {
      case "spawn": {
        this.spawnCount += 1;
        const spec = effect.spec;
        const script = this.#script(spec, this.#spawns++);
        const fails = script.spawnFails === true || this.#failSpawns > 0;
        if (this.#failSpawns > 0) this.#failSpawns -= 1;
        scheduler.schedule(scheduler.now + (script.spawnMs ?? 1), () => {
          if (fails) return this.dispatch({ type: "spawnFailed", id: spec.id, error: "ENOENT" });
          const pid = this.#nextPid++;
          const process = new VirtualProcess(pid, spec, script, scheduler, {
            ready: () => this.dispatch({ type: "ready", id: spec.id }),
            heartbeat: () => this.dispatch({ type: "heartbeat", id: spec.id }),
            exited: (code, signal) => {
              this.#processes.delete(spec.id);
              this.dispatch({ type: "exited", id: spec.id, code, signal });
            },
          });
          this.#processes.set(spec.id, process);
          this.dispatch({ type: "spawned", id: spec.id, pid });
        });
        return;
      }
      case "send":
        this.#processes.get(effect.id)?.requestStop();
        return;
      case "signal":
        this.#processes.get(effect.id)?.signal(effect.signal);
        return;
      case "setTimer": {
        const id = effect.id;
        const armed = this.#timers.get(id);
        if (armed !== undefined) armed.cancelled = true;
        this.#timers.set(id, scheduler.schedule(effect.at, () => {
          this.#timers.delete(id);
          this.dispatch({ type: "timer", id });
        }));
        return;
      }
      case "cancelTimer": {
        const timer = this.#timers.get(effect.id);
        if (timer !== undefined) timer.cancelled = true;
        this.#timers.delete(effect.id);
        return;
      }
      case "emit":
        return;
      case "exit":
        this.exit = { code: effect.code, reason: effect.reason, at: scheduler.now };
        return;
    }
  }
}

/** Which faults `simulate` may draw, and how often. */
export interface FaultOptions {
  /** Mean virtual time between faults. @default 500 */
  readonly meanGapMs?: number;
  /** Faults are drawn only before this time; afterwards the world is quiet. @default 10_000 */
  readonly untilMs?: number;
  /** Fault kinds to draw from. @default all */
  readonly kinds?: readonly FaultKind[];
}

/** The faults `simulate` can inject. */
export type FaultKind = "kill" | "term" | "crash" | "hang" | "spawnFail" | "reload" | "scale" | "restart";

const ALL_FAULTS: readonly FaultKind[] = ["kill", "term", "crash", "hang", "spawnFail", "reload", "scale", "restart"];

/** Options of `simulate`. */
export interface SimulateOptions {
  /** Seed of the fault schedule. */
  readonly seed: number;
  /** A validated config, or raw input for `validateConfig`. */
  readonly config: Config | unknown;
  /** Fault injection; `false` for none. @default {} */
  readonly faults?: FaultOptions | false;
  /** Virtual time to run to; then a graceful stop runs to completion. @default 20_000 */
  readonly until?: number;
  /** Scripts per spawn. */
  readonly script?: ScriptFor;
}

/** What `simulate` returns. */
export interface SimulationResult {
  readonly trace: readonly TraceLine[];
  /** FNV-1a hash of the JSON trace, as 8 hex digits. */
  readonly hash: string;
  readonly state: State;
  readonly exit: { code: number; reason: string; at: number } | null;
}

/**
 * Run a seeded scenario: random faults until `faults.untilMs`, quiet until
 * `until`, then a graceful stop.
 *
 * @param options Seed, config, faults and duration.
 * @returns The trace, its hash, the final state and the exit.
 *
 * @example The same seed gives the same trace
 * ```ts
 * import { simulate } from "./memory.ts";
 * const config = { groups: [{ name: "web", command: ["app"], count: 3, ready: "ipc" }], maxRestarts: 1000 };
 * console.log(simulate({ seed: 7, config }).hash === simulate({ seed: 7, config }).hash); // true
 * ```
 */
export function simulate(options: SimulateOptions): SimulationResult {
  const config = asConfig(options.config);
  const simulation = new Simulation({ config, ...(options.script ? { script: options.script } : {}) });
  const until = options.until ?? 20_000;
  simulation.start();
  if (options.faults !== false) {
    const faults = options.faults ?? {};
    const kinds = faults.kinds ?? ALL_FAULTS;
    const meanGap = faults.meanGapMs ?? 500;
    const faultsUntil = Math.min(faults.untilMs ?? 10_000, until);
    const draw = randomSource(options.seed);
    let at = 0;
    for (;;) {
      at += 1 + Math.floor(draw() * meanGap * 2);
      if (at >= faultsUntil) break;
      simulation.advance(at - simulation.now);
      injectFault(simulation, config, kinds[Math.floor(draw() * kinds.length)]!, draw);
    }
  }
  simulation.advance(Math.max(0, until - simulation.now));
  simulation.dispatch({ type: "stop", graceful: true });
  simulation.runToExit(10 * 60_000);
  return { trace: simulation.trace, hash: fnv1a(JSON.stringify(simulation.trace)), state: simulation.state, exit: simulation.exit };
}

function injectFault(simulation: Simulation, config: Config, kind: FaultKind, draw: () => number): void {
  const index = Math.floor(draw() * 1000);
  const group = config.groups[Math.floor(draw() * config.groups.length)]!;
  switch (kind) {
    case "kill":
      return simulation.kill(index, "SIGKILL");
    case "term":
      return simulation.kill(index, "SIGTERM");
    case "crash":
      return simulation.crash(index, 1 + Math.floor(draw() * 120));
    case "hang":
      return simulation.hang(index);
    case "spawnFail":
      return simulation.failNextSpawns(1 + Math.floor(draw() * 3));
    case "reload":
      return simulation.dispatch({ type: "reload" });
    case "scale":
      return simulation.dispatch({ type: "scale", group: group.name, count: 1 + Math.floor(draw() * Math.max(2, group.count * 2)) });
    case "restart":
      return simulation.dispatch({ type: "restart", target: { scope: "group", group: group.name } });
  }
}

/**
 * FNV-1a over a string's UTF-16 code units, as 8 hex digits.
 *
 * @param text Any string.
 * @returns The hash.
 *
 * @example
 * ```ts
 * import { fnv1a } from "./memory.ts";
 * console.log(fnv1a("")); // "811c9dc5"
 * ```
 */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

function asConfig(input: unknown): Config {
  // validateConfig accepts its own output, so a Config passes through unchanged.
  const result = validateConfig(input);
  if (!result.ok) throw new RangeError(`invalid simulation config: ${result.problems.map((p) => `${p.path} ${p.message}`).join("; ")}`);
  return result.config;
}

/** Options of the memory `Adapter`. */
export interface MemoryAdapterOptions {
  /** Scripts per spawn. @default every worker boots in 50 ms and behaves */
  readonly script?: ScriptFor;
}

/** The memory adapter: the `Adapter` contract plus control of virtual time. */
export interface MemoryAdapter extends Adapter {
  /** Let virtual time pass, running every timer and process event due. */
  advance(ms: number): void;
  /** Pids of live virtual processes. */
  livePids(): number[];
}

/**
 * The virtual world behind the `Adapter` contract, so the driver runs on
 * virtual time. IPC workers send `{ steward: 1, type: "ready" }` after
 * their boot time, and heartbeats when asked.
 *
 * @param options Worker scripts.
 * @returns A memory adapter.
 *
 * @example
 * ```ts
 * import { createAdapter } from "./memory.ts";
 * const adapter = createAdapter();
 * let fired = false;
 * adapter.clock.setTimer(adapter.clock.now() + 100, () => (fired = true));
 * adapter.advance(100);
 * console.log(fired); // true
 * ```
 */
export function createAdapter(options: MemoryAdapterOptions = {}): MemoryAdapter {
  const scheduler = new Scheduler();
  const script: ScriptFor = options.script ?? (() => ({}));
  const processes = new Set<VirtualProcess>();
  let nextPid = 1000;
  let spawns = 0;
  const clock: Clock = {
    now: () => scheduler.now,
    setTimer: (at: number, callback: () => void): TimerHandle => scheduler.schedule(at, callback),
    clearTimer: (handle: TimerHandle): void => {
      (handle as Scheduled).cancelled = true;
    },
  };
  return {
    runtime: "memory",
    clock,
    spawn(spec: SpawnSpec, listener: ProcessListener): Promise<ProcessHandle> {
      const chosen = script(spec, spawns++);
      if (chosen.spawnFails === true) return Promise.reject(new Error(`spawn ${spec.command[0]} ENOENT`));
      const pid = nextPid++;
      const process = new VirtualProcess(pid, spec, chosen, scheduler, {
        ready: () => listener.message({ steward: 1, type: "ready" }),
        heartbeat: () => listener.message({ steward: 1, type: "heartbeat" }),
        exited: (code, signal) => {
          processes.delete(process);
          listener.exit(code, signal);
        },
      });
      processes.add(process);
      return Promise.resolve({
        pid,
        send: (message: unknown) => {
          if ((message as { type?: unknown })?.type === "stop") process.requestStop();
        },
        signal: (signal: SignalName) => process.signal(signal),
      });
    },
    // Virtual workers open no sockets; every address binds.
    listen: () => Promise.resolve(),
    close: () => Promise.resolve(),
    advance: (ms: number) => void scheduler.runUntil(scheduler.now + ms),
    livePids: () => [...processes].filter((p) => p.alive).map((p) => p.pid),
  };
}
