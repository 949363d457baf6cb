/**
 * What the benchmarks read from the machine (Linux `/proc`): a process's
 * CPU time and resident memory, the whole machine's busy time and the
 * header of every results file.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import process from "node:process";
import { ROOT, runtimeBinary } from "../chaos/_proc.ts";

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) `pid` has used, or null once it is gone.
 *
 * @example
 * ```ts
 * import { cpuSeconds } from "./_sys.ts";
 * console.log(cpuSeconds(process.pid));
 * ```
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5); fields[] starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Resident memory of `pid` in MiB (VmRSS), or null once it is gone.
 *
 * @example
 * ```ts
 * import { rssMiB } from "./_sys.ts";
 * console.log(rssMiB(process.pid));
 * ```
 */
export function rssMiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

/**
 * The machine's busy and total CPU time so far (jiffies of `/proc/stat`).
 *
 * @example
 * ```ts
 * import { machineTicks } from "./_sys.ts";
 * const a = machineTicks(); // later: (b.busy - a.busy) / (b.total - a.total)
 * ```
 */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function version(argv: readonly string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 10_000 }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}/node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * The machine lines heading every results file: date, OS, cores, memory,
 * runtime and peer versions, load average.
 *
 * @example
 * ```ts
 * import { machineHeader } from "./_sys.ts";
 * console.log(machineHeader().join("\n"));
 * ```
 */
export function machineHeader(): string[] {
  const cpus = os.cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${os.platform()} ${os.release()}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `- Runtimes: Node ${process.versions.node}, ${version([runtimeBinary("deno"), "--version"])}, Bun ${version([runtimeBinary("bun"), "--version"])}`,
    `- Peers: pm2 ${packageVersion("pm2")}, throng ${packageVersion("throng")}, autocannon ${packageVersion("autocannon")}`,
    `- Load average (1/5/15 min) at the start: ${os.loadavg().map((v) => v.toFixed(2)).join("/")}`,
  ];
}
