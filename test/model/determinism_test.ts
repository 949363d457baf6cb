/**
 * Invariant 7: determinism. The same config (seed included) and the same
 * command list give the same trace of events and effects, byte for byte; and
 * `simulate()` gives, for fixed seeds, the trace hashes committed below, so
 * node, deno and bun (which all run this file) agree with each other and
 * with every earlier run.
 *
 * A behaviour change of the core changes the hashes: the failure message
 * prints the new ones, ready to paste once the change is intended.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { simulate } from "../../adapters/memory.ts";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, WORLD_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() gives byte-identical traces for the same seed and commands", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(WORLD_MIX, 20), (config, commands) => {
      const run = (): string => {
        const world = play(config, commands, [], true);
        world.settle();
        world.stopAndDrain();
        return JSON.stringify(world.sim.trace);
      };
      const first = run();
      const second = run();
      if (first !== second) {
        let at = 0;
        while (first[at] === second[at]) at++;
        assert.fail(`invariant 7: traces differ at character ${at}:\n${first.slice(Math.max(0, at - 200), at + 200)}\n---\n${second.slice(Math.max(0, at - 200), at + 200)}`);
      }
    }),
    FILE,
  );
});

/** A config touching every policy: three groups, each readiness mode, heartbeats, backoff with jitter, rest_for_one. */
const GOLDEN_CONFIG = {
  strategy: "rest_for_one",
  maxRestarts: 1000,
  periodMs: 10_000,
  seed: 7,
  groups: [
    { name: "web", command: ["web"], count: 4, ready: "ipc", readyTimeoutMs: 500, killTimeoutMs: 200, heartbeatTimeoutMs: 300, maxSurge: 2, backoff: { initialMs: 50, maxMs: 800, factor: 1.5, jitter: 0.5 }, minUptimeMs: 400 },
    { name: "jobs", command: ["jobs"], count: 2, ready: "after", readyAfterMs: 100, readyTimeoutMs: 400, killTimeoutMs: 100, restart: "transient", backoff: { initialMs: 20, maxMs: 300, factor: 2, jitter: 0.1 } },
    { name: "cron", command: ["cron"], count: 1, ready: "none", killTimeoutMs: 0, restart: "temporary" },
  ],
};

/** FNV-1a of the JSON trace of `simulate({ seed, config: GOLDEN_CONFIG })`. */
const GOLDEN_HASHES: Readonly<Record<number, string>> = {
  1: "80d6c130",
  2: "d8b76a56",
  3: "85a434c1",
  42: "811154f5",
  20_260_101: "e1149f90",
};

test("simulate() traces hash to the committed golden values on every runtime", { timeout: 120_000 }, () => {
  const actual: Record<number, string> = {};
  for (const seed of Object.keys(GOLDEN_HASHES).map(Number)) actual[seed] = simulate({ seed, config: GOLDEN_CONFIG }).hash;
  assert.deepEqual(actual, GOLDEN_HASHES, `invariant 7: simulate() traces changed; if the core's behaviour changed on purpose, paste:\nconst GOLDEN_HASHES = ${JSON.stringify(actual)};`);
});
