/**
 * Invariant 6: crash restarts (`restarting` records) in any window of
 * periodMs never exceed maxRestarts. Every unplanned exit that must be
 * restarted (a holder or successor of a live slot, restartable by its
 * group's type, not taken over by a successor) is restarted, unless
 * maxRestarts restarts already fall in the window: then the supervisor gives
 * up, its phase is `failed`, and exit(1) follows once every worker is gone.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, CRASH_MIX, play } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() gives up instead of exceeding maxRestarts crash restarts within periodMs", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary("strict"), commandsArbitrary(CRASH_MIX, 30), (config, commands) => {
      const world = play(config, commands, [4, 6]);
      const settled = world.settle();
      if (world.model.gaveUp) {
        if (!settled) assert.fail(`invariant 6: gave up but did not exit\n${world.describe()}`);
        assert.deepEqual(world.exits.map((e) => e.code), [1], `invariant 6: exits after giving up: ${JSON.stringify(world.exits)}`);
        assert.equal(world.state.phase, "failed");
      }
      world.stopAndDrain();
      assert.deepEqual(world.exits.map((e) => e.code), [world.model.gaveUp ? 1 : 0]);
    }),
    FILE,
  );
});
