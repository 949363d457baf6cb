/**
 * Invariant 8: events for unknown or stale ids (never issued, already
 * exited, duplicate facts of live workers, cancelled or fired timers) never
 * throw, leave the state unchanged and produce exactly one `ignored` record,
 * in every phase, the stopped one included. The check lives in
 * `StaleEventCommand`; this property draws many of them.
 *
 * @module
 */

import { test } from "node:test";
import fc from "fast-check";
import { assertProperty, testFile } from "./_replay.ts";
import { commandsArbitrary, play, WORLD_MIX } from "./commands.ts";
import { configArbitrary } from "./configs.ts";
import { StaleEventCommand, type StaleKind } from "./stale_event_command.ts";

const FILE = testFile(import.meta.url);
const KINDS: readonly StaleKind[] = ["spawned", "spawnFailed", "ready", "heartbeat", "exited", "timer"];

test("step() ignores and reports events for unknown or stale ids, never throwing", { timeout: 120_000 }, () => {
  const mix = { ...WORLD_MIX, stale: 8 };
  assertProperty(
    fc.property(configArbitrary(), commandsArbitrary(mix, 30), (config, commands) => {
      const world = play(config, commands, []);
      world.stopAndDrain();
      for (const kind of KINDS) for (const index of [0, 1, 2]) new StaleEventCommand(kind, index).run(world.model, world);
    }),
    FILE,
  );
});
