/**
 * The adapter contract on the running runtime, with real processes. The
 * workers run on the same runtime as the test unless a test says otherwise;
 * the 9-pair matrix is in `matrix_test.ts`, orphans in `orphans_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import process from "node:process";
import { command, fixture, ROOT, RUNTIME, RUNTIMES, withProcesses } from "./_harness.ts";
import { decode, encode } from "../src/protocol.ts";

const limits = { maxProcesses: 3, timeLimitMs: 15_000 };

test(`${RUNTIME} adapter: spawn() resolves with a pid and the IPC worker reports ready`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("ipc_worker")), { ipc: true });
    assert.ok(Number.isInteger(handle.pid) && handle.pid > 0, `pid ${handle.pid}`);
    await record.until("ready", () => record.messages.some((raw) => decode(raw)?.type === "ready"));
    const hello = JSON.parse(record.out()[0] ?? "null") as { runtime: string; supervised: boolean };
    assert.deepEqual(hello.runtime, RUNTIME);
    assert.equal(hello.supervised, true);
    handle.signal("SIGKILL");
    assert.deepEqual(await record.exited(), { code: null, signal: "SIGKILL" });
  });
});

test(`${RUNTIME} adapter: SIGKILL ends a plain worker, reported as signal SIGKILL`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("plain_sleeper")));
    await record.until("the sleeping line", () => record.out().includes("sleeping"));
    handle.signal("SIGKILL");
    assert.deepEqual(await record.exited(), { code: null, signal: "SIGKILL" });
  });
});

test(`${RUNTIME} adapter: a worker that handles SIGTERM and exits 0 is reported as code 0, on every worker runtime`, async () => {
  await withProcesses(limits, async (rig) => {
    for (const worker of RUNTIMES) {
      const { handle, record } = await rig.spawn(command(worker, fixture("handle_sigterm")), { ipc: true });
      await record.until(`${worker} armed`, () => record.out().includes("armed"));
      handle.signal("SIGTERM");
      assert.deepEqual(await record.exited(), { code: 0, signal: null }, `${worker} worker`);
      assert.ok(record.out().includes("got SIGTERM"));
    }
  });
});

test(`${RUNTIME} adapter: SIGKILL still works after a SIGTERM the worker ignored`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("ignore_sigterm")), { ipc: true });
    await record.until("armed", () => record.out().includes("armed"));
    handle.signal("SIGTERM");
    await record.until("the ignored SIGTERM", () => record.out().includes("ignored SIGTERM"));
    assert.equal(record.exit, null);
    handle.signal("SIGKILL");
    assert.deepEqual(await record.exited(), { code: null, signal: "SIGKILL" });
    // After the exit, signal and send are no-ops (the pid may already be someone else's).
    handle.signal("SIGKILL");
    handle.send(encode({ type: "stop", deadlineMs: 10 }));
  });
});

test(`${RUNTIME} adapter: spawn() rejects for a missing program or cwd, and calls no listener`, async () => {
  await withProcesses(limits, async (rig) => {
    const calls: string[] = [];
    const listener = { message: () => calls.push("message"), line: () => calls.push("line"), exit: () => calls.push("exit") };
    const spec = { id: 1, group: "g", slot: 0, generation: 1, cwd: null, env: {}, ipc: true, heartbeatMs: 0 };
    await assert.rejects(rig.adapter.spawn({ ...spec, command: ["/nonexistent/steward-no-such-program"] }, listener), (error: Error) => {
      assert.match(error.message, /spawn of worker 1 \(\/nonexistent\/steward-no-such-program\) failed: .*ENOENT/);
      assert.equal((error.cause as NodeJS.ErrnoException).code, "ENOENT");
      return true;
    });
    await assert.rejects(rig.adapter.spawn({ ...spec, command: ["node", "-e", "0"], cwd: "/nonexistent/dir" }, listener), /ENOENT/);
    await assert.rejects(rig.adapter.spawn({ ...spec, command: [] }, listener), /command must name a program/);
    // A later successful spawn proves the failures left the adapter usable, and lets queued calls drain.
    const { record } = await rig.spawn(["node", "-e", "0"]);
    await record.exited();
    assert.deepEqual(calls, []);
  });
});

test(`${RUNTIME} adapter: lines arrive in order and the last line before a crash is not lost`, async () => {
  await withProcesses({ maxProcesses: 2, timeLimitMs: 20_000 }, async (rig) => {
    // 2,000 short lines, then 300 lines of 1 KiB (far more than a pipe buffer).
    for (const [count, length] of [[2_000, 0], [300, 1_024]] as const) {
      const { record } = await rig.spawn(command(RUNTIME, fixture("crash_after_lines"), String(count), String(length)));
      assert.deepEqual(await record.exited(10_000), { code: null, signal: "SIGKILL" });
      const out = record.out();
      assert.equal(out.length, count + 1);
      for (let index = 0; index < count; index++) {
        assert.ok(out[index]!.startsWith(`line ${index}`), `line ${index} was ${JSON.stringify(out[index]?.slice(0, 20))}`);
      }
      assert.equal(out[count], "last words without newline");
      assert.deepEqual(record.out("stderr"), ["to stderr"]);
      assert.equal(record.calls.at(-1), "exit");
      assert.equal(record.calls.filter((call) => call === "exit").length, 1);
    }
  });
});

test(`${RUNTIME} adapter: the worker gets the master's env, spec.env and STEWARD_* variables`, async () => {
  await withProcesses(limits, async (rig) => {
    process.env.STEWARD_TEST_INHERITED = "yes";
    try {
      const script = "console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('STEWARD_') || k.startsWith('NODE_CHANNEL')))))";
      for (const ipc of [true, false]) {
        const { record } = await rig.spawn(["node", "-e", script], { ipc, env: { STEWARD_TEST_EXTRA: "1", STEWARD_IPC: "spoofed" }, heartbeatMs: 250 });
        assert.deepEqual(await record.exited(), { code: 0, signal: null });
        const env = JSON.parse(record.out()[0]!) as Record<string, string>;
        assert.equal(env.STEWARD_TEST_INHERITED, "yes");
        assert.equal(env.STEWARD_TEST_EXTRA, "1");
        assert.equal(env.STEWARD_GROUP, "test");
        assert.equal(env.STEWARD_SLOT, "0");
        assert.equal(env.STEWARD_GENERATION, "1");
        assert.equal(env.STEWARD_HEARTBEAT_MS, "250");
        assert.match(env.STEWARD_WORKER_ID ?? "", /^\d+$/);
        assert.equal(env.STEWARD_IPC, ipc ? "1" : undefined);
        assert.equal(env.NODE_CHANNEL_FD, undefined, "the channel fd is consumed by the worker runtime");
      }
    } finally {
      delete process.env.STEWARD_TEST_INHERITED;
    }
  });
});

test(`${RUNTIME} adapter: a worker runs in its own process group`, async () => {
  await withProcesses(limits, async (rig) => {
    const script = "require('node:child_process').execFile('ps', ['-o', 'pgid=', '-p', String(process.pid)], (e, out) => console.log(out.trim()))";
    const { handle, record } = await rig.spawn(["node", "-e", script]);
    assert.deepEqual(await record.exited(), { code: 0, signal: null });
    assert.equal(record.out()[0], String(handle.pid));
  });
});

test(`${RUNTIME} adapter + worker helper: stop message runs the drain handler, then exit 0`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("drain_worker"), "ok", "100"), { ipc: true });
    await record.until("ready", () => record.messages.some((raw) => decode(raw)?.type === "ready"));
    handle.send(encode({ type: "stop", deadlineMs: 3_000 }));
    assert.deepEqual(await record.exited(), { code: 0, signal: null });
    assert.deepEqual(record.out(), ["draining", "drained"]);
  });
});

test(`${RUNTIME} worker helper: SIGTERM runs the drain handler too, then exit 0`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("drain_worker"), "ok", "50"), { ipc: true });
    await record.until("ready", () => record.messages.some((raw) => decode(raw)?.type === "ready"));
    handle.signal("SIGTERM");
    assert.deepEqual(await record.exited(), { code: 0, signal: null });
    assert.deepEqual(record.out(), ["draining", "drained"]);
  });
});

test(`${RUNTIME} worker helper: a throwing drain handler exits 1`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("drain_worker"), "throw"), { ipc: true });
    await record.until("ready", () => record.messages.some((raw) => decode(raw)?.type === "ready"));
    handle.send(encode({ type: "stop", deadlineMs: 3_000 }));
    assert.deepEqual(await record.exited(), { code: 1, signal: null });
    assert.ok(record.out("stderr").some((line) => line.includes("drain failed on purpose")));
  });
});

test(`${RUNTIME} worker helper: a drain handler that outlives the deadline is cut short (exit 1, in time)`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("drain_worker"), "hang"), { ipc: true });
    await record.until("ready", () => record.messages.some((raw) => decode(raw)?.type === "ready"));
    const sentAt = rig.adapter.clock.now();
    handle.send(encode({ type: "stop", deadlineMs: 400 }));
    assert.deepEqual(await record.exited(), { code: 1, signal: null });
    const tookMs = rig.adapter.clock.now() - sentAt;
    assert.ok(tookMs < 1_500, `exited ${Math.round(tookMs)} ms after a 400 ms deadline`);
    assert.deepEqual(record.out(), ["draining"]);
  });
});

test(`${RUNTIME} worker helper: heartbeats every STEWARD_HEARTBEAT_MS`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("ipc_worker")), { ipc: true, heartbeatMs: 30 });
    const beats = (): number => record.messages.filter((raw) => decode(raw)?.type === "heartbeat").length;
    await record.until("three heartbeats", () => beats() >= 3);
    handle.send(encode({ type: "stop", deadlineMs: 1_000 }));
    assert.deepEqual(await record.exited(), { code: 0, signal: null });
  });
});

test(`${RUNTIME} worker helper: without IPC ready() is a no-op, and with IPC the helper keeps nothing alive`, async () => {
  await withProcesses(limits, async (rig) => {
    const script = `import(${JSON.stringify(`${ROOT}/.build/src/worker.js`)}).then((w) => { w.ready(); console.log(w.isSupervised()); })`;
    for (const ipc of [false, true]) {
      // Nothing but the helper: the worker must end by itself, channel or not.
      const { record } = await rig.spawn(["node", "--input-type=module", "-e", script], { ipc, heartbeatMs: 20 });
      assert.deepEqual(await record.exited(), { code: 0, signal: null });
      assert.deepEqual(record.out(), ["true"]);
    }
  });
});

test(`${RUNTIME} adapter: a grandchild holding stdout open delays the exit by outputDrainMs at most`, async () => {
  await withProcesses({ ...limits, adapter: { outputDrainMs: 200 } }, async (rig) => {
    // sh exits at once; the sleep it leaves behind (same process group, killed by the rig) keeps the pipe open.
    const { record } = await rig.spawn(["/bin/sh", "-c", "sleep 30 & echo started"]);
    assert.deepEqual(await record.exited(3_000), { code: 0, signal: null });
    assert.deepEqual(record.out(), ["started"]);
  });
});

test(`${RUNTIME} adapter: spawn() rejects, starting no worker, when the keeper cannot start`, async () => {
  await withProcesses({ ...limits, adapter: { keeperShell: "/nonexistent/sh" } }, async (rig) => {
    await assert.rejects(rig.spawn(command(RUNTIME, fixture("plain_sleeper"))), /orphan keeper: could not start \/nonexistent\/sh: .*pass \{ keeper: false \}/);
  });
});

test(`${RUNTIME} adapter: spawn() rejects after close()`, async () => {
  await withProcesses(limits, async (rig) => {
    const { handle, record } = await rig.spawn(command(RUNTIME, fixture("plain_sleeper")));
    handle.signal("SIGKILL");
    await record.exited();
    await rig.adapter.close();
    await assert.rejects(rig.spawn(["node", "-e", "0"]), /spawn of worker \d+ failed: the adapter is closed/);
  });
});
