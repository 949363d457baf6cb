/**
 * No orphans when the master is SIGKILLed. A master fixture on the running
 * runtime spawns workers through its adapter and prints their pids; the test
 * SIGKILLs the master and polls (bounded) until every worker is gone.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import process from "node:process";
import { awaitGone, command, fixture, isAlive, keepersOf, RUNTIME, type Rig, withProcesses } from "./_harness.ts";

interface Plan {
  readonly keeper: boolean;
  readonly plain: readonly string[][];
  readonly ipc: readonly string[][];
  readonly block?: boolean;
}

/** Starts the master fixture and returns it with the pids it printed (adopted for cleanup). */
async function startMaster(rig: Rig, plan: Plan) {
  const master = await rig.spawn(command(RUNTIME, fixture("master"), JSON.stringify(plan)));
  await master.record.until("the master's pid line", () => master.record.out().length > 0, 15_000);
  const printed = JSON.parse(master.record.out()[0]!) as { master: number; workers: number[] };
  rig.adopt(printed.workers);
  assert.equal(printed.master, master.handle.pid);
  assert.equal(printed.workers.length, plan.plain.length + plan.ipc.length);
  return { ...master, workers: printed.workers };
}

const sleeper = (runtime: "node" | "deno" | "bun"): string[] => command(runtime, fixture("plain_sleeper"));

test(`orphans: a SIGKILLed ${RUNTIME} master leaves no worker behind (3 plain + 1 helper worker), within 1 s`, async () => {
  await withProcesses({ maxProcesses: 5, timeLimitMs: 20_000 }, async (rig) => {
    // `block`: the master's event loop never turns after its last spawn, so only a registration written synchronously counts.
    const plan = { keeper: true, block: true, plain: [sleeper("node"), sleeper("deno"), sleeper("bun")], ipc: [command(RUNTIME, fixture("ipc_worker"))] };
    const master = await startMaster(rig, plan);
    for (const pid of master.workers) assert.ok(await isAlive(pid), `worker ${pid} alive before the kill`);
    const killedAt = performance.now();
    master.handle.signal("SIGKILL");
    const left = await awaitGone(master.workers, 1_000);
    assert.deepEqual(left, [], `still alive ${Math.round(performance.now() - killedAt)} ms after the master's SIGKILL`);
    assert.deepEqual(await master.record.exited(), { code: null, signal: "SIGKILL" });
  });
});

test(`orphans: without the keeper, the ${RUNTIME} helper worker still exits when its channel closes (a plain one does not)`, async () => {
  await withProcesses({ maxProcesses: 3, timeLimitMs: 20_000 }, async (rig) => {
    const plan = { keeper: false, plain: [sleeper(RUNTIME)], ipc: [command(RUNTIME, fixture("ipc_worker"))] };
    const master = await startMaster(rig, plan);
    const [helper, plain] = master.workers as [number, number];
    master.handle.signal("SIGKILL");
    assert.deepEqual(await awaitGone([helper], 2_000), [], "the helper worker outlived its master");
    // The control: nothing but the keeper would have ended the plain worker (the rig kills it now).
    assert.ok(await isAlive(plain), "the plain worker died without a keeper; the keeper test proves nothing");
  });
});

test(`orphans: a keeper killed from outside is replaced, and the replacement still guards the ${RUNTIME} master's workers`, async () => {
  await withProcesses({ maxProcesses: 4, timeLimitMs: 20_000 }, async (rig) => {
    const plan = { keeper: true, plain: [sleeper(RUNTIME), sleeper(RUNTIME)], ipc: [] };
    const master = await startMaster(rig, plan);
    const [first] = await keepersOf(master.handle.pid);
    assert.ok(first !== undefined, "the master runs a keeper");
    process.kill(first, "SIGKILL");
    const deadline = performance.now() + 3_000;
    let next: number | undefined;
    while (next === undefined && performance.now() < deadline) {
      next = (await keepersOf(master.handle.pid)).find((pid) => pid !== first);
    }
    assert.ok(next !== undefined, "no replacement keeper within 3 s");
    rig.adopt([next]);
    master.handle.signal("SIGKILL");
    assert.deepEqual(await awaitGone(master.workers, 1_000), []);
    assert.deepEqual(await awaitGone([next], 1_000), [], "the replacement keeper exited after its work");
  });
});
