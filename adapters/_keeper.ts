/**
 * The orphan keeper: one small `/bin/sh` process per adapter that kills the
 * adapter's workers when the master dies, even workers that never read IPC
 * or stdin (plain commands).
 *
 * Rules:
 * - The keeper runs detached (its own session and process group), ignores
 *   INT, TERM and HUP, and reads its stdin: a pipe whose only writer is the
 *   master.
 * - The master writes `+<pid>` after each spawn and `-<pid>` after each exit,
 *   and the write reaches the pipe before the call returns (Bun's
 *   `node:child_process` would hold it until its next event-loop turn, so a
 *   master killed right after a spawn leaked the worker; Bun's launcher
 *   flushes).
 * - On end of file (the master died, exited, or closed the pipe on purpose)
 *   the keeper SIGKILLs the process group of every pid still registered, or
 *   the pid itself if its group is gone, then exits.
 * - Only registered pids are ever killed: a pid is unregistered in the same
 *   callback that learns its process was reaped, before any later spawn can
 *   be given the same pid, so a reused pid is never hit.
 * - The keeper never keeps the master alive (the child and its pipe are
 *   unref'd). If it dies while the master lives, the next registration
 *   starts a fresh one and re-registers every live pid.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";

/**
 * The keeper's program. Pids are digits only; anything else is ignored. The
 * registry is a space-separated multiset, so `+p +p -p` leaves one `p`.
 */
const KEEPER_SCRIPT = `trap '' INT TERM HUP
pids=' '
while IFS= read -r line; do
  p=\${line#?}
  case $p in ''|*[!0-9]*) continue ;; esac
  case $line in
    +*) pids="$pids$p " ;;
    -*) case $pids in *" $p "*) pids="\${pids%% $p *} \${pids#* $p }" ;; esac ;;
  esac
done
for p in $pids; do kill -9 -"$p" 2>/dev/null || kill -9 "$p" 2>/dev/null; done
exit 0
`;

/** How long `close()` waits for the keeper to exit before killing it. */
const CLOSE_TIMEOUT_MS = 2_000;

/** A running keeper process, as a runtime provides it. */
export interface KeeperProcess {
  readonly pid: number;
  /**
   * Writes to the keeper's stdin before returning, so that a master killed
   * right after loses no registration. Errors (the keeper is gone) are swallowed.
   */
  write(text: string): void;
  /** Closes the keeper's stdin, which makes it act and exit. */
  end(): void;
  /** Calls `callback` once, when the keeper process has exited. */
  onExit(callback: () => void): void;
}

/** Starts `shell -c script` detached, with a pipe as stdin and output ignored; rejects if it cannot. */
export type KeeperLauncher = (shell: string, script: string) => Promise<KeeperProcess>;

/**
 * The keeper launcher over `node:child_process`. Node and Deno write to a
 * child's stdin pipe at once; Bun defers the write to its next event-loop
 * turn, so Bun brings its own launcher (see `adapters/bun.ts`).
 *
 * @param shell The shell to run.
 * @param script The keeper script.
 * @returns The started keeper.
 * @example Start a keeper by hand
 * ```ts
 * const keeper = new Keeper("/bin/sh", launchKeeperWithChildProcess);
 * ```
 */
export const launchKeeperWithChildProcess: KeeperLauncher = async (shell, script) => {
  const child = spawn(shell, ["-c", script], { stdio: ["pipe", "ignore", "ignore"], detached: true, windowsHide: true });
  // Write errors (EPIPE once the keeper is gone) surface as its exit instead.
  child.stdin?.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  child.on("error", () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let exited = false;
  const waiting: (() => void)[] = [];
  child.once("exit", () => {
    exited = true;
    for (const callback of waiting.splice(0)) callback();
  });
  return {
    pid: child.pid!,
    write(text: string): void {
      const stdin = child.stdin;
      if (stdin == null || stdin.destroyed || !stdin.writable) return;
      stdin.write(text);
    },
    end(): void {
      child.stdin?.end();
    },
    onExit(callback: () => void): void {
      if (exited) callback();
      else waiting.push(callback);
    },
  };
};

/**
 * One keeper process and the pids it guards.
 *
 * @example Guard a worker, then release the keeper
 * ```ts
 * const keeper = new Keeper("/bin/sh");
 * await keeper.ensure();
 * keeper.add(worker.pid);
 * // ... the worker exits ...
 * keeper.remove(worker.pid);
 * await keeper.close();
 * ```
 */
export class Keeper {
  readonly #shell: string;
  readonly #launch: KeeperLauncher;
  /** Registered pids and how often each is registered: a multiset, as in the script. */
  readonly #pids = new Map<number, number>();
  #child: KeeperProcess | null = null;
  #starting: Promise<void> | null = null;
  #closed = false;

  /**
   * @param shell A POSIX shell to run the keeper script with.
   * @param launch How this runtime starts the keeper process.
   */
  constructor(shell: string, launch: KeeperLauncher = launchKeeperWithChildProcess) {
    this.#shell = shell;
    this.#launch = launch;
  }

  /**
   * Starts the keeper unless it runs; rejects if it cannot be started.
   *
   * @returns Resolves once the keeper process exists.
   */
  ensure(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("orphan keeper: the adapter is closed"));
    if (this.#child !== null) return Promise.resolve();
    this.#starting ??= this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  /**
   * Registers a worker pid.
   *
   * @param pid The worker's pid, which is also its process group id.
   */
  add(pid: number): void {
    this.#pids.set(pid, (this.#pids.get(pid) ?? 0) + 1);
    this.#child?.write(`+${pid}\n`);
  }

  /**
   * Unregisters a worker pid once its process was reaped.
   *
   * @param pid The pid given to `add`.
   */
  remove(pid: number): void {
    const count = this.#pids.get(pid);
    if (count === undefined) return;
    if (count > 1) this.#pids.set(pid, count - 1);
    else this.#pids.delete(pid);
    this.#child?.write(`-${pid}\n`);
  }

  /**
   * Ends the keeper: closes its pipe, which makes it kill whatever is still
   * registered (nothing, if every worker exited) and exit.
   *
   * @returns Resolves once the keeper process has exited.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    const child = this.#child;
    if (child === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, CLOSE_TIMEOUT_MS);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      child.end();
    });
  }

  async #start(): Promise<void> {
    let child: KeeperProcess;
    try {
      child = await this.#launch(this.#shell, KEEPER_SCRIPT);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`orphan keeper: could not start ${this.#shell}: ${reason}; pass { keeper: false } to run without orphan protection`, { cause: error });
    }
    this.#child = child;
    child.onExit(() => {
      if (this.#child !== child) return;
      this.#child = null;
      // Killed from outside while workers live: start a fresh keeper for them.
      if (!this.#closed && this.#pids.size > 0) this.ensure().catch(() => undefined);
    });
    let lines = "";
    for (const [pid, count] of this.#pids) lines += `+${pid}\n`.repeat(count);
    if (lines !== "") child.write(lines);
  }
}
