/**
 * The command list: world events and requests, weighted per property by a
 * `Mix`, and `play`, which runs a command list against a fresh world.
 *
 * Commands take indexes, not ids: a target is the index-th live process or
 * group modulo how many there are, so every shrunk command list stays valid.
 *
 * @module
 */

import fc from "fast-check";
import type { Command } from "fast-check";
import type { Config } from "../../src/core/types.ts";
import { replayPath } from "./_replay.ts";
import { CrashCommand } from "./crash_command.ts";
import { FailSpawnsCommand } from "./fail_spawns_command.ts";
import { HangCommand } from "./hang_command.ts";
import { SignalCommand } from "./signal_command.ts";
import type { Model } from "./model.ts";
import { ReloadCommand } from "./reload_command.ts";
import { RestartCommand } from "./restart_command.ts";
import { ScaleCommand } from "./scale_command.ts";
import { StaleEventCommand } from "./stale_event_command.ts";
import { StopCommand } from "./stop_command.ts";
import { TickCommand } from "./tick_command.ts";
import { type Invariant, World } from "./world.ts";

/** A command of the model tests. */
export type WorldCommand = Command<Model, World>;

/** Relative weight of each command kind; 0 or absent leaves it out. */
export interface Mix {
  readonly kill?: number;
  readonly term?: number;
  readonly crash?: number;
  readonly hang?: number;
  readonly failSpawns?: number;
  readonly tick?: number;
  readonly reload?: number;
  readonly scale?: number;
  readonly restart?: number;
  readonly stop?: number;
  readonly stale?: number;
}

/** Everything, faults included. */
export const WORLD_MIX: Mix = { kill: 2, term: 1, crash: 2, hang: 1, failSpawns: 1, tick: 8, reload: 2, scale: 2, restart: 2, stop: 1, stale: 1 };
/** Everything but stop: for liveness. */
export const RUNNING_MIX: Mix = { ...WORLD_MIX, stop: 0 };
/** No faults and no stop: requests and time only. */
export const QUIET_MIX: Mix = { tick: 8, reload: 3, scale: 3, restart: 3, stale: 1 };
/** Crash-heavy, for intensity and backoff. */
export const CRASH_MIX: Mix = { kill: 3, term: 1, crash: 4, hang: 1, failSpawns: 2, tick: 8, reload: 1, scale: 1, restart: 1 };

const index = fc.nat({ max: 99 });

const ARBITRARIES: { readonly [K in keyof Mix]-?: fc.Arbitrary<WorldCommand> } = {
  kill: index.map((i) => new SignalCommand("SIGKILL", i)),
  term: index.map((i) => new SignalCommand("SIGTERM", i)),
  crash: fc.tuple(index, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 }))).map(([i, code]) => new CrashCommand(i, code)),
  hang: index.map((i) => new HangCommand(i)),
  failSpawns: fc.integer({ min: 1, max: 3 }).map((n) => new FailSpawnsCommand(n)),
  tick: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 60, max: 600 })).map((ms) => new TickCommand(ms)),
  reload: fc.constant(null).map(() => new ReloadCommand()),
  scale: fc.tuple(index, fc.integer({ min: 1, max: 6 })).map(([group, count]) => new ScaleCommand(group, count)),
  restart: fc.tuple(fc.constantFrom("all", "group", "slot" as const), index, index).map(([scope, group, slot]) => new RestartCommand(scope, group, slot)),
  stop: fc.boolean().map((graceful) => new StopCommand(graceful)),
  stale: fc.tuple(fc.constantFrom("spawned", "spawnFailed", "ready", "heartbeat", "exited", "timer" as const), index).map(([kind, i]) => new StaleEventCommand(kind, i)),
};

/**
 * Command lists drawn from a mix.
 *
 * @param mix Weights per command kind.
 * @param maxCommands Longest list.
 * @returns An arbitrary of command lists that shrink by dropping and simplifying commands.
 */
export function commandsArbitrary(mix: Mix, maxCommands: number): fc.Arbitrary<Iterable<WorldCommand>> {
  const weighted: fc.WeightedArbitrary<WorldCommand>[] = [];
  for (const [kind, arbitrary] of Object.entries(ARBITRARIES) as [keyof Mix, fc.Arbitrary<WorldCommand>][]) {
    const weight = mix[kind] ?? 0;
    if (weight > 0) weighted.push({ arbitrary, weight });
  }
  const replay = replayPath();
  return fc.commands([fc.oneof(...weighted)], { maxCommands, size: "max", ...(replay === undefined ? {} : { replayPath: replay }) });
}

/**
 * Start a world for `config`, checking `checks` at every step, and run the commands on it.
 *
 * @param config The supervisor's config.
 * @param commands The command list.
 * @param checks Invariants to check at every step.
 * @param trace Keep the simulation's trace.
 * @returns The world, for final checks.
 */
export function play(config: Config, commands: Iterable<WorldCommand>, checks: readonly Invariant[], trace = false): World {
  const world = new World(config, { checks, trace });
  fc.modelRun(() => ({ model: world.model, real: world }), commands);
  return world;
}
