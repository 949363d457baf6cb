/**
 * steward's chaos harness: seeded faults against real launchers, checkers
 * with evidence, and an HTML timeline. A small driver contract
 * (`Driver`: start, pids, reload, scale, stop, killMaster, lifecycle) lets
 * the same scenarios judge steward, a node `cluster` primary and PM2.
 *
 * @example A seeded run against steward on Bun, with its report
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { renderHtml, runChaos, stewardDriver } from "steward/chaos";
 * const report = await runChaos({ driver: stewardDriver({ runtime: "bun" }), runtime: "bun", seed: 42, durationMs: 30_000 });
 * writeFileSync("chaos.html", renderHtml(report));
 * if (!report.ok) console.error(report.replayCommand);
 * ```
 *
 * @module
 */

export type { Driver, LaunchOptions, Lifecycle, Pids } from "./driver.ts";
export { stewardDriver } from "./drivers/steward.ts";
export { clusterDriver } from "./drivers/cluster.ts";
export { pm2Driver } from "./drivers/pm2.ts";
export { planSchedule } from "./schedule.ts";
export type { Fault, FaultKind, Schedule } from "./schedule.ts";
export { runChaos } from "./run.ts";
export type { ChaosOptions, ChaosReport } from "./run.ts";
export { checkAll } from "./checkers.ts";
export type { Observed, Verdict } from "./checkers.ts";
export { replayRecords } from "./replay.ts";
export { simulateChaos } from "./simulated.ts";
export { renderHtml } from "./report.ts";
