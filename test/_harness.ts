/**
 * Shared rig for tests that start real processes. Every such test runs
 * inside `withProcesses`, which gives it:
 * - a cap on how many processes it may start (`spawn` throws past it),
 * - a time limit (the test fails, and still cleans up, when it is reached),
 * - cleanup in `finally`: SIGKILL to every pid it started or adopted and to
 *   their process groups, the adapter closed, then a `ps` check that none of
 *   them (nor anything in their groups) is still alive.
 * Waiting is always for an event, with a timeout that fails the test; no
 * test sleeps for a fixed time to let state settle.
 *
 * A zombie counts as gone: on this kind of machine (a container whose pid 1
 * does not reap orphans) a worker orphaned by a killed master stays a
 * `<defunct>` entry forever, yet it is dead and holds nothing.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Adapter, OutputStream, ProcessHandle } from "../src/adapter.ts";
import type { SpawnSpec } from "../src/core/types.ts";
import { type DetectedRuntime, detectRuntime, loadAdapter } from "../adapters/_detect.ts";
import type { AdapterOptions } from "../adapters/_child_process.ts";

/** The repository root, whether this file runs from `test/` or `.build/test/`. */
export const ROOT: string = (() => {
  const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  return here.endsWith("/.build") ? here.slice(0, -"/.build".length) : here;
})();

/** The runtime running the tests. */
export const RUNTIME: DetectedRuntime = detectRuntime();

/** Every runtime a worker can run on. */
export const RUNTIMES: readonly DetectedRuntime[] = ["node", "deno", "bun"];

/** The built JavaScript of a fixture; child processes always run these. */
export function fixture(name: string): string {
  return `${ROOT}/.build/test/fixtures/${name}.js`;
}

/** The command that runs a built script on a runtime. */
export function command(runtime: DetectedRuntime, script: string, ...args: string[]): string[] {
  switch (runtime) {
    case "node":
      return ["node", script, ...args];
    case "deno":
      return [`${ROOT}/node_modules/.bin/deno`, "run", "-A", script, ...args];
    case "bun":
      return [`${ROOT}/node_modules/.bin/bun`, script, ...args];
  }
}

/** A TCP port free on 127.0.0.1 a moment ago (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Rejects after `ms` with a message naming what was awaited. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Everything the adapter reported about one worker, with a way to await any of it. */
export class Recorder {
  readonly messages: unknown[] = [];
  readonly lines: { stream: OutputStream; text: string }[] = [];
  exit: { code: number | null; signal: string | null } | null = null;
  /** Listener calls in order, to check nothing follows `exit`. */
  readonly calls: string[] = [];
  #waiters: (() => void)[] = [];

  readonly listener = {
    message: (message: unknown): void => {
      this.calls.push("message");
      this.messages.push(message);
      this.#wake();
    },
    line: (stream: OutputStream, text: string): void => {
      this.calls.push("line");
      this.lines.push({ stream, text });
      this.#wake();
    },
    exit: (code: number | null, signal: string | null): void => {
      this.calls.push("exit");
      this.exit = { code, signal };
      this.#wake();
    },
  };

  /** Output lines of one stream. */
  out(stream: OutputStream = "stdout"): string[] {
    return this.lines.filter((line) => line.stream === stream).map((line) => line.text);
  }

  /** Resolves once `condition()` holds; fails after `ms`, or at once if the process exited without it. */
  until(what: string, condition: () => boolean, ms = 5_000): Promise<void> {
    if (condition()) return Promise.resolve();
    const state = (): string => JSON.stringify({ lines: this.lines.slice(-5), messages: this.messages.slice(-3), exit: this.exit });
    return within(ms, what, new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (condition()) resolve();
        // Nothing follows exit: a condition still false then never holds.
        else if (this.exit !== null) reject(new Error(`the process exited before ${what}`));
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    })).catch((error: Error) => {
      throw new Error(`${error.message}; so far: ${state()}`);
    });
  }

  /** Resolves with the exit status; fails after `ms`. */
  async exited(ms = 5_000): Promise<{ code: number | null; signal: string | null }> {
    await this.until("exit", () => this.exit !== null, ms);
    return this.exit!;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** A started worker as a test sees it. */
export interface Started {
  readonly handle: ProcessHandle;
  readonly record: Recorder;
}

/** What a test gets from `withProcesses`. */
export interface Rig {
  readonly adapter: Adapter;
  /** Spawns through the adapter, counting against the cap and tracking the pid. */
  spawn(command: readonly string[], options?: { ipc?: boolean; env?: Record<string, string>; cwd?: string; heartbeatMs?: number }): Promise<Started>;
  /** Tracks pids started by someone else (a master fixture's workers) for cleanup. */
  adopt(pids: readonly number[]): void;
}

/** Options of `withProcesses`. */
export interface RigOptions {
  /** Most processes the test may start, its own workers plus adopted ones. */
  readonly maxProcesses: number;
  /** Time limit of the whole test body. */
  readonly timeLimitMs: number;
  /** Options for the adapter the rig creates. */
  readonly adapter?: AdapterOptions;
}

let nextId = 1;

/** Runs a test body with a process cap, a time limit and guaranteed cleanup. */
export async function withProcesses(options: RigOptions, body: (rig: Rig) => Promise<void>): Promise<void> {
  const adapter = await loadAdapter(options.adapter ?? {});
  const pids = new Set<number>();
  let started = 0;
  const count = (n: number): void => {
    started += n;
    if (started > options.maxProcesses) {
      throw new Error(`test started ${started} processes, more than its cap of ${options.maxProcesses}`);
    }
  };
  const rig: Rig = {
    adapter,
    async spawn(argv, spawnOptions = {}): Promise<Started> {
      count(1);
      const record = new Recorder();
      const spec: SpawnSpec = {
        id: nextId++,
        group: "test",
        slot: 0,
        generation: 1,
        command: argv,
        cwd: spawnOptions.cwd ?? null,
        env: spawnOptions.env ?? {},
        ipc: spawnOptions.ipc ?? false,
        heartbeatMs: spawnOptions.heartbeatMs ?? 0,
      };
      const handle = await adapter.spawn(spec, record.listener);
      pids.add(handle.pid);
      return { handle, record };
    },
    adopt(more): void {
      count(more.length);
      for (const pid of more) pids.add(pid);
    },
  };
  let failure: unknown = null;
  try {
    await within(options.timeLimitMs, "the test body (its time limit)", body(rig));
  } catch (error) {
    failure = error;
  }
  try {
    await cleanUp(adapter, pids);
  } catch (error) {
    failure ??= error;
  }
  if (failure !== null) throw failure;
}

async function cleanUp(adapter: Adapter, pids: ReadonlySet<number>): Promise<void> {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await adapter.close();
  const deadline = performance.now() + 3_000;
  let left = await survivors(pids);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = await survivors(pids);
  }
  if (left.length > 0) throw new Error(`processes left behind after cleanup: ${left.join("; ")}`);
}

/** `ps` lines of live (non-zombie) processes that are, or share a process group with, one of `pids`. */
export async function survivors(pids: ReadonlySet<number>): Promise<string[]> {
  if (pids.size === 0) return [];
  const table = await ps();
  return table
    .filter((row) => !row.zombie && (pids.has(row.pid) || pids.has(row.pgid) || isOurKeeper(row)))
    .map((row) => row.line);
}

/** The rig's adapter keeper must be gone after `close()` too. */
function isOurKeeper(row: PsRow): boolean {
  return row.ppid === process.pid && row.line.includes(KEEPER_MARK);
}

/** True while `pid` names a process that is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  return (await aliveOf([pid])).length === 1;
}

/** Polls (every 20 ms, bounded) until no pid is alive; returns those still alive at the deadline. */
export async function awaitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  for (;;) {
    const alive = await aliveOf(pids);
    if (alive.length === 0 || performance.now() >= deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pids of `pids` that name live (non-zombie) processes, with one `ps` at most. */
async function aliveOf(pids: readonly number[]): Promise<number[]> {
  const signalled = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw error;
    }
  });
  if (signalled.length === 0) return [];
  const live = new Set((await ps()).filter((row) => !row.zombie).map((row) => row.pid));
  return signalled.filter((pid) => live.has(pid));
}

/** Live children of `parent` that are orphan keepers (the keeper script's command line). */
export async function keepersOf(parent: number): Promise<number[]> {
  return (await ps()).filter((row) => !row.zombie && row.ppid === parent && row.line.includes(KEEPER_MARK)).map((row) => row.pid);
}

const KEEPER_MARK = "-c trap '' INT TERM HUP";

interface PsRow {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly zombie: boolean;
  readonly line: string;
}

function ps(): Promise<PsRow[]> {
  return new Promise((resolve, reject) => {
    execFile("ps", ["-eo", "pid=,ppid=,pgid=,stat=,args="], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error !== null) {
        reject(error);
        return;
      }
      const rows: PsRow[] = [];
      for (const line of String(stdout).split("\n")) {
        const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)/.exec(line);
        if (match === null) continue;
        rows.push({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), zombie: match[4]!.startsWith("Z"), line: line.trim() });
      }
      resolve(rows);
    });
  });
}
