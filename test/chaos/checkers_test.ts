/**
 * The graceful-reload checker on hand-made observations: it judges a
 * reload by the errors that happened in its own window, and not by the
 * failures of a fault that began inside the window's last load bucket.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAll, type Injected, type LoadBucket, type Observed } from "../../chaos/checkers.ts";
import { RUNTIME } from "../_harness.ts";

const reloadStorm: Injected = { kind: "reloadStorm", at: 4_418, lastAt: 5_020, count: 4, pids: [], detail: "4 reloads 194 ms apart" };
const kill: Injected = { kind: "kill", at: 5_939, lastAt: 5_939, count: 1, pids: [4242], detail: "SIGKILL pid 4242" };

/** 100 ms buckets from 4.0 s to 7.0 s, 10 answers each, with errors at the given times. */
function load(errorAt: readonly number[]): LoadBucket[] {
  const buckets: LoadBucket[] = [];
  for (let at = 4_000; at < 7_000; at += 100) {
    const inBucket = errorAt.filter((t) => t >= at && t < at + 100);
    buckets.push({ at, ok: 10, errors: inBucket.length, errorAt: inBucket });
  }
  return buckets;
}

function gracefulReload(errorAt: readonly number[]): { ok: boolean | null; summary: string } {
  const observed: Observed = {
    policy: { workers: 2, maxRestarts: 100, periodMs: 60_000, backoff: { initialMs: 100, maxMs: 2_000, factor: 2, jitter: 0.1 }, minUptimeMs: 1_000, recoveryBoundMs: 6_000 },
    faults: [reloadStorm, kill],
    lifecycle: [],
    endAt: 9_000,
    pidsSeen: [],
    leftAlive: [],
    timingSlackMs: 0,
    gaveUp: false,
    load: load(errorAt),
    records: null,
  };
  const verdict = checkAll(observed).find((v) => v.checker === "graceful reload")!;
  return { ok: verdict.ok, summary: verdict.summary };
}

test(`${RUNTIME} chaos checkers: a kill's failures in the bucket where it began do not count against the reload before it`, () => {
  // The kill at 5.939 s resets its worker's two keep-alive connections at 5.941 s, inside the bucket from 5.9 s.
  assert.deepEqual(gracefulReload([5_941, 5_941]), { ok: true, summary: "no failed request during 1 reloads" });
});

test(`${RUNTIME} chaos checkers: a failed request during the reload fails the graceful-reload checker, also in the window's last bucket`, () => {
  assert.deepEqual(gracefulReload([4_700]), { ok: false, summary: "reload at 4.42 s..5.94 s: 160 requests answered, 1 failed" });
  assert.deepEqual(gracefulReload([5_930]), { ok: false, summary: "reload at 4.42 s..5.94 s: 160 requests answered, 1 failed" });
});
