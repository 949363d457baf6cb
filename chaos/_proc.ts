/**
 * Processes as the harness sees them: the repository root, how to run a
 * built script on a runtime, and a process-table scan of `/proc` (Linux)
 * for descendants, process groups and liveness.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Runtimes the workers and masters can run on. */
export type Runtime = "node" | "deno" | "bun";

/** The repository root, whether this file runs from `chaos/` or `.build/chaos/`. */
export const ROOT: string = (() => {
  const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  return here.endsWith("/.build") ? here.slice(0, -"/.build".length) : here;
})();

/** The runtime's executable (node: this machine's `node`). */
export function runtimeBinary(runtime: Runtime): string {
  return runtime === "node" ? "node" : `${ROOT}/node_modules/.bin/${runtime}`;
}

/** argv that runs a built script (`.build/...js`) on a runtime. */
export function runScript(runtime: Runtime, script: string, ...args: string[]): string[] {
  return runtime === "deno" ? [runtimeBinary(runtime), "run", "-A", script, ...args] : [runtimeBinary(runtime), script, ...args];
}

/**
 * Which steward CLI a master runs: `checkout` is the repository's own (node
 * runs its `tsc` build, deno and bun `bin/steward.ts`), `package` the
 * bundle npm publishes (`tsup` into `.build/package`, as `npm run bench`
 * builds it), which is what `npx steward`, `bunx steward` and
 * `deno run -A npm:steward` run.
 */
export type StewardCli = "checkout" | "package";

/**
 * argv that starts the steward CLI on `runtime`.
 *
 * @example
 * ```ts
 * import { stewardCli } from "./_proc.ts";
 * console.log(stewardCli("bun", "package")); // [".../bun", ".../.build/package/bin/steward.js"]
 * ```
 */
export function stewardCli(runtime: Runtime, cli: StewardCli = "checkout"): string[] {
  if (cli === "package") return runScript(runtime, `${ROOT}/.build/package/bin/steward.js`);
  return runtime === "node" ? [runtimeBinary("node"), `${ROOT}/.build/bin/steward.js`] : runScript(runtime, `${ROOT}/bin/steward.ts`);
}

/** The built JavaScript of a repo-relative `.ts` path. */
export function built(path: string): string {
  return `${ROOT}/.build/${path.replace(/\.ts$/, ".js")}`;
}

/** One row of the process table. */
export interface ProcRow {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** One letter: R, S, T (stopped), Z (zombie), ... */
  readonly state: string;
}

/** Every process of `/proc`; empty where there is no `/proc`. */
export function processTable(): ProcRow[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const rows: ProcRow[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // The command name is in parentheses and may hold spaces; fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    rows.push({ pid: Number(name), state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) });
  }
  return rows;
}

/** `root` and every live descendant of it, by parent links. */
export function descendants(root: number, table: readonly ProcRow[] = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const row of table) {
    if (row.state === "Z") continue;
    const list = children.get(row.ppid) ?? [];
    list.push(row.pid);
    children.set(row.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Live (non-zombie) processes among `pids`, or in a process group led by one of them. */
export function stillAlive(pids: ReadonlySet<number>, table: readonly ProcRow[] = processTable()): ProcRow[] {
  return table.filter((row) => row.state !== "Z" && (pids.has(row.pid) || pids.has(row.pgid)));
}

/** Live processes whose command line contains `fragment` (e.g. a private daemon's home directory). */
export function processesNaming(fragment: string, table: readonly ProcRow[] = processTable()): number[] {
  return table.filter((row) => {
    if (row.state === "Z" || row.pid === process.pid) return false;
    try {
      return readFileSync(`/proc/${row.pid}/cmdline`, "utf8").includes(fragment);
    } catch {
      return false;
    }
  }).map((row) => row.pid);
}

/** True while `pid` names a live process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return processTable().some((row) => row.pid === pid && row.state !== "Z");
}

/** SIGKILL to a pid, ignoring one that is gone. */
export function killQuietly(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves after `ms` (the harness paces faults and polls; tests never sleep to let state settle). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
