/**
 * Invariant 5: once faults stop (then only time passes), within a bounded
 * simulated time every group has `desired` ready workers of the latest
 * generation, nothing is left starting or stopping, and the rollout has
 * finished. Slots of temporary/transient groups whose worker finished are
 * excluded; a supervisor that gave up must have exited instead.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, RUNNING_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() reaches desired ready workers of the latest generation once faults stop", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(RUNNING_MIX, 30), (config, commands) => {
      const world = play(config, commands, []);
      const bound = world.quietBoundMs();
      const from = world.sim.now;
      if (!world.settle()) assert.fail(`invariant 5: not settled ${world.sim.now - from} ms (bound ${bound} ms) after the last fault\n${world.describe()}`);
    }),
    FILE,
  );
});
