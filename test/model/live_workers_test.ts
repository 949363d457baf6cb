/**
 * Invariant 1: live workers (starting + ready + stopping) per group never
 * exceed its slots (retiring slots still draining included) + maxSurge, nor
 * desired + maxSurge while no scale-down is draining. The checker also holds
 * the core's per-group counters to a scan of its workers, since the surge
 * budget is spent from them.
 *
 * @module
 */

import { test } from "node:test";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, WORLD_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() never exceeds desired + maxSurge live workers", { timeout: 120_000 }, () => {
  const mix = { ...WORLD_MIX, scale: 4, reload: 3, restart: 3 };
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(mix, 30), (config, commands) => {
      const world = play(config, commands, [1]);
      world.settle();
      world.stopAndDrain();
    }),
    FILE,
  );
});
