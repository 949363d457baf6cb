/**
 * What the orphan keeper costs, on the runtime running this script:
 * - the first spawn of an adapter (which starts the keeper) with and without it,
 * - steady-state spawn latency (spawn() call to resolved promise) with and
 *   without it, interleaved so drift hits both alike,
 * - how long after a master's SIGKILL its workers are gone (keeper on).
 * Prints one markdown table.
 *
 * Usage (after the build):
 *   node .build/bench/keeper_cost.js [spawns]
 *   deno run -A bench/keeper_cost.ts [spawns]
 *   bun bench/keeper_cost.ts [spawns]
 *
 * @module
 */

import { execFileSync, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Adapter, ProcessHandle } from "../src/adapter.ts";
import type { SpawnSpec } from "../src/core/types.ts";
import { detectRuntime, loadAdapter } from "../adapters/_detect.ts";
import { Keeper } from "../adapters/_keeper.ts";

const SPAWNS = Number(process.argv[2] ?? "200");
const WORKER = ["/bin/sleep", "30"];
const runtime = detectRuntime();
const root = (() => {
  const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
  return here.endsWith("/.build") ? here.slice(0, -"/.build".length) : here;
})();

let nextId = 1;
const quiet = { message: () => undefined, line: () => undefined, exit: () => undefined };

function spec(): SpawnSpec {
  return { id: nextId++, group: "bench", slot: 0, generation: 1, command: WORKER, cwd: null, env: {}, ipc: false, heartbeatMs: 0 };
}

async function timedSpawn(adapter: Adapter): Promise<{ ms: number; handle: ProcessHandle }> {
  const start = performance.now();
  const handle = await adapter.spawn(spec(), quiet);
  return { ms: performance.now() - start, handle };
}

function stats(samples: number[]): { median: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95), mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length };
}

/** First spawns of fresh adapters, which start the keeper lazily. */
async function firstSpawn(keeper: boolean, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const adapter = await loadAdapter({ keeper });
    const { ms, handle } = await timedSpawn(adapter);
    samples.push(ms);
    handle.signal("SIGKILL");
    await adapter.close();
  }
  return samples;
}

/** Interleaved spawns on a keeper-on adapter and two keeper-off ones (the second gives the noise floor). */
async function steadySpawns(): Promise<{ on: number[]; off: number[]; offAgain: number[] }> {
  const adapters = { on: await loadAdapter({ keeper: true }), off: await loadAdapter({ keeper: false }), offAgain: await loadAdapter({ keeper: false }) };
  const handles: ProcessHandle[] = [];
  // Warm each up (keeper started, code paths compiled).
  for (const adapter of Object.values(adapters)) handles.push((await timedSpawn(adapter)).handle);
  const samples = { on: [] as number[], off: [] as number[], offAgain: [] as number[] };
  const order = ["on", "off", "offAgain"] as const;
  for (let index = 0; index < SPAWNS; index++) {
    // Rotate the order so no adapter always goes first.
    for (let k = 0; k < order.length; k++) {
      const name = order[(index + k) % order.length]!;
      const { ms, handle } = await timedSpawn(adapters[name]);
      samples[name].push(ms);
      handles.push(handle);
    }
    // Keep at most ~40 sleepers alive at once.
    if (handles.length > 40) for (const handle of handles.splice(0)) handle.signal("SIGKILL");
  }
  for (const handle of handles) handle.signal("SIGKILL");
  await Promise.all(Object.values(adapters).map((adapter) => adapter.close()));
  return samples;
}

/** The master's share of a registration: one `+pid` and one `-pid` write to a live keeper. */
async function registrationCost(rounds: number): Promise<number> {
  const keeper = new Keeper("/bin/sh");
  await keeper.ensure();
  // Pid 1 is never registered by anyone; it is removed again before close, so nothing is killed.
  const start = performance.now();
  for (let index = 0; index < rounds; index++) {
    keeper.add(1);
    keeper.remove(1);
  }
  const ms = (performance.now() - start) / rounds;
  await keeper.close();
  return ms;
}

/** SIGKILLs a master fixture with 3 plain workers and measures until none is alive. */
async function orphanCleanup(): Promise<number> {
  const master = runtime === "node"
    ? ["node", `${root}/.build/test/fixtures/master.js`]
    : runtime === "deno"
    ? [`${root}/node_modules/.bin/deno`, "run", "-A", `${root}/.build/test/fixtures/master.js`]
    : [`${root}/node_modules/.bin/bun`, `${root}/.build/test/fixtures/master.js`];
  const plan = { keeper: true, plain: [WORKER, WORKER, WORKER], ipc: [] };
  const child = spawn(master[0]!, [...master.slice(1), JSON.stringify(plan)], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => child.stdout!.once("data", (chunk: Uint8Array) => resolve(String(chunk))));
  const { workers } = JSON.parse(line) as { workers: number[] };
  const killedAt = performance.now();
  process.kill(child.pid!, "SIGKILL");
  for (;;) {
    let table = "";
    try {
      table = execFileSync("ps", ["-o", "pid=,stat=", "-p", workers.join(",")], { encoding: "utf8" }).trim();
    } catch {
      // ps exits 1 when none of the pids exists any more.
    }
    const alive = table.split("\n").filter((row) => row.trim() !== "" && !/\sZ/.test(row));
    if (alive.length === 0) return performance.now() - killedAt;
    if (performance.now() - killedAt > 5_000) throw new Error(`workers still alive 5 s after the master's SIGKILL: ${table}`);
  }
}

const fmt = (ms: number): string => ms.toFixed(3);
const firstOn = stats(await firstSpawn(true, 20));
const firstOff = stats(await firstSpawn(false, 20));
const steady = await steadySpawns();
const on = stats(steady.on);
const off = stats(steady.off);
const offAgain = stats(steady.offAgain);
const registration = await registrationCost(5_000);
const cleanups = [await orphanCleanup(), await orphanCleanup(), await orphanCleanup()];

console.log(`keeper cost on ${runtime} (${process.platform}), ${SPAWNS} interleaved spawns of ${WORKER.join(" ")}, ms`);
console.log("");
console.log("| measure | keeper off (baseline) | keeper on | difference | noise: off vs off |");
console.log("| --- | ---: | ---: | ---: | ---: |");
console.log(`| first spawn of an adapter, median of 20 | ${fmt(firstOff.median)} | ${fmt(firstOn.median)} | ${fmt(firstOn.median - firstOff.median)} | |`);
console.log(`| spawn latency, median | ${fmt(off.median)} | ${fmt(on.median)} | ${fmt(on.median - off.median)} | ${fmt(offAgain.median - off.median)} |`);
console.log(`| spawn latency, mean | ${fmt(off.mean)} | ${fmt(on.mean)} | ${fmt(on.mean - off.mean)} | ${fmt(offAgain.mean - off.mean)} |`);
console.log(`| spawn latency, p95 | ${fmt(off.p95)} | ${fmt(on.p95)} | ${fmt(on.p95 - off.p95)} | ${fmt(offAgain.p95 - off.p95)} |`);
console.log(`| master's +pid/-pid writes per worker (node:child_process launcher) | | ${fmt(registration)} | | |`);
console.log(`| master SIGKILL -> 3 workers gone (3 runs) | never (orphans) | ${cleanups.map(fmt).join(", ")} | | |`);
