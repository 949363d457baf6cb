/**
 * Invariant 2: with no fault injected, a rollout (reload or restart) never
 * takes a group's ready count below min(desired, its ready count when the
 * rollout began). Precisely, the floor is the number of slots below desired
 * that were ready when it began, less those a scale-down dropped since: a
 * scale-down (a reload undoing an earlier scale-up is one) stops the highest
 * slots, ready or not. The commands here are requests and time only.
 *
 * @module
 */

import { test } from "node:test";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, QUIET_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() never drops the ready count below min(desired, ready when a reload began) without faults", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(QUIET_MIX, 30), (config, commands) => {
      const world = play(config, commands, [2]);
      world.settle();
    }),
    FILE,
  );
});
