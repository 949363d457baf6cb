/**
 * The README's library example (`examples/library.ts`) run as a user runs
 * it, on the runtime running the tests: it must end with a clean stop, and
 * every worker it started must be gone.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { awaitGone, command, keepersOf, ROOT, RUNTIME, withProcesses } from "./_harness.ts";

test(`examples/library.ts on ${RUNTIME}: scale, restart, reload, then a clean stop`, async () => {
  await withProcesses({ maxProcesses: 12, timeLimitMs: 60_000 }, async (rig) => {
    const script = RUNTIME === "node" ? `${ROOT}/.build/examples/library.js` : `${ROOT}/examples/library.ts`;
    const example = await rig.spawn(command(RUNTIME, script));
    await example.record.until("its first worker", () => example.record.out().some((line) => line.startsWith("ready:")), 20_000);
    rig.adopt(await keepersOf(example.handle.pid));
    const exit = await example.record.exited(45_000);
    const lines = example.record.out().filter((line) => !line.startsWith("["));
    const pids = lines.flatMap((line) => /^ready: tick\.\d pid (\d+)$/.exec(line)?.[1] ?? []).map(Number);
    rig.adopt(pids);
    assert.deepEqual(exit, { code: 0, signal: null }, example.record.out("stderr").join("\n"));
    // 2 at start, 1 by scale, 1 by the restart of slot 0, 3 by the reload.
    assert.equal(pids.length, 7, lines.join("\n"));
    assert.deepEqual(lines.slice(-2), ["tick: 3 of 3 ready, generation 2", '{"code":0,"reason":"stopped"}']);
    assert.deepEqual(await awaitGone(pids, 2_000), []);
  });
});
