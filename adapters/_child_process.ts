/**
 * The `Adapter` contract over `node:child_process`, shared by the Node,
 * Deno and Bun adapters; each of them only names its runtime and passes its
 * quirks.
 *
 * Rules:
 * - Workers run detached, in their own process group, so a terminal Ctrl-C
 *   reaches the master only. Signals go by pid through `process.kill`, never
 *   through `ChildProcess.kill` (Deno then marks the child dead, closes its
 *   IPC channel, ignores any later signal and reports a handled SIGTERM as a
 *   death by SIGTERM).
 * - IPC, when asked for, uses JSON serialisation: the one format all nine
 *   master/worker runtime pairs share.
 * - stdout and stderr are piped and split into lines by `src/_lines.ts`.
 * - `exit` is reported once the process was reaped and both output streams
 *   (and the IPC channel) have ended, so no line or message is lost when a
 *   worker crashes right after writing. A grandchild holding a pipe open
 *   cannot delay it by more than `outputDrainMs`.
 * - Every listener call happens after the `spawn` promise has resolved.
 * - A spawn that fails (ENOENT, EACCES, a missing cwd) rejects; the listener
 *   is never called.
 * - One orphan keeper (`_keeper.ts`) per adapter, started with the first
 *   spawn, SIGKILLs the workers if the master dies.
 * - A spawn spec with `listen` gets the group's shared socket
 *   (`_shared_socket.ts`), bound on first use and held until `close()`.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Adapter, Clock, OutputStream, ProcessHandle, ProcessListener, RuntimeKey, TimerHandle } from "../src/adapter.ts";
import type { ListenAddress, SignalName, SpawnSpec } from "../src/core/types.ts";
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter } from "../src/_lines.ts";
import { Keeper, type KeeperLauncher, launchKeeperWithChildProcess } from "./_keeper.ts";
import { openSharedSocket, type SharedSocket, type SocketSharing } from "./_shared_socket.ts";

/** Options of every `node:child_process` based adapter. */
export interface AdapterOptions {
  /**
   * Run the orphan keeper, which SIGKILLs every worker's process group when
   * the master dies. Off on Windows, which has no `/bin/sh`.
   * @default true
   */
  readonly keeper?: boolean;
  /**
   * The POSIX shell that runs the keeper.
   * @default "/bin/sh"
   */
  readonly keeperShell?: string;
  /**
   * Longest output line delivered in one piece (UTF-16 code units); longer lines are split.
   * @default 65536
   */
  readonly maxLineLength?: number;
  /**
   * After a worker was reaped, how long to wait for its output to end before
   * reporting the exit anyway (a grandchild may hold the pipe open).
   * @default 500
   */
  readonly outputDrainMs?: number;
}

/** The runtime differences the shared adapter lets each runtime adjust. */
export interface RuntimeQuirks {
  /**
   * Turns the exit status the runtime reported into the true one.
   * @default the status unchanged
   */
  readonly normaliseExit?: (code: number | null, signal: string | null) => { code: number | null; signal: string | null };
  /**
   * Starts the orphan keeper process; its `write` must reach the pipe before returning.
   * @default launchKeeperWithChildProcess (`node:child_process`)
   */
  readonly launchKeeper?: KeeperLauncher;
  /**
   * How a group's shared `port` reaches the workers (see `_shared_socket.ts`).
   * @default "fd"
   */
  readonly socketSharing?: SocketSharing;
}

/** Environment variables that hand a worker its IPC channel or shared socket; never inherited from the master. */
const CHANNEL_VARIABLES = [
  "NODE_CHANNEL_FD",
  "NODE_CHANNEL_SERIALIZATION_MODE",
  "STEWARD_IPC",
  "STEWARD_HOST",
  "STEWARD_PORT",
  "STEWARD_LISTEN_FD",
  "STEWARD_REUSE_PORT",
] as const;

/** setTimeout's largest delay; longer timers re-arm in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Builds an adapter over `node:child_process`.
 *
 * @param runtime The runtime key the adapter reports.
 * @param quirks Adjustments for this runtime.
 * @param options The caller's options.
 * @returns A fresh adapter; its keeper starts with the first spawn.
 * @example Build the Node adapter
 * ```ts
 * const adapter = createChildProcessAdapter("node", {}, { keeper: true });
 * ```
 */
export function createChildProcessAdapter(runtime: RuntimeKey, quirks: RuntimeQuirks, options: AdapterOptions = {}): Adapter {
  const {
    keeper: keeperWanted = true,
    keeperShell = "/bin/sh",
    maxLineLength = DEFAULT_MAX_LINE_LENGTH,
    outputDrainMs = 500,
  } = options;
  if (!Number.isInteger(maxLineLength) || maxLineLength < 2) {
    throw new RangeError(`createAdapter: options.maxLineLength must be an integer >= 2, received ${maxLineLength}`);
  }
  if (!Number.isFinite(outputDrainMs) || outputDrainMs < 0) {
    throw new RangeError(`createAdapter: options.outputDrainMs must be a finite number >= 0, received ${outputDrainMs}`);
  }
  const keeper = keeperWanted && process.platform !== "win32" ? new Keeper(keeperShell, quirks.launchKeeper ?? launchKeeperWithChildProcess) : null;
  const normaliseExit = quirks.normaliseExit ?? ((code, signal) => ({ code, signal }));
  const sharing = quirks.socketSharing ?? "fd";
  const sockets = new Map<string, Promise<SharedSocket>>();
  const socketFor = (address: ListenAddress): Promise<SharedSocket> => {
    const key = `${address.host}|${address.port}`;
    let socket = sockets.get(key);
    if (socket === undefined) {
      socket = openSharedSocket({ address, sharing });
      sockets.set(key, socket);
      // A failed bind is not cached: the next spawn or listen() tries again.
      socket.catch(() => sockets.delete(key));
    }
    return socket;
  };
  let closed = false;

  return {
    runtime,
    clock: realClock,
    async spawn(spec: SpawnSpec, listener: ProcessListener): Promise<ProcessHandle> {
      if (closed) throw new Error(`spawn of worker ${spec.id} failed: the adapter is closed`);
      const [program, ...args] = spec.command;
      if (program === undefined || program === "") {
        throw new TypeError(`spawn of worker ${spec.id} failed: command must name a program, received ${JSON.stringify(spec.command)}`);
      }
      const socket = spec.listen === undefined ? null : await socketFor(spec.listen);
      if (keeper !== null) await keeper.ensure();
      const stdio: ("ignore" | "pipe" | "ipc" | number)[] = spec.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"];
      const env = workerEnv(spec);
      if (socket !== null) {
        env.STEWARD_HOST = socket.address.host;
        env.STEWARD_PORT = String(socket.address.port);
        if (socket.fd === null) env.STEWARD_REUSE_PORT = "1";
        else {
          env.STEWARD_LISTEN_FD = String(stdio.length);
          stdio.push(socket.fd);
        }
      }
      const child = spawn(program, args, {
        cwd: spec.cwd ?? undefined,
        env,
        stdio,
        serialization: "json",
        detached: true,
        windowsHide: true,
      });
      const worker = new WorkerProcess(child, spec.ipc, listener, maxLineLength, outputDrainMs, normaliseExit, keeper);
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", (error: Error) => {
          reject(new Error(`spawn of worker ${spec.id} (${program}) failed: ${error.message}`, { cause: error }));
        });
      });
      return worker.started();
    },
    async listen(address: ListenAddress): Promise<void> {
      await socketFor(address);
    },
    async close(): Promise<void> {
      closed = true;
      for (const socket of sockets.values()) socket.then((bound) => bound.close(), () => undefined);
      sockets.clear();
      await keeper?.close();
    },
  };
}

/** One spawned worker: turns child process events into listener calls, in order. */
class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #listener: ProcessListener;
  readonly #normaliseExit: NonNullable<RuntimeQuirks["normaliseExit"]>;
  readonly #keeper: Keeper | null;
  readonly #drainMs: number;
  /** Listener calls held back until `spawn` has returned. */
  #queue: (() => void)[] | null = [];
  #reaped = false;
  #registered = false;
  #finished = false;
  #status: { code: number | null; signal: string | null } = { code: null, signal: null };
  #open: number;
  #drainTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #splitters: LineSplitter[] = [];

  constructor(
    child: ChildProcess,
    ipc: boolean,
    listener: ProcessListener,
    maxLineLength: number,
    drainMs: number,
    normaliseExit: NonNullable<RuntimeQuirks["normaliseExit"]>,
    keeper: Keeper | null,
  ) {
    this.#child = child;
    this.#listener = listener;
    this.#normaliseExit = normaliseExit;
    this.#keeper = keeper;
    this.#drainMs = drainMs;
    // Streams and channel still open; exit waits for all of them.
    this.#open = ipc ? 3 : 2;
    this.#pipe("stdout", maxLineLength);
    this.#pipe("stderr", maxLineLength);
    if (ipc) {
      child.on("message", (message: unknown) => this.#report(() => listener.message(message)));
      let channelClosed = false;
      child.once("disconnect", () => {
        channelClosed = true;
        this.#closed();
      });
      child.once("exit", () => {
        if (!channelClosed && !child.connected) {
          channelClosed = true;
          this.#closed();
        }
      });
    }
    child.once("exit", (code: number | null, signal: NodeJS.Signals | null) => this.#reap(code ?? null, signal ?? null));
    // Errors after the spawn (a failed send, a failed kill) must not crash the master.
    child.on("error", () => undefined);
    // Register at once: a master killed before the spawn event must not leave this one behind.
    if (child.pid !== undefined) this.#register(child.pid);
  }

  /** Called once the process exists: registers it and opens the gate to the listener. */
  started(): ProcessHandle {
    const child = this.#child;
    const pid = child.pid!;
    if (!this.#reaped) this.#register(pid);
    // Let the caller store the handle before the first listener call.
    setTimeout(() => {
      const queue = this.#queue ?? [];
      this.#queue = null;
      for (const call of queue) call();
    }, 0);
    const isGone = (): boolean => this.#reaped;
    return {
      pid,
      send(message: unknown): void {
        if (isGone() || !child.connected) return;
        try {
          child.send(message as object, (error: Error | null) => void error);
        } catch {
          // The channel closed between the check and the send: dropped, as the contract says.
        }
      },
      signal(signal: SignalName): void {
        // Once reaped, the pid may belong to someone else.
        if (isGone()) return;
        try {
          process.kill(pid, signal);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      },
    };
  }

  #register(pid: number): void {
    if (this.#registered) return;
    this.#registered = true;
    this.#keeper?.add(pid);
  }

  #pipe(name: OutputStream, maxLineLength: number): void {
    const stream = this.#child[name];
    if (stream == null) {
      this.#closed();
      return;
    }
    const splitter = new LineSplitter((text) => this.#report(() => this.#listener.line(name, text)), maxLineLength);
    this.#splitters.push(splitter);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      splitter.end();
      this.#closed();
    };
    stream.on("data", (chunk: Uint8Array) => splitter.push(chunk));
    stream.once("end", end);
    stream.once("close", end);
    stream.once("error", end);
  }

  #reap(code: number | null, signal: string | null): void {
    if (this.#reaped) return;
    this.#reaped = true;
    this.#status = this.#normaliseExit(code, signal);
    const pid = this.#child.pid;
    if (this.#registered && pid !== undefined) this.#keeper?.remove(pid);
    if (this.#open > 0) {
      this.#drainTimer = setTimeout(() => this.#abandonOutput(), this.#drainMs);
    }
    this.#finishIfDone();
  }

  /** A grandchild still holds a pipe (or the channel): stop reading, flush what was read, report the exit. */
  #abandonOutput(): void {
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    if (this.#child.connected) {
      try {
        this.#child.disconnect();
      } catch {
        // Closed meanwhile.
      }
    }
    for (const splitter of this.#splitters) splitter.end();
    this.#open = 0;
    this.#finishIfDone();
  }

  #closed(): void {
    this.#open -= 1;
    this.#finishIfDone();
  }

  #finishIfDone(): void {
    if (this.#finished || !this.#reaped || this.#open > 0) return;
    this.#finished = true;
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    const { code, signal } = this.#status;
    this.#deliver(() => this.#listener.exit(code, signal));
  }

  /** A message or a line: never after `exit`. */
  #report(call: () => void): void {
    if (!this.#finished) this.#deliver(call);
  }

  #deliver(call: () => void): void {
    if (this.#queue !== null) {
      this.#queue.push(call);
      return;
    }
    call();
  }
}

/** The worker's environment: the master's, the spec's, then steward's own variables. */
function workerEnv(spec: SpawnSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, spec.env);
  for (const name of CHANNEL_VARIABLES) delete env[name];
  env.STEWARD_WORKER_ID = String(spec.id);
  env.STEWARD_GROUP = spec.group;
  env.STEWARD_SLOT = String(spec.slot);
  env.STEWARD_GENERATION = String(spec.generation);
  env.STEWARD_HEARTBEAT_MS = String(spec.heartbeatMs);
  if (spec.ipc) env.STEWARD_IPC = "1";
  return env;
}

/** A timer of the real clock; re-arms itself until `now()` has truly reached `at`. */
class RealTimer {
  readonly #at: number;
  readonly #callback: () => void;
  #timeout: ReturnType<typeof setTimeout> | null = null;

  constructor(at: number, callback: () => void) {
    this.#at = at;
    this.#callback = callback;
    this.#arm();
  }

  cancel(): void {
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    this.#timeout = null;
  }

  #arm(): void {
    // setTimeout runs on a millisecond loop clock and may fire a fraction early; round up.
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(this.#at - performance.now())));
    this.#timeout = setTimeout(() => {
      if (performance.now() < this.#at) {
        this.#arm();
        return;
      }
      this.#timeout = null;
      this.#callback();
    }, delay);
  }
}

/** Monotonic time from `performance.now()`, timers from `setTimeout`. */
const realClock: Clock = {
  now(): number {
    return performance.now();
  },
  setTimer(at: number, callback: () => void): TimerHandle {
    return new RealTimer(at, callback);
  },
  clearTimer(handle: TimerHandle): void {
    if (handle instanceof RealTimer) handle.cancel();
  },
};
