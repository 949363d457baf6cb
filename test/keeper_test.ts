/**
 * The orphan keeper on its own: it kills only the pids still registered
 * when its pipe closes, and counts a pid registered twice twice.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { Keeper } from "../adapters/_keeper.ts";
import { command, fixture, isAlive, RUNTIME, withProcesses } from "./_harness.ts";

test("Keeper kills the process group of registered pids on close, and only those", async () => {
  await withProcesses({ maxProcesses: 3, timeLimitMs: 15_000, adapter: { keeper: false } }, async (rig) => {
    const start = async () => {
      const worker = await rig.spawn(command(RUNTIME, fixture("plain_sleeper")));
      await worker.record.until("sleeping", () => worker.record.out().includes("sleeping"));
      return worker;
    };
    const [unregistered, registered, twice] = [await start(), await start(), await start()];
    const keeper = new Keeper("/bin/sh");
    await keeper.ensure();
    keeper.add(unregistered.handle.pid);
    keeper.add(registered.handle.pid);
    keeper.add(twice.handle.pid);
    keeper.add(twice.handle.pid);
    keeper.remove(unregistered.handle.pid);
    keeper.remove(twice.handle.pid);
    await keeper.close();
    assert.deepEqual(await registered.record.exited(), { code: null, signal: "SIGKILL" });
    assert.deepEqual(await twice.record.exited(), { code: null, signal: "SIGKILL" });
    assert.ok(await isAlive(unregistered.handle.pid), "an unregistered pid was killed");
    assert.equal(unregistered.record.exit, null);
    await assert.rejects(keeper.ensure(), /orphan keeper: the adapter is closed/);
  });
});

test("Keeper.ensure() rejects with a one-line reason when the shell cannot start", async () => {
  const keeper = new Keeper("/nonexistent/sh");
  await assert.rejects(keeper.ensure(), /orphan keeper: could not start \/nonexistent\/sh: .*ENOENT.*pass \{ keeper: false \}/);
  await keeper.close();
});
