/**
 * Invariant 3: every starting worker has a boot deadline (readyTimeoutMs
 * after its start) and every stopping worker a kill deadline; beyond that,
 * the core's timer table, the workers' and slots' timer ids and the timers
 * the driver was asked to arm (setTimer minus cancelTimer and fired) are the
 * same set, and none is due in the past.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, WORLD_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() arms a boot deadline for every starting worker and a kill deadline for every stopping one", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(WORLD_MIX, 30), (config, commands) => {
      const world = play(config, commands, [3]);
      world.settle();
      world.stopAndDrain();
      if (world.state.timers.size > 0 || world.armed.size > 0) assert.fail(`invariant 3: timers left armed after the exit\n${world.describe()}`);
    }),
    FILE,
  );
});
