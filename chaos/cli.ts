/**
 * `npm run chaos`: one seeded chaos run, its reports, and a verdict table.
 *
 * Usage:
 *   npm run chaos -- [--seed S] [--runtime node|deno|bun] [--duration 30s]
 *                    [--driver steward|cluster|pm2] [--workload queue|http]
 *                    [--workers N] [--out DIR]
 *
 * Writes `<out>/chaos-<driver>-<runtime>-<seed>.html` and `.json` (default
 * out: the system temp dir). Exit status: 0 when every checker passed, 1
 * when one failed (the seed and the replay command are printed), 2 for
 * usage errors.
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { closeOnInterrupt, type Driver } from "./driver.ts";
import { clusterDriver } from "./drivers/cluster.ts";
import { pm2Driver } from "./drivers/pm2.ts";
import { stewardDriver } from "./drivers/steward.ts";
import { renderHtml } from "./report.ts";
import { runChaos, type Workload } from "./run.ts";
import type { Runtime } from "./_proc.ts";

const RUNTIMES: readonly Runtime[] = ["node", "deno", "bun"];
const DRIVERS = ["steward", "cluster", "pm2"] as const;
const WORKLOADS: readonly Workload[] = ["queue", "http"];

function usage(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) usage(`--${flag}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** `30s`, `1500ms`, `2m` or a number of seconds, to ms. */
function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (match === null) usage(`--duration: expected e.g. 30s, 1500ms or 2m, got ${JSON.stringify(value)}`);
  const amount = Number(match[1]);
  const ms = match[2] === "ms" ? amount : match[2] === "m" ? amount * 60_000 : amount * 1000;
  if (ms < 5_000 || ms > 3_600_000) usage(`--duration: expected from 5s to 60m, got ${JSON.stringify(value)}`);
  return Math.round(ms);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seed: { type: "string" },
      runtime: { type: "string" },
      duration: { type: "string" },
      driver: { type: "string" },
      workload: { type: "string" },
      workers: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  }) as { values: Record<string, string | undefined> });
} catch (error) {
  usage((error as Error).message.split("\n")[0]!);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) usage(`--seed: expected an integer from 0 to 4294967295, got ${JSON.stringify(values.seed)}`);
const runtime = oneOf("runtime", values.runtime ?? "node", RUNTIMES);
const driverName = oneOf("driver", values.driver ?? "steward", DRIVERS);
const workload = oneOf("workload", values.workload ?? "queue", WORKLOADS);
const durationMs = duration(values.duration ?? "30s");
const workers = Number(values.workers ?? "2");
if (!Number.isInteger(workers) || workers < 1 || workers > 16) usage(`--workers: expected an integer from 1 to 16, got ${JSON.stringify(values.workers)}`);
if (driverName !== "steward" && runtime !== "node") usage(`--runtime: the ${driverName} driver runs node workers only, got ${JSON.stringify(runtime)}`);
const out = values.out ?? tmpdir();

const replayCommand = `npm run chaos -- --seed ${seed} --runtime ${runtime} --duration ${durationMs / 1000}s --driver ${driverName} --workload ${workload} --workers ${workers}`;
const driver: Driver = driverName === "steward" ? stewardDriver({ runtime }) : driverName === "cluster" ? clusterDriver() : pm2Driver();
closeOnInterrupt(() => driver);
const report = await runChaos({ driver, runtime, workload, seed, durationMs, workers, replayCommand, log: (line) => console.log(line) });
mkdirSync(out, { recursive: true });
const base = `${out}/chaos-${driverName}-${runtime}-${seed}`;
writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(`${base}.html`, renderHtml(report));
for (const verdict of report.verdicts) {
  console.log(`${verdict.ok === null ? "n/a " : verdict.ok ? "ok  " : "FAIL"} ${verdict.checker}: ${verdict.summary}`);
}
console.log(`report: ${base}.html (data: ${base}.json)`);
if (!report.ok) {
  console.error(`chaos: FAILED with seed ${seed}; replay: ${replayCommand}`);
  process.exit(1);
}
