/**
 * The chaos suite on real processes: steward's CLI on the runtime running
 * the tests, a seeded fault schedule against the queue consumer, every
 * checker judging the run; and a deliberately broken launcher (a node
 * `cluster` primary that never respawns, and one that respawns at once
 * into a boot-failing worker) caught by the checkers.
 *
 * Each run is bounded (its schedule plus the repair bound), and
 * `runChaos` kills every process it saw, even when it throws. A failure
 * names the seed and the command that replays it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterDriver } from "../../chaos/drivers/cluster.ts";
import { stewardDriver } from "../../chaos/drivers/steward.ts";
import { runChaos } from "../../chaos/run.ts";
import { RUNTIME } from "../_harness.ts";

/** One seed per runtime, each drawing every kind of fault but one, ending by a stop or a SIGKILL of the master. */
const SEED = { node: 21, deno: 8, bun: 32 }[RUNTIME];

test(`${RUNTIME} chaos: steward repairs a seeded fault schedule and passes every checker`, { timeout: 120_000 }, async () => {
  const replayCommand = `STEWARD_TEST_RUNTIME=${RUNTIME} node scripts/test.mjs test/chaos/real_test.ts (seed ${SEED})`;
  const report = await runChaos({ driver: stewardDriver({ runtime: RUNTIME }), runtime: RUNTIME, seed: SEED, durationMs: 16_000, meanGapMs: 1_200, quietMs: 5_000, recoveryBoundMs: 6_000, replayCommand });
  const failed = report.verdicts.filter((v) => v.ok === false);
  assert.deepEqual(failed.map((v) => `${v.checker}: ${v.summary}`), [], `seed ${SEED} failed; replay: ${replayCommand}`);
  // The schedule really exercised the launcher: faults of several kinds, crash restarts, a full replay.
  assert.ok(new Set(report.observed.faults.map((f) => f.kind)).size >= 6, JSON.stringify(report.observed.faults.map((f) => f.kind)));
  assert.ok(report.observed.lifecycle.filter((e) => e.kind === "spawned").length > 4);
  const model = report.verdicts.find((v) => v.checker === "reference model")!;
  assert.equal(model.ok, true);
  assert.ok(report.observed.records!.records.length > 30);
});

test(`${RUNTIME} chaos: steward keeps answering HTTP on its shared port through reload storms, kills and scale storms`, { timeout: 90_000 }, async () => {
  const replayCommand = `STEWARD_TEST_RUNTIME=${RUNTIME} node scripts/test.mjs test/chaos/real_test.ts (http, seed 4)`;
  const report = await runChaos({
    driver: stewardDriver({ runtime: RUNTIME }),
    runtime: RUNTIME,
    workload: "http",
    seed: 4,
    durationMs: 10_000,
    quietMs: 3_000,
    meanGapMs: 1_200,
    kinds: ["reloadStorm", "kill", "scaleStorm"],
    recoveryBoundMs: 6_000,
    replayCommand,
  });
  const failed = report.verdicts.filter((v) => v.ok === false);
  assert.deepEqual(failed.map((v) => `${v.checker}: ${v.summary}`), [], `seed 4 failed; replay: ${replayCommand}`);
  const reload = report.verdicts.find((v) => v.checker === "graceful reload")!;
  assert.equal(reload.ok, true);
  assert.ok(report.observed.faults.some((f) => f.kind === "reloadStorm"), "the schedule holds a reload storm");
  const answered = report.observed.load!.reduce((sum, b) => sum + b.ok, 0);
  assert.ok(answered > 200, `only ${answered} requests answered`);
});

test(`${RUNTIME} chaos: a launcher that never respawns fails the recovery checker`, { timeout: 60_000 }, async () => {
  const report = await runChaos({ driver: clusterDriver({ respawn: "never", name: "broken" }), runtime: "node", seed: 3, durationMs: 8_000, quietMs: 3_000, kinds: ["kill"], meanGapMs: 1_500, recoveryBoundMs: 2_000 });
  const recovery = report.verdicts.find((v) => v.checker === "recovery")!;
  assert.equal(recovery.ok, false, JSON.stringify(recovery));
  assert.match(recovery.summary, /not back to 2 ready within/);
  // Nothing else is wrong with it: its workers are gone at the end.
  assert.equal(report.verdicts.find((v) => v.checker === "orphans")!.ok, true);
});

test(`${RUNTIME} chaos: a launcher that respawns without backoff fails the backoff checker`, { timeout: 60_000 }, async () => {
  const report = await runChaos({ driver: clusterDriver({ name: "eager" }), runtime: "node", seed: 5, durationMs: 8_000, quietMs: 3_000, kinds: ["bootFail"], meanGapMs: 2_500, recoveryBoundMs: 3_000 });
  const backoff = report.verdicts.find((v) => v.checker === "backoff")!;
  assert.equal(backoff.ok, false, JSON.stringify(backoff));
  assert.match(backoff.summary, /in a row came \d+ ms after the crash/);
});
