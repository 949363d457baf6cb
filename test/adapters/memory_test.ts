/**
 * Determinism across runtimes (invariant 7): `simulate()` of a fixed config
 * gives, for each seed, a trace whose hash is written here. node, deno and
 * bun must all reproduce it byte for byte; a change to the core or the
 * simulator that moves a hash must update the golden value on purpose.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { fnv1a, simulate } from "../../adapters/memory.ts";
import type { SimulationResult } from "../../adapters/memory.ts";
import { validateConfig } from "../../src/core/config.ts";
import type { Config } from "../../src/core/types.ts";

/** Two groups that exercise IPC readiness with liveness, plain commands, jitter and every fault kind. */
const CONFIG: Config = validated({
  seed: 7,
  maxRestarts: 1000,
  periodMs: 10_000,
  groups: [
    { name: "web", command: ["node", "server.js"], count: 3, ready: "ipc", heartbeatTimeoutMs: 600, readyTimeoutMs: 2000, killTimeoutMs: 800, maxSurge: 1 },
    { name: "jobs", command: ["worker"], count: 2, ready: "after", readyAfterMs: 200, killTimeoutMs: 500, restart: "transient", backoff: { jitter: 0.5 } },
  ],
});

function validated(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`bad test config: ${JSON.stringify(result.problems)}`);
  return result.config;
}

function run(seed: number): SimulationResult {
  return simulate({ seed, config: CONFIG, until: 15_000, faults: { meanGapMs: 400, untilMs: 8000 } });
}

test("simulate() gives byte-identical traces for the same seed", () => {
  const first = run(1);
  const second = run(1);
  assert.equal(JSON.stringify(second.trace), JSON.stringify(first.trace));
  assert.equal(second.hash, fnv1a(JSON.stringify(first.trace)));
});

test("simulate() gives different traces for different seeds", () => {
  const hashes = [1, 2, 3].map((seed) => run(seed).hash);
  assert.equal(new Set(hashes).size, hashes.length);
  assert.notEqual(JSON.stringify(run(1).trace), JSON.stringify(run(2).trace));
});

test("simulate() injects faults and still ends with a graceful exit", () => {
  for (const seed of [1, 2, 3]) assert.equal(run(seed).exit?.code, 0, `seed ${seed}`);
  const result = run(2);
  const faults = result.trace.filter((line) => line.kind === "fault");
  assert.ok(faults.length >= 5, `only ${faults.length} faults`);
  assert.equal(result.trace.filter((line) => line.kind === "effect" && line.effect.type === "exit").length, 1);
  assert.equal(result.state.workers.size, 0);
  assert.equal(result.state.phase, "stopped");
});

test("fnv1a() hashes UTF-16 code units to 8 hex digits", () => {
  assert.equal(fnv1a(""), "811c9dc5");
  assert.equal(fnv1a("a"), "e40c292c");
  assert.equal(fnv1a("foobar"), "bf9cf968");
});
