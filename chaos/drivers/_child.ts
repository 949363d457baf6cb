/**
 * A launcher's master as a child of the harness: its stdout split into
 * lines as they arrive, its exit awaited, and every line kept. It runs in
 * its own process group, so whatever it leaves (a worker orphaned by its
 * SIGKILL, a zombie the container's init never reaps) stays out of the
 * harness's group and can be found by that group.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Driver, Lifecycle } from "../driver.ts";
import { killQuietly, pause } from "../_proc.ts";

/**
 * One output line of a master as a JSON object, or null when it is not one
 * (a plain log line, a partial line, an array or a primitive).
 *
 * @example
 * ```ts
 * import { jsonLine } from "./_child.ts";
 * console.log(jsonLine('{"type":"ready"}')?.type); // "ready"
 * console.log(jsonLine("hello")); // null
 * ```
 */
export function jsonLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

/** Masters not yet exited: if the harness itself is interrupted, their process groups are killed on the way out. */
const running = new Set<MasterProcess>();
let guarded = false;

/**
 * A SIGINT, SIGTERM or SIGHUP of the harness (Ctrl-C, the test runner's
 * time limit) kills the running masters' groups. Where nothing else listens
 * for that signal (a test), it then ends the harness as the signal would;
 * an entry point with its own cleanup (bench/run.ts, chaos/cli.ts) exits
 * when that is done.
 */
function guardInterrupts(): void {
  if (guarded) return;
  guarded = true;
  const codes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
  for (const signal of ["SIGHUP", "SIGINT", "SIGTERM"] as const) {
    const onSignal = (): void => {
      for (const master of running) if (master.pid !== undefined) killQuietly(-master.pid);
      if (process.listeners(signal).every((listener) => listener === onSignal)) process.exit(codes[signal]);
    };
    // First in line, so another listener registered with `once` is still there to be seen.
    process.prependListener(signal, onSignal);
  }
}

/** A running master process. */
export class MasterProcess {
  readonly child: ChildProcess;
  readonly stderr: string[] = [];
  exit: { code: number | null; signal: string | null } | null = null;
  readonly exited: Promise<void>;
  #partial = "";
  #errPartial = "";

  /**
   * @param argv The master's command.
   * @param env Its environment (on top of the harness's).
   * @param onLine Called with each stdout line.
   */
  constructor(argv: readonly string[], env: Readonly<Record<string, string>>, onLine: (line: string) => void) {
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env }, detached: true });
    this.child.stdout!.setEncoding("utf8");
    this.child.stderr!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      for (const line of parts) onLine(line);
    });
    this.child.stderr!.on("data", (chunk: string) => {
      const parts = (this.#errPartial + chunk).split("\n");
      this.#errPartial = parts.pop()!;
      this.stderr.push(...parts.slice(0, Math.max(0, 200 - this.stderr.length)));
    });
    guardInterrupts();
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve();
      });
      this.child.once("error", (error) => {
        this.stderr.push(String(error));
        this.exit = { code: null, signal: null };
        running.delete(this);
        resolve();
      });
    });
    this.child.stdin!.on("error", () => undefined);
  }

  /** The master's pid (undefined if it could not start). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a signal unless it has exited. */
  signal(signal: NodeJS.Signals): void {
    if (this.exit === null) this.child.kill(signal);
  }

  /** Writes one line to its stdin. */
  write(line: string): void {
    if (this.exit === null) this.child.stdin!.write(`${line}\n`);
  }

  /** Resolves once it exited; SIGKILL after `ms`. */
  async waitExit(ms: number): Promise<void> {
    const timedOut = pause(ms).then(() => "timeout" as const);
    if (await Promise.race([this.exited.then(() => "exited" as const), timedOut]) === "timeout") {
      this.signal("SIGKILL");
      await this.exited;
    }
  }

  /** Resolves once `condition()` holds (checked on every poll), failing after `ms` or when the master exits. */
  async until(what: string, condition: () => boolean, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (!condition()) {
      if (this.exit !== null) throw new Error(`the master exited (${JSON.stringify(this.exit)}) before ${what}; stderr: ${this.stderr.slice(-3).join(" | ")}`);
      if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await pause(20);
    }
  }
}

/**
 * The stop, kill and close of a driver whose launcher is one master process
 * reporting its workers' lifecycle: graceful stop by SIGTERM, then every
 * worker it ever spawned is killed on close.
 *
 * @param master The master, once started.
 * @param lifecycle The lifecycle list the driver fills.
 * @returns The driver methods.
 * @example
 * ```ts
 * const driver = { ...masterControls(() => master, lifecycle), start, pids, reload, scale };
 * ```
 */
export function masterControls(master: () => MasterProcess | null, lifecycle: readonly Lifecycle[]): Pick<Driver, "stop" | "killMaster" | "lifecycle" | "close"> {
  return {
    async stop(): Promise<void> {
      master()?.signal("SIGTERM");
      await master()?.waitExit(30_000);
    },
    async killMaster(): Promise<void> {
      master()?.signal("SIGKILL");
      await master()?.exited;
    },
    lifecycle: () => lifecycle,
    async close(): Promise<void> {
      master()?.signal("SIGKILL");
      await master()?.exited;
      for (const event of lifecycle) if (event.kind === "spawned") killQuietly(event.pid);
    },
  };
}
