/**
 * A bare runtime parent: the least a launcher can be. It spawns N workers
 * with `child_process.spawn`, respawns one that exits (when asked to) and
 * forwards SIGTERM; nothing else. It prints one JSON line per fact, as
 * the cluster primary of the chaos drivers does:
 * `{ t, kind: "spawned" | "ready" | "exited", slot, pid, code?, signal?, planned? }`,
 * `ready` once a worker prints a `ready` line. Runs on Node, Deno and Bun.
 *
 * Options as JSON in `BENCH_BARE`: `{ workers, argv, respawn }`.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

interface BareOptions {
  readonly workers: number;
  readonly argv: readonly string[];
  readonly respawn: boolean;
}

const options = JSON.parse(process.env.BENCH_BARE ?? "null") as BareOptions | null;
if (options === null || !(options.workers > 0) || options.argv.length === 0) {
  console.error("bare parent: BENCH_BARE must hold { workers, argv, respawn } as JSON");
  process.exit(2);
}

const say = (fact: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ t: Date.now(), ...fact })}\n`);
const children = new Set<ChildProcess>();
let stopping = false;

function start(slot: number): void {
  const child = spawn(options!.argv[0]!, options!.argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  const pid = child.pid!;
  children.add(child);
  say({ kind: "spawned", slot, pid });
  let seen: string | null = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    if (seen === null) return;
    seen += chunk;
    if (/(^|\n)ready\n/.test(seen)) {
      say({ kind: "ready", slot, pid });
      seen = null;
    }
  });
  child.once("exit", (code, signal) => {
    children.delete(child);
    say({ kind: "exited", slot, pid, code: signal ? null : code, signal: signal ?? null, planned: stopping });
    if (!stopping && options!.respawn) start(slot);
    if (stopping && children.size === 0) process.exit(0);
  });
}

for (let slot = 0; slot < options.workers; slot++) start(slot);
process.on("SIGTERM", () => {
  stopping = true;
  if (children.size === 0) process.exit(0);
  for (const child of children) child.kill("SIGTERM");
});
