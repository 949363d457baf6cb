/**
 * 10,000 seeded chaos schedules through the in-memory simulator, each
 * judged by the chaos checkers (recovery, orphans, intensity, backoff, the
 * reference-model replay). Zero violations, or the test fails naming the
 * seed and the command that replays it. `STEWARD_CHAOS_SEED=<n>` runs that
 * seed alone.
 *
 * @module
 */

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { simulateChaos } from "../../chaos/simulated.ts";
import { replayRecords } from "../../chaos/replay.ts";
import { RUNTIME } from "../_harness.ts";

const RUNS = 10_000;
const only = process.env.STEWARD_CHAOS_SEED;

test(`${RUNTIME} chaos: ${only === undefined ? RUNS : 1} seeded fault schedules in the simulator pass every checker`, { timeout: 300_000 }, () => {
  const seeds = only === undefined ? Array.from({ length: RUNS }, (_, i) => i + 1) : [Number(only)];
  let judged = 0;
  for (const seed of seeds) {
    const run = simulateChaos({ seed, durationMs: 6_000, workers: 2 });
    const failed = run.verdicts.filter((v) => v.ok === false);
    if (failed.length > 0) {
      assert.fail(`seed ${seed}: ${failed.map((v) => `${v.checker}: ${v.summary}`).join("; ")}\nreplay: STEWARD_CHAOS_SEED=${seed} node scripts/test.mjs test/chaos/simulated_test.ts`);
    }
    judged += run.verdicts.filter((v) => v.ok === true).length;
  }
  // Five checkers apply to a simulated run (no HTTP load): each one judged every seed.
  assert.equal(judged, seeds.length * 5);
});

test(`${RUNTIME} chaos: the reference model catches a supervisor that forgets to respawn`, () => {
  const run = simulateChaos({ seed: 11, durationMs: 6_000, workers: 2 });
  const records = run.observed.records!;
  // The same run, as told by a supervisor that never started the replacement after a crash.
  const crash = records.records.findIndex((r) => r.type === "restarting");
  assert.ok(crash > 0, "seed 11 has a crash restart");
  const broken = records.records.filter((r, i) => !(i > crash && r.type === "spawning" && r.slot === (records.records[crash] as { slot: number }).slot && r.at === records.records[crash]!.at));
  assert.equal(broken.length, records.records.length - 1);
  const result = replayRecords({ config: records.config, records: broken });
  assert.notEqual(result.divergence, null);
  assert.match(result.divergence!.message, /explains/);
  assert.equal(result.divergence!.expected.some((r) => r.type === "spawning"), true, "the model says it would have spawned");
});
