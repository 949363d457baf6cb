/**
 * Scenario tests of the supervision core: what the OpenStack launchers
 * (oslo.service) were asked to do, driven through the virtual-time
 * `Simulation` (or `step` itself where one event says it all), asserting the
 * exact records and effects.
 *
 * Simulated worker timing, unless a script says otherwise: the process exists
 * 1 ms after `spawn`, an IPC worker sends `ready` 50 ms later, a stop request
 * drains in 20 ms, SIGKILL takes 1 ms.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Simulation } from "../../adapters/memory.ts";
import type { ScriptFor } from "../../adapters/memory.ts";
import { validateConfig } from "../../src/core/config.ts";
import { cloneState, initialState, ProtocolError, step } from "../../src/core/step.ts";
import type { Config, Effect, Event, GroupState, State, SupervisorRecord } from "../../src/core/types.ts";

// ---------------------------------------------------------------- helpers

/** A validated config; the test fails on a problem. */
function configOf(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`bad test config: ${JSON.stringify(result.problems)}`);
  return result.config;
}

/** One IPC group `web` with a short kill timeout, plus overrides. */
function web(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: "web", command: ["app"], ready: "ipc", killTimeoutMs: 500, ...overrides };
}

/** A simulation of a config validated here, so the simulator never mistakes raw input for a `Config`. */
function simulation(input: Record<string, unknown>, script?: ScriptFor): Simulation {
  const config = configOf(input);
  return new Simulation(script === undefined ? { config } : { config, script });
}

/** A started simulation whose workers are all ready (100 ms in). */
function running(config: Record<string, unknown>, script?: ScriptFor): Simulation {
  const sim = simulation(config, script);
  sim.start();
  sim.advance(100);
  return sim;
}

function effectsSince(sim: Simulation, from: number): Effect[] {
  return sim.trace.slice(from).flatMap((line) => (line.kind === "effect" ? [line.effect] : []));
}

function recordsSince(sim: Simulation, from: number): SupervisorRecord[] {
  return effectsSince(sim, from).flatMap((effect) => (effect.type === "emit" ? [effect.record] : []));
}

function recordsOfType<T extends SupervisorRecord["type"]>(records: readonly SupervisorRecord[], type: T): Extract<SupervisorRecord, { type: T }>[] {
  return records.filter((r): r is Extract<SupervisorRecord, { type: T }> => r.type === type);
}

/** Effects that act on a worker (spawn, send, signal), without timers and records. */
function actions(effects: readonly Effect[]): Effect[] {
  return effects.filter((e) => e.type === "spawn" || e.type === "send" || e.type === "signal");
}

function groupOf(sim: Simulation, name = "web"): GroupState {
  const group = sim.state.groups.get(name);
  assert.ok(group !== undefined, `no group ${name}`);
  return group;
}

/** Live workers as [id, group, slot, generation, phase], in id order. */
function workers(sim: Simulation): [number, string, number, number, string][] {
  return [...sim.state.workers.values()].map((w) => [w.id, w.group, w.slot, w.generation, w.phase]);
}

/** Every slot's holder is a ready worker of the group's current generation. */
function assertConverged(sim: Simulation, name = "web"): void {
  const group = groupOf(sim, name);
  assert.equal(group.slots.length, group.config.count);
  for (const slot of group.slots) {
    const holder = slot.holder === null ? undefined : sim.state.workers.get(slot.holder);
    assert.equal(holder?.phase, "ready", `slot ${slot.index} of ${name}`);
    assert.equal(holder?.generation, group.generation, `slot ${slot.index} of ${name}`);
  }
}

/** The core state straight after `start` at time 0. */
function started(input: unknown): State {
  return step(initialState(configOf(input)), { type: "start" }, 0).state;
}

function emitted(effects: readonly Effect[]): SupervisorRecord[] {
  return effects.flatMap((e) => (e.type === "emit" ? [e.record] : []));
}

// ------------------------------------------------------------- crash repair

test("step() hands a group's shared port to each of its spawns, and none to other groups", () => {
  const effects = step(initialState(configOf({ groups: [web({ count: 2, port: 8080 }), { name: "jobs", command: ["j"] }] })), { type: "start" }, 0).effects;
  const listens = effects.flatMap((e) => (e.type === "spawn" ? [[e.spec.group, e.spec.listen ?? null]] : []));
  assert.deepEqual(listens, [["web", { host: "127.0.0.1", port: 8080 }], ["web", { host: "127.0.0.1", port: 8080 }], ["jobs", null]]);
});

test("step() replaces a killed worker with a new pid and leaves the others untouched", () => {
  const sim = running({ groups: [web({ count: 3 })] });
  assert.deepEqual(sim.livePids(), [1000, 1001, 1002]);
  const mark = sim.trace.length;
  sim.kill(1); // pid 1001, worker 2 in slot 1
  sim.advance(100);
  assert.deepEqual(recordsSince(sim, mark), [
    { type: "exited", at: 101, id: 2, group: "web", slot: 1, pid: 1001, code: null, signal: "SIGKILL", planned: false },
    { type: "restarting", at: 101, group: "web", slot: 1, inMs: 0, attempt: 1 },
    { type: "spawning", at: 101, id: 4, group: "web", slot: 1, generation: 1 },
    { type: "spawned", at: 102, id: 4, group: "web", slot: 1, pid: 1003 },
    { type: "ready", at: 152, id: 4, group: "web", slot: 1, generation: 1, pid: 1003 },
  ]);
  assert.deepEqual(actions(effectsSince(sim, mark)).map((e) => e.type), ["spawn"]);
  assert.deepEqual(sim.livePids(), [1000, 1002, 1003]);
  assert.deepEqual(workers(sim), [[1, "web", 0, 1, "ready"], [3, "web", 2, 1, "ready"], [4, "web", 1, 1, "ready"]]);
});

test("step() backs a crash loop off with growing delays, then gives up with exit code 1 naming the group", () => {
  const backoff = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  const sim = simulation({ maxRestarts: 4, groups: [web({ ready: "none", backoff })] }, () => ({ exitAfterMs: 10, exitCode: 1 }));
  sim.start();
  sim.runToExit(60_000);
  const records = recordsSince(sim, 0);
  assert.deepEqual(recordsOfType(records, "restarting").map((r) => [r.at, r.inMs, r.attempt]), [
    [11, 0, 1],
    [22, 100, 2],
    [133, 200, 3],
    [344, 400, 4],
  ]);
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => r.at), [0, 11, 122, 333, 744]);
  const reason = 'group "web" slot 0 exited with code 1; more than 4 restarts within 60000 ms';
  assert.deepEqual(records.slice(-2), [
    { type: "gaveUp", at: 755, group: "web", reason },
    { type: "stopped", at: 755, code: 1, reason },
  ]);
  assert.deepEqual(sim.exit, { code: 1, reason, at: 755 });
  assert.equal(sim.state.phase, "failed");
  assert.equal(sim.spawnCount, 5);
});

test("step() gives up on the first crash when maxRestarts is 0", () => {
  const sim = running({ maxRestarts: 0, groups: [web({ count: 2 })] });
  sim.crash(0, 3);
  sim.advance(100);
  const reason = 'group "web" slot 0 exited with code 3; more than 0 restarts within 60000 ms';
  assert.deepEqual(sim.exit, { code: 1, reason, at: 120 });
  assert.equal(sim.spawnCount, 2);
});

// ------------------------------------------------------------------ reload

test("step() reloads by rolling every worker to a new generation, never below the desired ready count", () => {
  const sim = running({ groups: [web({ count: 4 })] });
  let steps = 0;
  sim.onStep(({ state }) => {
    const group = state.groups.get("web")!;
    steps += 1;
    assert.ok(group.counts.ready >= 4, `ready ${group.counts.ready} < 4 at ${sim.now}`);
    assert.ok(group.counts.starting + group.counts.ready + group.counts.stopping <= 4 + 1, `more than count + maxSurge live at ${sim.now}`);
    assert.equal(group.slots.length, 4);
    assert.ok(group.slots.every((slot) => slot.holder !== null), `an empty slot at ${sim.now}`);
  });
  const mark = sim.trace.length;
  sim.dispatch({ type: "reload" });
  sim.advance(1000);
  const records = recordsSince(sim, mark);
  assert.deepEqual(records[0], { type: "rolloutStarted", at: 100, generation: 2, reason: "reload", total: 4 });
  assert.deepEqual(recordsOfType(records, "stopping").map((r) => [r.id, r.slot, r.reason]), [
    [1, 0, "replaced"],
    [2, 1, "replaced"],
    [3, 2, "replaced"],
    [4, 3, "replaced"],
  ]);
  assert.deepEqual(recordsOfType(records, "rolloutProgress").map((r) => [r.slot, r.remaining]), [[0, 3], [1, 2], [2, 1], [3, 0]]);
  assert.deepEqual(recordsOfType(records, "rolloutFinished"), [{ type: "rolloutFinished", at: 364, generation: 2, reason: "reload" }]);
  assert.equal(steps, 13); // reload, then spawned, ready and exited per slot
  assertConverged(sim);
  assert.deepEqual(workers(sim).map(([id, , slot, generation]) => [id, slot, generation]), [[5, 0, 2], [6, 1, 2], [7, 2, 2], [8, 3, 2]]);
  assert.equal(sim.state.rollout, null);
});

test("step() lets a reload during a reload supersede it, ending with every worker at the latest generation", () => {
  const sim = running({ groups: [web({ count: 3 })] });
  sim.onStep(({ state }) => assert.ok(state.groups.get("web")!.counts.ready >= 3, `ready below 3 at ${sim.now}`));
  const mark = sim.trace.length;
  sim.dispatch({ type: "reload" }); // generation 2: slot 0's successor is ready at 151
  sim.advance(60);
  sim.dispatch({ type: "reload" }); // generation 3: slot 0's next successor starts at 171
  sim.advance(25);
  sim.dispatch({ type: "reload", config: { groups: [web({ count: 3, command: ["app", "--v4"] })] } });
  sim.advance(1000);
  const records = recordsSince(sim, mark);
  assert.deepEqual(recordsOfType(records, "rolloutStarted").map((r) => [r.at, r.generation, r.total]), [[100, 2, 3], [160, 3, 3], [185, 4, 3]]);
  // The generation-3 successor, superseded while starting, is drained.
  assert.deepEqual(recordsOfType(records, "stopping")[1], { type: "stopping", at: 185, id: 5, group: "web", slot: 0, reason: "replaced" });
  assert.deepEqual(recordsOfType(records, "rolloutFinished"), [{ type: "rolloutFinished", at: 398, generation: 4, reason: "reload" }]);
  assertConverged(sim);
  assert.equal(groupOf(sim).generation, 4);
  assert.deepEqual(workers(sim).map(([, , slot, generation]) => [slot, generation]), [[0, 4], [1, 4], [2, 4]]);
  const lastSpawns = actions(effectsSince(sim, mark)).flatMap((e) => (e.type === "spawn" ? [e.spec] : [])).slice(-3);
  assert.deepEqual(lastSpawns.map((spec) => [spec.slot, spec.generation, spec.command]), [
    [0, 4, ["app", "--v4"]],
    [1, 4, ["app", "--v4"]],
    [2, 4, ["app", "--v4"]],
  ]);
});

test("step() rejects a reload with an invalid config and stops or spawns nothing", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  const before = sim.state.config;
  const mark = sim.trace.length;
  sim.dispatch({ type: "reload", config: { groups: [web({ count: 0 })] } });
  sim.advance(1000);
  assert.deepEqual(effectsSince(sim, mark), [
    {
      type: "emit",
      record: {
        type: "reloadRejected",
        at: 100,
        problems: [{ path: "groups[0].count", value: 0, message: "expected an integer from 1 to 10000" }],
      },
    },
  ]);
  assert.equal(sim.state.config, before);
  assert.equal(sim.state.generation, 1);
  assert.deepEqual(workers(sim), [[1, "web", 0, 1, "ready"], [2, "web", 1, 1, "ready"]]);
});

// -------------------------------------------------------------------- stop

test("step() escalates a graceful stop to SIGKILL after killTimeoutMs and emits exit(0) once, after the last exit", () => {
  const sim = running({ groups: [web({ count: 2 })] }, (_spec, index) => ({ ignoreStop: index === 1 }));
  const mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: true });
  sim.advance(2000);
  assert.deepEqual(recordsSince(sim, mark), [
    { type: "stopRequested", at: 100, graceful: true },
    { type: "stopping", at: 100, id: 1, group: "web", slot: 0, reason: "shutdown" },
    { type: "stopping", at: 100, id: 2, group: "web", slot: 1, reason: "shutdown" },
    { type: "exited", at: 120, id: 1, group: "web", slot: 0, pid: 1000, code: 0, signal: null, planned: true },
    { type: "killing", at: 600, id: 2, group: "web", slot: 1, reason: "killTimeout" },
    { type: "exited", at: 601, id: 2, group: "web", slot: 1, pid: 1001, code: null, signal: "SIGKILL", planned: true },
    { type: "stopped", at: 601, code: 0, reason: "stopped" },
  ]);
  assert.deepEqual(actions(effectsSince(sim, mark)), [
    { type: "send", id: 1, message: { type: "stop", deadlineMs: 500 } },
    { type: "send", id: 2, message: { type: "stop", deadlineMs: 500 } },
    { type: "signal", id: 2, signal: "SIGKILL" },
  ]);
  const exits = sim.trace.flatMap((line, index) => (line.kind === "effect" && line.effect.type === "exit" ? [index] : []));
  assert.equal(exits.length, 1);
  assert.equal(sim.trace[exits[0]! - 1]?.kind, "effect"); // emitted in the step of the last `exited` event
  assert.deepEqual(sim.exit, { code: 0, reason: "stopped", at: 601 });
  assert.equal(sim.state.phase, "stopped");
  assert.equal(sim.state.timers.size, 0);
});

test("step() stops a plain command with its stopSignal", () => {
  const sim = running({ groups: [web({ ready: "none", stopSignal: "SIGINT" })] });
  const mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: true });
  sim.advance(100);
  assert.deepEqual(actions(effectsSince(sim, mark)), [{ type: "signal", id: 1, signal: "SIGINT" }]);
  assert.deepEqual(sim.exit, { code: 0, reason: "stopped", at: 120 });
});

test("step() spawns nothing after a stop that arrives during a backoff wait", () => {
  const backoff = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  const sim = simulation({ groups: [web({ ready: "none", backoff })] }, () => ({ exitAfterMs: 10 }));
  sim.start();
  sim.advance(50); // crashed at 11 (restarted at once) and 22 (backoff until 122, timer 4)
  assert.equal(groupOf(sim).slots[0]!.backoffTimer, 4);
  const mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: true });
  assert.deepEqual(effectsSince(sim, mark), [
    { type: "emit", record: { type: "stopRequested", at: 50, graceful: true } },
    { type: "cancelTimer", id: 4 },
    { type: "emit", record: { type: "stopped", at: 50, code: 0, reason: "stopped" } },
    { type: "exit", code: 0, reason: "stopped" },
  ]);
  sim.advance(10_000);
  assert.equal(sim.spawnCount, 2);
  assert.equal(sim.trace.length, mark + 5);
});

test("step() ignores a second graceful stop", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  sim.dispatch({ type: "stop", graceful: true });
  let mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: true });
  assert.deepEqual(effectsSince(sim, mark), [
    { type: "emit", record: { type: "ignored", at: 100, event: "stop", reason: "the supervisor is already stopping" } },
  ]);
  sim.advance(100);
  mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: true });
  assert.deepEqual(effectsSince(sim, mark), [
    { type: "emit", record: { type: "ignored", at: 200, event: "stop", reason: "the supervisor is stopped" } },
  ]);
  assert.equal(sim.trace.filter((line) => line.kind === "effect" && line.effect.type === "exit").length, 1);
});

test("step() SIGKILLs every worker on an immediate stop", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  const mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: false });
  sim.advance(100);
  assert.deepEqual(actions(effectsSince(sim, mark)), [
    { type: "signal", id: 1, signal: "SIGKILL" },
    { type: "signal", id: 2, signal: "SIGKILL" },
  ]);
  assert.deepEqual(recordsOfType(recordsSince(sim, mark), "killing").map((r) => [r.id, r.reason]), [[1, "immediate"], [2, "immediate"]]);
  assert.deepEqual(recordsOfType(recordsSince(sim, mark), "exited").map((r) => [r.id, r.signal, r.planned]), [[1, "SIGKILL", true], [2, "SIGKILL", true]]);
  assert.deepEqual(sim.exit, { code: 0, reason: "stopped", at: 101 });
});

test("step() SIGKILLs the workers still draining when an immediate stop follows a graceful one", () => {
  const sim = running({ groups: [web()] }, () => ({ ignoreStop: true }));
  sim.dispatch({ type: "stop", graceful: true });
  sim.advance(10);
  const mark = sim.trace.length;
  sim.dispatch({ type: "stop", graceful: false });
  sim.advance(10);
  assert.deepEqual(recordsSince(sim, mark), [
    { type: "stopRequested", at: 110, graceful: false },
    { type: "killing", at: 110, id: 1, group: "web", slot: 0, reason: "immediate" },
    { type: "exited", at: 111, id: 1, group: "web", slot: 0, pid: 1000, code: null, signal: "SIGKILL", planned: true },
    { type: "stopped", at: 111, code: 0, reason: "stopped" },
  ]);
});

test("step() delivers a stop requested before the pid is known once the worker has spawned", () => {
  const sim = simulation({ groups: [web()] });
  sim.start();
  sim.dispatch({ type: "stop", graceful: true }); // worker 1 has no pid yet
  assert.equal(actions(effectsSince(sim, 0)).filter((e) => e.type !== "spawn").length, 0);
  const mark = sim.trace.length;
  sim.advance(100);
  assert.deepEqual(actions(effectsSince(sim, mark)), [{ type: "send", id: 1, message: { type: "stop", deadlineMs: 500 } }]);
  assert.deepEqual(sim.exit, { code: 0, reason: "stopped", at: 21 });
  assert.equal(sim.spawnCount, 1);
});

// ------------------------------------------------------------------- scale

test("step() scales 4 -> 8 -> 2: up adds slots, down gracefully stops the highest and leaves slots 0-1 alone", () => {
  const sim = running({ groups: [web({ count: 4 })] });
  let mark = sim.trace.length;
  sim.dispatch({ type: "scale", group: "web", count: 8 });
  sim.advance(100);
  let records = recordsSince(sim, mark);
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => [r.id, r.slot]), [[5, 4], [6, 5], [7, 6], [8, 7]]);
  assert.deepEqual(recordsOfType(records, "scaled"), [{ type: "scaled", at: 100, group: "web", from: 4, to: 8 }]);
  assert.equal(groupOf(sim).counts.ready, 8);

  mark = sim.trace.length;
  sim.dispatch({ type: "scale", group: "web", count: 2 });
  sim.advance(100);
  records = recordsSince(sim, mark);
  assert.deepEqual(recordsOfType(records, "stopping").map((r) => [r.id, r.slot, r.reason]), [
    [3, 2, "scaledDown"],
    [4, 3, "scaledDown"],
    [5, 4, "scaledDown"],
    [6, 5, "scaledDown"],
    [7, 6, "scaledDown"],
    [8, 7, "scaledDown"],
  ]);
  assert.deepEqual(recordsOfType(records, "scaled"), [{ type: "scaled", at: 200, group: "web", from: 8, to: 2 }]);
  const acted = actions(effectsSince(sim, mark));
  assert.ok(acted.every((e) => e.type === "send" && e.id >= 3), JSON.stringify(acted));
  assert.equal(acted.length, 6);
  assert.deepEqual(recordsOfType(records, "exited").map((r) => [r.id, r.planned]), [[3, true], [4, true], [5, true], [6, true], [7, true], [8, true]]);
  assert.deepEqual(workers(sim), [[1, "web", 0, 1, "ready"], [2, "web", 1, 1, "ready"]]);
  assert.equal(groupOf(sim).slots.length, 2);
  assert.equal(sim.spawnCount, 8);
});

test("step() rejects a scale of an unknown group or to a bad count", () => {
  const state = started({ groups: [web()] });
  assert.deepEqual(step(state, { type: "scale", group: "api", count: 2 }, 5).effects, [
    { type: "emit", record: { type: "rejected", at: 5, event: "scale", reason: 'unknown group "api"' } },
  ]);
  assert.deepEqual(step(state, { type: "scale", group: "web", count: 0 }, 6).effects, [
    { type: "emit", record: { type: "rejected", at: 6, event: "scale", reason: 'count for group "web" must be an integer from 1 to 10000, got 0' } },
  ]);
});

// ----------------------------------------------------------------- restart

test("step() restarts one slot by starting its successor before stopping the old worker", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  const mark = sim.trace.length;
  sim.dispatch({ type: "restart", target: { scope: "slot", group: "web", slot: 1 } });
  sim.advance(200);
  assert.deepEqual(recordsSince(sim, mark), [
    { type: "rolloutStarted", at: 100, generation: 1, reason: "restart", total: 1 },
    { type: "spawning", at: 100, id: 3, group: "web", slot: 1, generation: 1 },
    { type: "spawned", at: 101, id: 3, group: "web", slot: 1, pid: 1002 },
    { type: "ready", at: 151, id: 3, group: "web", slot: 1, generation: 1, pid: 1002 },
    { type: "stopping", at: 151, id: 2, group: "web", slot: 1, reason: "replaced" },
    { type: "rolloutProgress", at: 151, group: "web", slot: 1, generation: 1, remaining: 0 },
    { type: "rolloutFinished", at: 151, generation: 1, reason: "restart" },
    { type: "exited", at: 171, id: 2, group: "web", slot: 1, pid: 1001, code: 0, signal: null, planned: true },
  ]);
  assert.deepEqual(workers(sim), [[1, "web", 0, 1, "ready"], [3, "web", 1, 1, "ready"]]);
});

test("step() restarts a group slot by slot and leaves the other groups alone", () => {
  const sim = running({ groups: [web({ count: 3 }), web({ name: "jobs", count: 2 })] });
  sim.onStep(({ state }) => assert.ok(state.groups.get("web")!.counts.ready >= 3, `web below 3 ready at ${sim.now}`));
  const mark = sim.trace.length;
  sim.dispatch({ type: "restart", target: { scope: "group", group: "web" } });
  sim.advance(1000);
  const records = recordsSince(sim, mark);
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => [r.at, r.group, r.slot]), [[100, "web", 0], [171, "web", 1], [242, "web", 2]]);
  assert.deepEqual(recordsOfType(records, "stopping").map((r) => [r.id, r.reason]), [[1, "replaced"], [2, "replaced"], [3, "replaced"]]);
  assert.ok(records.every((r) => !("group" in r) || r.group === "web"));
  assert.deepEqual(workers(sim).map(([id, group, slot]) => [id, group, slot]), [[4, "jobs", 0], [5, "jobs", 1], [6, "web", 0], [7, "web", 1], [8, "web", 2]]);
});

test("step() restarts all groups rolling, each keeping its desired ready count", () => {
  const sim = running({ groups: [web({ count: 2 }), web({ name: "jobs", count: 2 })] });
  sim.onStep(({ state }) => {
    for (const group of state.groups.values()) assert.ok(group.counts.ready >= 2, `${group.config.name} below 2 ready at ${sim.now}`);
  });
  const mark = sim.trace.length;
  sim.dispatch({ type: "restart", target: { scope: "all" } });
  sim.advance(1000);
  const records = recordsSince(sim, mark);
  assert.deepEqual(records[0], { type: "rolloutStarted", at: 100, generation: 1, reason: "restart", total: 4 });
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => [r.at, r.group, r.slot]), [
    [100, "web", 0],
    [100, "jobs", 0],
    [171, "web", 1],
    [171, "jobs", 1],
  ]);
  assert.deepEqual(recordsOfType(records, "rolloutFinished"), [{ type: "rolloutFinished", at: 222, generation: 1, reason: "restart" }]);
  assert.deepEqual(workers(sim).map(([id]) => id), [5, 6, 7, 8]);
  assertConverged(sim, "web");
  assertConverged(sim, "jobs");
});

test("step() rejects a restart of an unknown group or slot", () => {
  const state = started({ groups: [web({ count: 2 })] });
  assert.deepEqual(emitted(step(state, { type: "restart", target: { scope: "group", group: "api" } }, 5).effects), [
    { type: "rejected", at: 5, event: "restart", reason: 'unknown group "api"' },
  ]);
  assert.deepEqual(emitted(step(state, { type: "restart", target: { scope: "slot", group: "web", slot: 2 } }, 6).effects), [
    { type: "rejected", at: 6, event: "restart", reason: 'group "web" has no slot 2' },
  ]);
});

// --------------------------------------------------------------- readiness

test("step() counts a ready: after worker as ready once it has lived readyAfterMs", () => {
  const sim = simulation({ groups: [web({ ready: "after", readyAfterMs: 300 })] });
  sim.start();
  sim.advance(300);
  assert.equal(groupOf(sim).counts.ready, 0);
  sim.advance(1);
  assert.equal(groupOf(sim).counts.ready, 1);
  assert.deepEqual(recordsOfType(recordsSince(sim, 0), "ready"), [{ type: "ready", at: 301, id: 1, group: "web", slot: 0, generation: 1, pid: 1000 }]);
  assert.equal(sim.spawnCount, 1);
});

test("step() counts a ready: none worker as ready when it has spawned", () => {
  let state = started({ groups: [web({ ready: "none" })] });
  assert.equal(state.groups.get("web")!.counts.ready, 0);
  const result = step(state, { type: "spawned", id: 1, pid: 4242 }, 3);
  state = result.state;
  assert.deepEqual(emitted(result.effects), [
    { type: "spawned", at: 3, id: 1, group: "web", slot: 0, pid: 4242 },
    { type: "ready", at: 3, id: 1, group: "web", slot: 0, generation: 1, pid: 4242 },
  ]);
  assert.equal(state.groups.get("web")!.counts.ready, 1);
});

test("step() counts a ready: ipc worker as ready only on its ready message", () => {
  const sim = simulation({ groups: [web({ readyAfterMs: 10 })] }, () => ({ bootMs: 2000 }));
  sim.start();
  sim.advance(2000);
  assert.equal(groupOf(sim).counts.ready, 0);
  sim.advance(1);
  assert.equal(groupOf(sim).counts.ready, 1);
  assert.deepEqual(recordsOfType(recordsSince(sim, 0), "ready").map((r) => r.at), [2001]);
});

test("step() kills a worker not ready by readyTimeoutMs and restarts it", () => {
  const sim = simulation({ groups: [web({ readyTimeoutMs: 1000 })] }, (_spec, index) => ({ neverReady: index === 0 }));
  sim.start();
  sim.advance(1200);
  assert.deepEqual(recordsSince(sim, 0).slice(3), [
    { type: "killing", at: 1000, id: 1, group: "web", slot: 0, reason: "bootTimeout" },
    { type: "stopping", at: 1000, id: 1, group: "web", slot: 0, reason: "bootTimeout" },
    { type: "exited", at: 1001, id: 1, group: "web", slot: 0, pid: 1000, code: null, signal: "SIGKILL", planned: false },
    { type: "restarting", at: 1001, group: "web", slot: 0, inMs: 0, attempt: 1 },
    { type: "spawning", at: 1001, id: 2, group: "web", slot: 0, generation: 1 },
    { type: "spawned", at: 1002, id: 2, group: "web", slot: 0, pid: 1001 },
    { type: "ready", at: 1052, id: 2, group: "web", slot: 0, generation: 1, pid: 1001 },
  ]);
  assert.deepEqual(actions(effectsSince(sim, 0)).filter((e) => e.type === "signal"), [{ type: "signal", id: 1, signal: "SIGKILL" }]);
});

// ---------------------------------------------------------------- liveness

test("step() SIGKILLs and replaces a worker whose heartbeats stop for heartbeatTimeoutMs", () => {
  // Heartbeats every 100 ms from 101; the hang at 501 leaves 401 as the last.
  const sim = simulation({ groups: [web({ heartbeatTimeoutMs: 300 })] }, (_spec, index) => ({ hangAfterMs: index === 0 ? 500 : null }));
  sim.start();
  sim.advance(800);
  const records = recordsSince(sim, 0);
  assert.deepEqual(records.slice(4, 10), [
    { type: "killing", at: 701, id: 1, group: "web", slot: 0, reason: "hang" },
    { type: "stopping", at: 701, id: 1, group: "web", slot: 0, reason: "hang" },
    { type: "exited", at: 702, id: 1, group: "web", slot: 0, pid: 1000, code: null, signal: "SIGKILL", planned: false },
    { type: "restarting", at: 702, group: "web", slot: 0, inMs: 0, attempt: 1 },
    { type: "spawning", at: 702, id: 2, group: "web", slot: 0, generation: 1 },
    { type: "spawned", at: 703, id: 2, group: "web", slot: 0, pid: 1001 },
  ]);
  assert.deepEqual(actions(effectsSince(sim, 0)).filter((e) => e.type === "signal"), [{ type: "signal", id: 1, signal: "SIGKILL" }]);
  const spawns = actions(effectsSince(sim, 0)).flatMap((e) => (e.type === "spawn" ? [e.spec.heartbeatMs] : []));
  assert.deepEqual(spawns, [100, 100]);
  assertConverged(sim);
});

test("step() takes a heartbeat without allocating effects", () => {
  const state = step(started({ groups: [web({ heartbeatTimeoutMs: 300 })] }), { type: "spawned", id: 1, pid: 7 }, 1).state;
  const first = step(state, { type: "heartbeat", id: 1 }, 10);
  const second = step(first.state, { type: "heartbeat", id: 1 }, 20);
  assert.deepEqual(first.effects, []);
  assert.equal(first.effects, second.effects);
  assert.equal(second.state.workers.get(1)!.lastBeatAt, 20);
});

test("cloneState() gives the copy's timers its own workers, so stepping the copy leaves the original alone", () => {
  // Liveness timers read their worker through the purpose's reference.
  const sim = running({ groups: [web({ count: 2, heartbeatTimeoutMs: 300 })] });
  const original = sim.state;
  const copy = cloneState(original);
  assert.equal(copy.timers.size, original.timers.size);
  for (const [id, purpose] of copy.timers) {
    if (purpose.kind === "backoff") continue;
    assert.equal(purpose.ref, copy.workers.get(purpose.worker), `timer ${id}`);
    assert.notEqual(purpose.ref, original.workers.get(purpose.worker), `timer ${id}`);
  }
  const live = [...copy.timers].find(([, purpose]) => purpose.kind === "live")!;
  const worker = live[1].kind === "backoff" ? assert.fail("a live timer") : live[1].worker;
  const beatBefore = original.workers.get(worker)!.lastBeatAt;
  // A heartbeat at 350 and the check at 400 move the copy's deadline; a hang in the copy kills its worker only.
  const moved = step(step(copy, { type: "heartbeat", id: worker }, 350).state, { type: "timer", id: live[0] }, 400);
  assert.deepEqual(moved.effects, [{ type: "setTimer", id: live[0], at: 650 }]);
  assert.equal(original.workers.get(worker)!.lastBeatAt, beatBefore);
  const hung = step(moved.state, { type: "timer", id: live[0] }, 650);
  assert.deepEqual(emitted(hung.effects)[0], { type: "killing", at: 650, id: worker, group: "web", slot: copy.workers.get(worker)!.slot, reason: "hang" });
  assert.equal(copy.workers.get(worker)!.phase, "stopping");
  assert.equal(original.workers.get(worker)!.phase, "ready");
  assert.equal(original.timers.get(live[0])?.kind, "live");
});

// ------------------------------------------------------------ restart types

function exitOnce(restart: string, code: number): { records: SupervisorRecord[]; sim: Simulation } {
  const sim = running({ groups: [web({ count: 2, restart })] });
  const mark = sim.trace.length;
  sim.crash(0, code);
  sim.advance(200);
  return { records: recordsSince(sim, mark), sim };
}

test("step() restarts a permanent worker after any exit", () => {
  for (const code of [0, 1]) {
    const { records, sim } = exitOnce("permanent", code);
    assert.deepEqual(recordsOfType(records, "restarting"), [{ type: "restarting", at: 100, group: "web", slot: 0, inMs: 0, attempt: 1 }], `code ${code}`);
    assertConverged(sim);
  }
});

test("step() restarts a transient worker after exit 1 but not after exit 0", () => {
  const clean = exitOnce("transient", 0);
  assert.deepEqual(clean.records, [{ type: "exited", at: 100, id: 1, group: "web", slot: 0, pid: 1000, code: 0, signal: null, planned: false }]);
  assert.equal(groupOf(clean.sim).slots[0]!.done, true);
  assert.equal(clean.sim.spawnCount, 2);
  const failed = exitOnce("transient", 1);
  assert.deepEqual(recordsOfType(failed.records, "restarting"), [{ type: "restarting", at: 100, group: "web", slot: 0, inMs: 0, attempt: 1 }]);
  assertConverged(failed.sim);
});

test("step() never restarts a temporary worker", () => {
  for (const code of [0, 1]) {
    const { records, sim } = exitOnce("temporary", code);
    assert.deepEqual(records.map((r) => r.type), ["exited"], `code ${code}`);
    assert.equal(sim.spawnCount, 2);
    assert.deepEqual(workers(sim), [[2, "web", 1, 1, "ready"]]);
  }
});

test("step() refills a finished temporary slot on reload", () => {
  const { sim } = exitOnce("temporary", 0);
  sim.dispatch({ type: "reload" });
  sim.advance(1000);
  assertConverged(sim);
  assert.equal(groupOf(sim).slots[0]!.done, false);
});

// -------------------------------------------------------------- strategies

/** Three single-worker groups in order db, web, jobs; web's worker exits 3 at 100. */
function crashMiddle(strategy: string): { records: SupervisorRecord[]; sim: Simulation } {
  const sim = running({ strategy, groups: [web({ name: "db" }), web(), web({ name: "jobs" })] });
  const mark = sim.trace.length;
  sim.crash(1, 3);
  sim.advance(200);
  return { records: recordsSince(sim, mark), sim };
}

test("step() restarts every group's workers with one_for_all", () => {
  const { records, sim } = crashMiddle("one_for_all");
  assert.deepEqual(recordsOfType(records, "stopping").map((r) => [r.id, r.group, r.reason]), [[1, "db", "strategy"], [3, "jobs", "strategy"]]);
  assert.deepEqual(recordsOfType(records, "restarting").map((r) => r.group), ["web"]); // one crash, one restart counted
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => [r.at, r.id, r.group]), [[100, 4, "web"], [120, 5, "db"], [120, 6, "jobs"]]);
  assert.deepEqual(workers(sim).map(([id, group]) => [id, group]), [[4, "web"], [5, "db"], [6, "jobs"]]);
  for (const name of ["db", "web", "jobs"]) assertConverged(sim, name);
});

test("step() restarts the crashed group and those listed after it with rest_for_one", () => {
  const { records, sim } = crashMiddle("rest_for_one");
  assert.deepEqual(recordsOfType(records, "stopping").map((r) => [r.id, r.group, r.reason]), [[3, "jobs", "strategy"]]);
  assert.deepEqual(recordsOfType(records, "spawning").map((r) => [r.at, r.id, r.group]), [[100, 4, "web"], [120, 5, "jobs"]]);
  assert.deepEqual(workers(sim).map(([id, group]) => [id, group]), [[1, "db"], [4, "web"], [5, "jobs"]]);
});

test("step() restarts only the crashed worker with rest_for_one when its group is the last", () => {
  const sim = running({ strategy: "rest_for_one", groups: [web({ name: "db" }), web()] });
  const mark = sim.trace.length;
  sim.crash(1, 3);
  sim.advance(200);
  assert.deepEqual(recordsOfType(recordsSince(sim, mark), "stopping"), []);
  assert.deepEqual(workers(sim).map(([id, group]) => [id, group]), [[1, "db"], [3, "web"]]);
});

// ------------------------------------------------------------------ backoff

test("step() resets a slot's backoff once its worker stays ready for minUptimeMs", () => {
  const backoff = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };
  const sim = simulation({ groups: [web({ ready: "none", minUptimeMs: 1000, backoff })] }, (_spec, index) => ({ exitAfterMs: index < 3 ? 10 : null }));
  sim.start();
  sim.advance(1333);
  assert.equal(groupOf(sim).slots[0]!.crashes, 3); // worker 4 has been ready since 334
  sim.advance(1);
  assert.equal(groupOf(sim).slots[0]!.crashes, 0);
  sim.advance(666);
  const mark = sim.trace.length;
  sim.crash(0, 1);
  sim.advance(1);
  sim.crash(0, 1);
  assert.deepEqual(recordsOfType(recordsSince(sim, mark), "restarting").map((r) => [r.at, r.inMs, r.attempt]), [[2000, 0, 1], [2001, 100, 2]]);
});

test("step() adds seeded jitter to the backoff, the same for the same seed", () => {
  const delays = (seed: number): number[] => {
    const backoff = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.5 };
    const sim = simulation({ seed, maxRestarts: 100, groups: [web({ ready: "none", backoff })] }, () => ({ exitAfterMs: 10 }));
    sim.start();
    sim.advance(5000);
    return recordsOfType(recordsSince(sim, 0), "restarting").map((r) => r.inMs).slice(0, 5);
  };
  const first = delays(1);
  assert.deepEqual(delays(1), first);
  assert.notDeepEqual(delays(2), first);
  [0, 100, 200, 400, 800].forEach((floor, k) => assert.ok(first[k]! >= floor && first[k]! <= floor * 1.5, `attempt ${k + 1}: ${first[k]}`));
});

// ------------------------------------------------------ rollout robustness

test("step() finishes a rollout whose old worker crashed before its successor was ready", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  sim.dispatch({ type: "reload" });
  sim.advance(20);
  sim.crash(0, 1); // slot 0's holder; its successor (worker 3) is still starting
  sim.advance(1000);
  assert.deepEqual(recordsOfType(recordsSince(sim, 0), "rolloutFinished"), [{ type: "rolloutFinished", at: 171, generation: 2, reason: "reload" }]);
  assert.equal(sim.state.rollout, null);
  assertConverged(sim);
  const mark = sim.trace.length;
  sim.dispatch({ type: "restart", target: { scope: "slot", group: "web", slot: 0 } });
  assert.deepEqual(recordsSince(sim, mark).slice(0, 2), [
    { type: "rolloutStarted", at: 1120, generation: 2, reason: "restart", total: 1 },
    { type: "spawning", at: 1120, id: 5, group: "web", slot: 0, generation: 2 },
  ]);
});

test("step() takes the exit of a replaced worker whose slot was scaled away", () => {
  const sim = running({ groups: [web({ count: 2 })] }, (_spec, index) => ({ drainMs: index === 1 ? 300 : 20 }));
  sim.dispatch({ type: "restart", target: { scope: "slot", group: "web", slot: 1 } });
  sim.advance(100); // worker 3 replaced worker 2 at 151; worker 2 drains until 451
  sim.dispatch({ type: "scale", group: "web", count: 1 });
  sim.advance(1000);
  assert.deepEqual(workers(sim), [[1, "web", 0, 1, "ready"]]);
  assert.deepEqual(groupOf(sim).counts, { starting: 0, ready: 1, stopping: 0, extras: 0 });
  assert.equal(groupOf(sim).slots.length, 1);
});

test("step() takes the exit of a replaced worker whose group a reload removed", () => {
  const sim = running({ groups: [web(), web({ name: "jobs" })] }, (_spec, index) => ({ drainMs: index === 1 ? 300 : 20 }));
  sim.dispatch({ type: "restart", target: { scope: "group", group: "jobs" } });
  sim.advance(100);
  sim.dispatch({ type: "reload", config: { groups: [web()] } });
  sim.advance(1000);
  assert.deepEqual([...sim.state.groups.keys()], ["web"]);
  assert.deepEqual(workers(sim).map(([, group]) => group), ["web"]);
});

test("step() forgets a group removed by reload when none of its workers is alive", () => {
  const cron = { name: "cron", command: ["cron"], ready: "none", restart: "temporary" };
  const sim = running({ groups: [web(), cron] }, (spec) => (spec.group === "cron" ? { exitAfterMs: 10, exitCode: 0 } : {}));
  sim.dispatch({ type: "reload", config: { groups: [web()] } });
  sim.advance(1000);
  assert.deepEqual([...sim.state.groups.keys()], ["web"]);
});

// --------------------------------------------------- protocol and staleness

test("step() throws a ProtocolError for start twice and for reload before start", () => {
  const cases: [State, Event, string, string][] = [
    [started({ groups: [web()] }), { type: "start" }, "running", "start"],
    [initialState(configOf({ groups: [web()] })), { type: "reload" }, "idle", "reload"],
  ];
  for (const [state, event, phase, type] of cases) {
    assert.throws(() => step(state, event, 0), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.name, "ProtocolError");
      assert.equal(error.phase, phase);
      assert.equal(error.event, type);
      assert.equal(error.message, `steward core: event "${type}" is not valid in phase "${phase}"`);
      return true;
    });
  }
});

test("step() ignores events for unknown ids with an ignored record", () => {
  const state = started({ groups: [web()] });
  const cases: [Event, string][] = [
    [{ type: "spawned", id: 99, pid: 1 }, "unknown worker 99"],
    [{ type: "spawnFailed", id: 99, error: "ENOENT" }, "unknown worker 99"],
    [{ type: "ready", id: 99 }, "unknown worker 99"],
    [{ type: "heartbeat", id: 99 }, "unknown worker 99"],
    [{ type: "exited", id: 99, code: 0, signal: null }, "unknown worker 99"],
    [{ type: "timer", id: 99 }, "unknown or cancelled timer 99"],
  ];
  for (const [event, reason] of cases) {
    assert.deepEqual(step(state, event, 7).effects, [{ type: "emit", record: { type: "ignored", at: 7, event: event.type, reason } }]);
  }
  assert.equal(state.workers.size, 1);
  assert.equal(state.phase, "running");
});

test("step() ignores stale facts about a known worker", () => {
  let state = started({ groups: [web()] });
  state = step(state, { type: "spawned", id: 1, pid: 10 }, 1).state;
  const cases: [Event, string][] = [
    [{ type: "spawned", id: 1, pid: 11 }, "worker 1 already has pid 10"],
    [{ type: "spawnFailed", id: 1, error: "ENOENT" }, "worker 1 already has pid 10"],
  ];
  for (const [event, reason] of cases) {
    assert.deepEqual(emitted(step(state, event, 2).effects), [{ type: "ignored", at: 2, event: event.type, reason }]);
  }
  state = step(state, { type: "ready", id: 1 }, 3).state;
  assert.deepEqual(emitted(step(state, { type: "ready", id: 1 }, 4).effects), [{ type: "ignored", at: 4, event: "ready", reason: "worker 1 is ready" }]);
  // The boot timer was cancelled by `ready`; a late firing is stale.
  assert.deepEqual(emitted(step(state, { type: "timer", id: 1 }, 5).effects), [{ type: "ignored", at: 5, event: "timer", reason: "unknown or cancelled timer 1" }]);
});

test("step() rejects requests once stopping", () => {
  const state = step(started({ groups: [web()] }), { type: "stop", graceful: true }, 1).state;
  const requests: Event[] = [{ type: "reload" }, { type: "scale", group: "web", count: 2 }, { type: "restart", target: { scope: "all" } }];
  for (const event of requests) {
    assert.deepEqual(step(state, event, 2).effects, [{ type: "emit", record: { type: "rejected", at: 2, event: event.type, reason: "the supervisor is stopping" } }]);
  }
});

test("step() keeps a group's scaled count across a reload without a new config", () => {
  const sim = running({ groups: [web({ count: 2 })] });
  sim.dispatch({ type: "scale", group: "web", count: 4 });
  sim.advance(200);
  sim.dispatch({ type: "reload" });
  sim.advance(2000);
  assert.equal(sim.state.config.groups[0]!.count, 4);
  assert.equal(groupOf(sim).counts.ready, 4);
  assert.ok([...sim.state.workers.values()].every((w) => w.generation === 2));
});
