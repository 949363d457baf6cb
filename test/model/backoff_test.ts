/**
 * Invariant 9: the k-th consecutive crash restart of a slot waits at least
 * backoffFloorMs(config.backoff, k), both as its `restarting` record says
 * (inMs) and as the time from the crash to the slot's next spawn. k is
 * counted from the records, not read from the core: crash restarts since a
 * worker of the slot was last seen ready for minUptimeMs.
 *
 * @module
 */

import { test } from "node:test";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, CRASH_MIX, play } from "./commands.ts";
import { configArbitrary } from "./configs.ts";

const FILE = testFile(import.meta.url);

test("step() waits at least backoff(k) before the k-th consecutive crash restart of a slot", { timeout: 120_000 }, () => {
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(CRASH_MIX, 30), (config, commands) => {
      const world = play(config, commands, [9]);
      world.settle();
      world.stopAndDrain();
    }),
    FILE,
  );
});
