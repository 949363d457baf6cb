/**
 * Where control sockets live: `$XDG_RUNTIME_DIR/steward/<pid>.sock`, or
 * `<tmpdir>/steward-<uid>/<pid>.sock` without it. The directory is created
 * with mode 0700 and refused when another user owns it or others can enter
 * it, since the socket's own mode 0600 is only set after it is bound.
 *
 * @module
 */

import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";

/**
 * The directory of the per-user default sockets.
 *
 * @param env The environment to read `XDG_RUNTIME_DIR` from.
 * @returns An absolute directory path.
 *
 * @example
 * ```ts
 * import { defaultSocketDir } from "./socket_path.ts";
 * console.log(defaultSocketDir({ XDG_RUNTIME_DIR: "/run/user/1000" })); // /run/user/1000/steward
 * ```
 */
export function defaultSocketDir(env: Readonly<Record<string, string | undefined>>): string {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir !== undefined && runtimeDir !== "") return join(runtimeDir, "steward");
  return join(tmpdir(), `steward-${process.getuid?.() ?? "user"}`);
}

/**
 * The default socket path of a master.
 *
 * @param env The environment (for `XDG_RUNTIME_DIR`).
 * @param pid The master's pid.
 * @returns `<dir>/<pid>.sock`.
 *
 * @example
 * ```ts
 * import { defaultSocketPath } from "./socket_path.ts";
 * console.log(defaultSocketPath({}, 1234)); // e.g. /tmp/steward-1000/1234.sock
 * ```
 */
export function defaultSocketPath(env: Readonly<Record<string, string | undefined>>, pid: number): string {
  return join(defaultSocketDir(env), `${pid}.sock`);
}

/**
 * Makes sure a socket's directory exists. Directories it creates get mode
 * 0700. The default directory (`owned: true`) must also belong to this user
 * and is narrowed to 0700 if others could enter it; a directory named by
 * `--socket` is the user's choice and is never changed (it may be `/tmp`).
 *
 * @param socketPath The socket's path; its directory is checked.
 * @param owned True for the default directory, which steward owns.
 * @throws {Error} One line naming the directory and what is wrong with it.
 *
 * @example
 * ```ts
 * import { defaultSocketPath, prepareSocketDir } from "./socket_path.ts";
 * prepareSocketDir(defaultSocketPath(process.env, process.pid), true);
 * ```
 */
export function prepareSocketDir(socketPath: string, owned: boolean): void {
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir}: not a directory`);
  if (!owned) return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir}: owned by uid ${stat.uid}, not ${uid}; pass --socket <path>`);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * The sockets of masters still alive in the default directory.
 *
 * @param env The environment (for `XDG_RUNTIME_DIR`).
 * @returns Paths of `<pid>.sock` files whose pid is alive, by pid.
 *
 * @example
 * ```ts
 * import { liveSockets } from "./socket_path.ts";
 * const [only, ...more] = liveSockets(process.env);
 * ```
 */
export function liveSockets(env: Readonly<Record<string, string | undefined>>): string[] {
  const dir = defaultSocketDir(env);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pids = names.flatMap((name) => {
    const match = /^(\d+)\.sock$/.exec(name);
    return match === null ? [] : [Number(match[1])];
  });
  return pids.filter(isAlive).sort((a, b) => a - b).map((pid) => join(dir, `${pid}.sock`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
