/**
 * The same chaos scenarios against steward, a node `cluster` primary and
 * PM2, as a comparison table in `chaos/results.md`. A peer failing a
 * checker is a finding to report, not an error: the script exits 0 once
 * the table is written (1 only if steward itself failed).
 *
 * Usage: `npm run --silent build:test && node .build/chaos/compare.js [--seeds 21,8,32] [--duration 16s] [--workload queue|http]`
 *
 * Every launcher runs Node workers (cluster and PM2 fork Node), so the
 * comparison is of the launchers, not the runtimes.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { closeOnInterrupt, type Driver } from "./driver.ts";
import { clusterDriver } from "./drivers/cluster.ts";
import { pm2Driver } from "./drivers/pm2.ts";
import { stewardDriver } from "./drivers/steward.ts";
import { type ChaosReport, runChaos, type Workload } from "./run.ts";
import { ROOT } from "./_proc.ts";

const { values } = parseArgs({ options: { seeds: { type: "string" }, duration: { type: "string" }, workload: { type: "string" } } });
const seeds = (values.seeds ?? "21,8,32").split(",").map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(`compare: --seeds: expected comma-separated integers, got ${JSON.stringify(values.seeds)}`);
  process.exit(2);
}
const durationMs = Number((values.duration ?? "16s").replace(/s$/, "")) * 1000;
const workloads = (values.workload ?? "queue,http").split(",") as Workload[];

const launchers: { name: string; make: () => Driver }[] = [
  { name: "steward", make: () => stewardDriver({ runtime: "node" }) },
  { name: "cluster", make: () => clusterDriver() },
  { name: "pm2", make: () => pm2Driver() },
];

let current: Driver | null = null;
closeOnInterrupt(() => current);
const rows: { workload: Workload; seed: number; launcher: string; report: ChaosReport | null; error: string | null }[] = [];
for (const workload of workloads) {
  for (const seed of seeds) {
    for (const launcher of launchers) {
      console.log(`${workload} seed ${seed}: ${launcher.name}`);
      try {
        current = launcher.make();
        const report = await runChaos({ driver: current, runtime: "node", workload, seed, durationMs, meanGapMs: 1_200, quietMs: 5_000 });
        rows.push({ workload, seed, launcher: launcher.name, report, error: null });
        for (const v of report.verdicts) if (v.ok === false) console.log(`  FAIL ${v.checker}: ${v.summary}`);
      } catch (error) {
        rows.push({ workload, seed, launcher: launcher.name, report: null, error: (error as Error).message });
        console.log(`  error: ${(error as Error).message}`);
      }
    }
  }
}

const checkers = ["recovery", "orphans", "intensity", "backoff", "graceful reload", "reference model"];
const cell = (report: ChaosReport | null, checker: string): string => {
  const verdict = report?.verdicts.find((v) => v.checker === checker);
  if (verdict === undefined) return "–";
  return verdict.ok === null ? "n/a" : verdict.ok ? "pass" : `**FAIL**: ${verdict.summary.replace(/\|/g, "\\|")}`;
};
const lines = [
  "# Chaos: steward against its peers",
  "",
  "Written by `chaos/compare.ts` (`node .build/chaos/compare.js` after `npm run build:test`); do not edit by hand.",
  `Each row is one seeded schedule (${durationMs / 1000} s, faults every ~1.2 s, then a quiet phase) run against each launcher with 2 Node workers;`,
  "the faults are the same per seed (SIGKILL, SIGTERM, SIGSTOP hang, exit with a random code, failing boots, reload storms, scale storms), the ending is a graceful stop or a SIGKILL of the master.",
  "A peer failing a checker is reported here, not treated as an error. PM2's lifecycle is polled (100 ms), so its times are up to one poll late.",
  "",
  `| workload | seed | launcher | faults | ${checkers.join(" | ")} |`,
  `| --- | --- | --- | --- | ${checkers.map(() => "---").join(" | ")} |`,
  ...rows.map((row) =>
    row.report === null
      ? `| ${row.workload} | ${row.seed} | ${row.launcher} | – | run failed: ${row.error!.replace(/\|/g, "\\|")} |`
      : `| ${row.workload} | ${row.seed} | ${row.launcher} | ${row.report.observed.faults.map((f) => f.kind).join(", ")}, end: ${row.report.schedule.end} | ${checkers.map((c) => cell(row.report, c)).join(" | ")} |`
  ),
  "",
  `Run on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
  "",
];
writeFileSync(`${ROOT}/chaos/results.md`, lines.join("\n"));
console.log(`wrote ${ROOT}/chaos/results.md`);
const stewardFailed = rows.some((row) => row.launcher === "steward" && (row.report === null || !row.report.ok));
process.exit(stewardFailed ? 1 : 0);
