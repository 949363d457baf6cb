/**
 * The Bun adapter: workers are child processes from Bun's
 * `node:child_process`.
 *
 * Bun's quirks:
 * - IPC serialisation: `Bun.spawn({ ipc })` defaults to Bun's own
 *   "advanced" format, which other runtimes cannot read (a Node worker sees
 *   its channel close at once; a Deno worker dies with `Uncaught
 *   UnexpectedEof: ipc stream closed while reading message`). Bun's
 *   `node:child_process` speaks JSON, which the shared adapter also asks for
 *   explicitly, so a Bun master talks to Node, Deno and Bun workers alike.
 * - Writes to a child's stdin pipe through `node:child_process` leave the
 *   process only at Bun's next event-loop turn (`writableLength` is already
 *   0), so a master SIGKILLed right after a spawn never told its keeper about
 *   the worker. The keeper is therefore started with `Bun.spawn`, whose stdin
 *   `FileSink` is flushed after every write.
 * - Bun cannot hand a listening socket to a child, so a group's shared
 *   `port` is shared with `SO_REUSEPORT` (each worker binds its own socket).
 *
 * @example Spawn a worker on Bun
 * ```ts
 * import { createAdapter } from "steward/bun";
 * const adapter = createAdapter();
 * const handle = await adapter.spawn(spec, listener);
 * ```
 *
 * @module
 */

import type { Adapter } from "../src/adapter.ts";
import { type AdapterOptions, createChildProcessAdapter } from "./_child_process.ts";
import { type KeeperLauncher, type KeeperProcess, launchKeeperWithChildProcess } from "./_keeper.ts";

export type { AdapterOptions } from "./_child_process.ts";

/** The runtime this adapter serves. */
export const runtime: "bun" = "bun";

/**
 * Creates an adapter for a master running on Bun.
 *
 * @param options Orphan keeper and output settings; every field has a default.
 * @returns An adapter whose orphan keeper starts with the first spawn.
 * @example Create one and release it when done
 * ```ts
 * const adapter = createAdapter({ keeper: true });
 * // ... spawn workers, wait for them to exit ...
 * await adapter.close();
 * ```
 */
export function createAdapter(options: AdapterOptions = {}): Adapter {
  return createChildProcessAdapter(runtime, { launchKeeper: launchKeeperWithBunSpawn, socketSharing: "reusePort" }, options);
}

/** The slice of Bun's API the keeper launcher uses (no Bun types are installed). */
interface BunFileSink {
  write(chunk: string): number;
  flush(): number | Promise<number> | undefined;
  end(): number | Promise<number> | undefined;
  unref?(): void;
}

interface BunSubprocess {
  readonly pid: number;
  readonly stdin: BunFileSink;
  readonly exited: Promise<number>;
  unref(): void;
}

interface BunApi {
  spawn(command: string[], options: { stdin: "pipe"; stdout: "ignore"; stderr: "ignore"; detached: boolean }): BunSubprocess;
}

/** Swallows a rejection of what a FileSink call may return once the keeper is gone. */
function settle(result: unknown): void {
  if (result instanceof Promise) result.catch(() => undefined);
}

/** Starts the keeper with `Bun.spawn`, flushing its stdin after every write. */
const launchKeeperWithBunSpawn: KeeperLauncher = async (shell, script): Promise<KeeperProcess> => {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  // Loaded outside Bun (a test, a bundler): node:child_process still works, with Bun's delay if it is Bun.
  if (bun === undefined) return launchKeeperWithChildProcess(shell, script);
  // Throws at once (ENOENT) when the shell does not exist.
  const child = bun.spawn([shell, "-c", script], { stdin: "pipe", stdout: "ignore", stderr: "ignore", detached: true });
  child.unref();
  child.stdin.unref?.();
  let exited = false;
  const waiting: (() => void)[] = [];
  void child.exited.then(() => {
    exited = true;
    for (const callback of waiting.splice(0)) callback();
  });
  return {
    pid: child.pid,
    write(text: string): void {
      if (exited) return;
      try {
        child.stdin.write(text);
        settle(child.stdin.flush());
      } catch {
        // The keeper is gone; its exit callback starts a new one.
      }
    },
    end(): void {
      try {
        settle(child.stdin.end());
      } catch {
        // Already closed.
      }
    },
    onExit(callback: () => void): void {
      if (exited) callback();
      else waiting.push(callback);
    },
  };
};
