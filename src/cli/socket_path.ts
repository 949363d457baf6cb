/**
 * Where control sockets live.
 *
 * - Unix: `$XDG_RUNTIME_DIR/steward/<pid>.sock`, or
 *   `<tmpdir>/steward-<uid>/<pid>.sock` without it. The directory is created
 *   with mode 0700 and refused when another user owns it or others can enter
 *   it, since the socket's own mode 0600 is only set after it is bound.
 * - Windows: the named pipe `\\.\pipe\steward-<user>-<pid>`. There is no
 *   directory to prepare and no mode to set: `node:net` (libuv) creates the
 *   pipe with no security attributes, so it gets Windows' default pipe DACL:
 *   full control for its creator, LocalSystem and Administrators, read only
 *   for Everyone and Anonymous. A client of another user cannot open it for
 *   writing, so it cannot send a request. `<user>` only makes discovery pick
 *   this user's masters; it proves nothing, since any user may create a pipe
 *   of any name.
 *
 * Every function takes the platform as an option, so both branches are
 * tested on any system.
 *
 * @module
 */

import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";

/** The environment variables read here: `XDG_RUNTIME_DIR` (Unix), `USERNAME` (Windows). */
export type SocketEnv = Readonly<Record<string, string | undefined>>;

/** Whose default sockets, on which platform. */
export interface SocketPlace {
  /** The environment. */
  readonly env: SocketEnv;
  /**
   * The platform, as `process.platform` names it; `win32` uses named pipes.
   * @default process.platform
   */
  readonly platform?: string;
}

/** The namespace every Windows named pipe lives in. */
const PIPE_DIR = "\\\\.\\pipe\\";
/** `\\.\pipe\…` or `\\?\pipe\…`, with either kind of slash, as Windows accepts them. */
const PIPE_PATH = /^[\\/]{2}[.?][\\/]pipe[\\/][^\\/]/i;

/**
 * The directory of the per-user default sockets; `\\.\pipe\` on Windows.
 *
 * @param options The environment and platform.
 * @returns An absolute directory path.
 *
 * @example
 * ```ts
 * import { defaultSocketDir } from "./socket_path.ts";
 * console.log(defaultSocketDir({ env: { XDG_RUNTIME_DIR: "/run/user/1000" }, platform: "linux" })); // /run/user/1000/steward
 * ```
 */
export function defaultSocketDir(options: SocketPlace): string {
  const { env, platform = process.platform } = options;
  if (platform === "win32") return PIPE_DIR;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir !== undefined && runtimeDir !== "") return join(runtimeDir, "steward");
  return join(tmpdir(), `steward-${process.getuid?.() ?? "user"}`);
}

/**
 * The default socket path of a master.
 *
 * @param options The environment, platform and the master's pid.
 * @returns `<dir>/<pid>.sock`, or `\\.\pipe\steward-<user>-<pid>` on Windows.
 *
 * @example
 * ```ts
 * import { defaultSocketPath } from "./socket_path.ts";
 * console.log(defaultSocketPath({ env: { USERNAME: "Ana" }, platform: "win32", pid: 1234 })); // \\.\pipe\steward-ana-1234
 * ```
 */
export function defaultSocketPath(options: SocketPlace & { readonly pid: number }): string {
  const { pid } = options;
  if ((options.platform ?? process.platform) === "win32") return `${PIPE_DIR}${pipePrefix(options.env)}${pid}`;
  return join(defaultSocketDir(options), `${pid}.sock`);
}

/**
 * The control socket named by `--socket`. On Unix it is a path, taken as
 * given. On Windows it is a named pipe: `\\.\pipe\<name>` (or `\\?\pipe\…`)
 * as given, or a bare `<name>`, which is put under `\\.\pipe\`.
 *
 * @param value The flag's value.
 * @param options The platform.
 * @returns The path to listen on or connect to.
 * @throws {Error} On Windows, for a value with a slash that is not a pipe path.
 *
 * @example
 * ```ts
 * import { resolveSocketPath } from "./socket_path.ts";
 * console.log(resolveSocketPath("web", { platform: "win32" })); // \\.\pipe\web
 * console.log(resolveSocketPath("/tmp/web.sock", { platform: "linux" })); // /tmp/web.sock
 * ```
 */
export function resolveSocketPath(value: string, options: { readonly platform?: string } = {}): string {
  if ((options.platform ?? process.platform) !== "win32" || PIPE_PATH.test(value)) return value;
  if (value === "" || /[\\/]/.test(value)) {
    throw new Error(`${JSON.stringify(value)}: on Windows the control socket is a named pipe; pass a name like steward-web or \\\\.\\pipe\\steward-web`);
  }
  return `${PIPE_DIR}${value}`;
}

/**
 * Makes sure a socket's directory exists. Directories it creates get mode
 * 0700. The default directory (`owned: true`) must also belong to this user
 * and is narrowed to 0700 if others could enter it; a directory named by
 * `--socket` is the user's choice and is never changed (it may be `/tmp`).
 * On Windows there is nothing to prepare: a named pipe has no directory.
 *
 * @param options The socket's path (its directory is checked), whether
 * steward owns that directory (the default one), and the platform.
 * @throws {Error} One line naming the directory and what is wrong with it.
 *
 * @example
 * ```ts
 * import { defaultSocketPath, prepareSocketDir } from "./socket_path.ts";
 * prepareSocketDir({ path: defaultSocketPath({ env: process.env, pid: process.pid }), owned: true });
 * ```
 */
export function prepareSocketDir(options: { readonly path: string; readonly owned: boolean; readonly platform?: string }): void {
  const { path, owned, platform = process.platform } = options;
  if (platform === "win32") return;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir}: not a directory`);
  if (!owned) return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${dir}: owned by uid ${stat.uid}, not ${uid}; pass --socket <path>`);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** How `liveSockets` looks; the defaults read the real system. */
export interface LiveSocketsOptions extends SocketPlace {
  /**
   * Lists the names in a directory (on Windows, the pipes in `\\.\pipe\`).
   * @default readdirSync
   */
  readonly list?: (dir: string) => string[];
  /**
   * Whether a pid belongs to a running process.
   * @default signal 0 through `process.kill` (EPERM counts as alive)
   */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * The sockets of masters still alive: the `<pid>.sock` files of the default
 * directory, or on Windows this user's `steward-<user>-<pid>` pipes.
 *
 * @param options The environment and platform.
 * @returns Their paths, by pid.
 *
 * @example
 * ```ts
 * import { liveSockets } from "./socket_path.ts";
 * const [only, ...more] = liveSockets({ env: process.env });
 * ```
 */
export function liveSockets(options: LiveSocketsOptions): string[] {
  const { list = readdirSync, isAlive = isRunning } = options;
  const windows = (options.platform ?? process.platform) === "win32";
  const dir = defaultSocketDir(options);
  let names: string[];
  try {
    names = list(dir);
  } catch {
    return [];
  }
  const pattern = windows ? new RegExp(`^${escapeRegExp(pipePrefix(options.env))}(\\d+)$`, "i") : /^(\d+)\.sock$/;
  const found = new Map<number, string>();
  for (const name of names) {
    const match = pattern.exec(name);
    if (match !== null) found.set(Number(match[1]), name);
  }
  return [...found].filter(([pid]) => isAlive(pid)).sort(([a], [b]) => a - b).map(([, name]) => windows ? `${PIPE_DIR}${name}` : join(dir, name));
}

/**
 * `steward-<user>-`: the user name from `USERNAME` (else the account's),
 * lower-cased since Windows compares both case-insensitively, and reduced
 * to letters, digits, `.`, `_` and `-`.
 */
function pipePrefix(env: SocketEnv): string {
  const name = env.USERNAME !== undefined && env.USERNAME !== "" ? env.USERNAME : accountName();
  return `steward-${name.toLowerCase().replace(/[^a-z0-9._-]/g, "_")}-`;
}

function accountName(): string {
  try {
    return userInfo().username;
  } catch {
    return "user";
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
