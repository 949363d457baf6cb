/**
 * The one contract every runtime adapter implements: `adapters/node.ts`,
 * `adapters/deno.ts`, `adapters/bun.ts` and the virtual-time
 * `adapters/memory.ts`. The driver (`src/supervisor.ts`) talks to nothing
 * else, so the same supervision runs on every runtime and in simulation.
 *
 * An adapter only provides primitives: a clock, timers, and processes it can
 * spawn, message and signal. It makes no policy decision.
 *
 * @module
 */

import type { ListenAddress, SignalName, SpawnSpec } from "./core/types.ts";

/** Runtimes an adapter can stand for. */
export type RuntimeKey = "node" | "deno" | "bun" | "memory";

/** An opaque handle returned by `Clock.setTimer`. */
export type TimerHandle = unknown;

/** Monotonic time and timers: real on a runtime, virtual in memory. */
export interface Clock {
  /** Milliseconds on a monotonic clock (`performance.now()` on a real runtime). */
  now(): number;
  /** Call `callback` once `now()` has reached `at`. */
  setTimer(at: number, callback: () => void): TimerHandle;
  /** Cancel a timer; cancelling a fired or cancelled timer is a no-op. */
  clearTimer(handle: TimerHandle): void;
}

/** Where a worker's output line came from. */
export type OutputStream = "stdout" | "stderr";

/** Callbacks an adapter makes about one worker process, each after `spawn` returned. */
export interface ProcessListener {
  /** A decoded message from the worker's IPC channel. */
  message(message: unknown): void;
  /** One line of output, without its line ending; a last unterminated line is flushed before `exit`. */
  line(stream: OutputStream, text: string): void;
  /** The process ended; called exactly once, after its last `line` and `message`. */
  exit(code: number | null, signal: string | null): void;
}

/** A running worker process. */
export interface ProcessHandle {
  readonly pid: number;
  /** Send a JSON-serialisable message over IPC; dropped silently if the channel is gone. */
  send(message: unknown): void;
  /** Deliver a signal by pid (never through a handle that a runtime would mark dead). */
  signal(signal: SignalName): void;
}

/** The contract. */
export interface Adapter {
  readonly runtime: RuntimeKey;
  readonly clock: Clock;
  /**
   * Start a worker. Throws (or rejects) when the process could not be started,
   * e.g. the program does not exist; the listener is then never called.
   */
  spawn(spec: SpawnSpec, listener: ProcessListener): Promise<ProcessHandle>;
  /**
   * Bind the listening socket that workers spawned with `spec.listen` equal
   * to `address` share, if not bound yet; `spawn` binds it too on first use.
   * Rejects with a one-line reason (e.g. the address is in use), so a caller
   * can refuse a config before any worker starts. Held until `close()`.
   */
  listen(address: ListenAddress): Promise<void>;
  /** Release what the adapter holds (e.g. its orphan keeper) once every worker has exited. */
  close(): Promise<void>;
}
