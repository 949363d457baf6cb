/**
 * The runtime matrix: a master on the running runtime X spawns an IPC
 * worker on each runtime Y, receives its ready and heartbeats, and stops it
 * with a `stop` message. Running this file on all three runtimes covers all
 * nine pairs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { command, fixture, RUNTIME, RUNTIMES, withProcesses } from "./_harness.ts";
import { decode, encode } from "../src/protocol.ts";

for (const worker of RUNTIMES) {
  test(`matrix: a ${RUNTIME} master gets ready and heartbeats from a ${worker} worker and stops it`, async () => {
    await withProcesses({ maxProcesses: 1, timeLimitMs: 15_000 }, async (rig) => {
      const { handle, record } = await rig.spawn(command(worker, fixture("ipc_worker")), { ipc: true, heartbeatMs: 40 });
      const types = (): (string | undefined)[] => record.messages.map((raw) => decode(raw)?.type);
      await record.until("ready", () => types().includes("ready"));
      await record.until("a heartbeat", () => types().includes("heartbeat"));
      assert.equal(types()[0], "ready");
      assert.ok(types().every((type) => type === "ready" || type === "heartbeat"), `unexpected messages ${JSON.stringify(record.messages)}`);
      const hello = JSON.parse(record.out()[0] ?? "null") as { runtime: string; workerId: string };
      assert.equal(hello.runtime, worker);
      handle.send(encode({ type: "stop", deadlineMs: 2_000 }));
      assert.deepEqual(await record.exited(), { code: 0, signal: null });
    });
  });
}
