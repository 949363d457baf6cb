/**
 * Invariant 4: once a stop began (or the supervisor gave up) no spawn
 * follows; `exit` is emitted exactly once, and only when no worker and no
 * process remains. Faults keep coming after the stop.
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

test("step() spawns nothing after stop and emits exit once, after the last worker exited", { timeout: 120_000 }, () => {
  const mix = { ...WORLD_MIX, stop: 2 };
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(mix, 30), fc.boolean(), (config, commands, graceful) => {
      const world = play(config, commands, [4]);
      world.stopAndDrain(graceful);
      if (world.exits.length !== 1) assert.fail(`invariant 4: expected one exit, got ${JSON.stringify(world.exits)}\n${world.describe()}`);
      assert.ok(world.state.phase === "stopped" || world.state.phase === "failed", `phase ${world.state.phase} after the exit`);
      assert.equal(world.state.workers.size, 0);
      assert.deepEqual(world.sim.livePids(), []);
    }),
    FILE,
  );
});
