import assert from "node:assert/strict";
import { test } from "node:test";
import { createAdapter, type MemoryAdapter, type ScriptFor } from "../adapters/memory.ts";
import type { SupervisorRecord } from "../src/core/types.ts";
import { ConfigError, createSupervisor, type Supervisor, SupervisorError } from "../src/supervisor.ts";

const WEB = { name: "web", command: ["app"], count: 3, ready: "ipc" };

interface Rig {
  readonly adapter: MemoryAdapter;
  readonly sup: Supervisor;
  readonly records: SupervisorRecord[];
  /** Advance virtual time in 10 ms ticks, letting promise callbacks run between ticks. */
  tick(ms: number): Promise<void>;
}

function rig(config: unknown, script?: ScriptFor): Rig {
  const adapter = createAdapter(script ? { script } : {});
  const records: SupervisorRecord[] = [];
  const sup = createSupervisor(config, { adapter, onRecord: (record) => records.push(record), onOutput: () => {} });
  const tick = async (ms: number): Promise<void> => {
    for (let elapsed = 0; elapsed < ms; elapsed += 10) {
      adapter.advance(10);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return { adapter, sup, records, tick };
}

test("createSupervisor() throws a ConfigError naming every bad field, and starts nothing", () => {
  const error = (() => {
    try {
      createSupervisor({ groups: [{ name: "web", command: [], count: 0 }] }, { adapter: createAdapter() });
    } catch (error) {
      return error;
    }
    return null;
  })();
  assert.ok(error instanceof ConfigError);
  assert.equal(error.name, "ConfigError");
  assert.deepEqual(error.problems.map((p) => p.path), ["groups[0].command", "groups[0].count"]);
  assert.match(error.message, /^groups\[0\]\.command: .*, got \[\] \(and 1 more\)$/);
});

test("supervisor.ready settles once every worker is ready", async () => {
  const { sup, tick } = rig({ groups: [WEB] });
  let settled = false;
  void sup.ready.then(() => (settled = true));
  await tick(20);
  assert.equal(settled, false);
  await tick(60);
  assert.equal(settled, true);
  assert.deepEqual(sup.status().groups.map((g) => [g.name, g.ready]), [["web", 3]]);
});

test("supervisor.reload() replaces every pid and settles when the rollout finished", async () => {
  const { sup, tick, adapter } = rig({ groups: [WEB] });
  await tick(100);
  const before = adapter.livePids();
  const reloaded = sup.reload();
  let settled = false;
  void reloaded.then(() => (settled = true));
  await tick(1000);
  assert.equal(settled, true);
  const after = sup.status().workers;
  assert.equal(after.length, 3);
  assert.ok(after.every((w) => w.generation === 2 && w.phase === "ready" && !before.includes(w.pid!)));
});

test("supervisor.reload() with an invalid config rejects with ConfigError and keeps the workers", async () => {
  const { sup, tick, adapter } = rig({ groups: [WEB] });
  await tick(100);
  const before = adapter.livePids();
  await assert.rejects(sup.reload({ groups: [{ ...WEB, count: -1 }] }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems[0]!.path, "groups[0].count");
    return true;
  });
  await tick(100);
  assert.deepEqual(adapter.livePids(), before);
});

test("supervisor.scale() settles once the group has exactly that many ready workers", async () => {
  const { sup, tick } = rig({ groups: [WEB] });
  await tick(100);
  const up = sup.scale("web", 5);
  await tick(200);
  await up;
  assert.equal(sup.status().groups[0]!.ready, 5);
  const down = sup.scale("web", 2);
  await tick(200);
  await down;
  assert.deepEqual(sup.status().workers.map((w) => w.slot), [0, 1]);
  await assert.rejects(sup.scale("nope", 2), SupervisorError);
});

test("supervisor.stop() is idempotent and settles with exit code 0 after the last worker exited", async () => {
  const { sup, tick, records, adapter } = rig({ groups: [WEB] });
  await tick(100);
  const first = sup.stop();
  const second = sup.stop();
  await tick(100);
  assert.deepEqual(await first, { code: 0, reason: "stopped" });
  assert.deepEqual(await second, { code: 0, reason: "stopped" });
  assert.deepEqual(adapter.livePids(), []);
  assert.equal(records.filter((r) => r.type === "stopped").length, 1);
});

test("supervisor gives up on a crash loop: ready rejects and done is exit 1 naming the group", async () => {
  const { sup, tick } = rig({ groups: [{ ...WEB, count: 2, backoff: { initialMs: 10, maxMs: 40 } }], maxRestarts: 4 }, () => ({
    exitAfterMs: 5,
    neverReady: true,
  }));
  await tick(2000);
  await assert.rejects(sup.ready, SupervisorError);
  const outcome = await sup.done;
  assert.equal(outcome.code, 1);
  assert.match(outcome.reason, /group "web"/);
});

test("supervisor.records() yields records in order and ends when the supervisor exits", async () => {
  const { sup, tick } = rig({ groups: [{ ...WEB, count: 1 }] });
  const seen: string[] = [];
  const reading = (async () => {
    for await (const record of sup.records()) seen.push(record.type);
  })();
  await tick(100);
  void sup.stop();
  await tick(100);
  await reading;
  assert.deepEqual(seen, ["spawned", "ready", "stopRequested", "stopping", "exited", "stopped"]);
});

test("supervisor.restart('web.1') replaces only that slot, rolling", async () => {
  const { sup, tick } = rig({ groups: [WEB] });
  await tick(100);
  const before = sup.status().workers.map((w) => w.pid);
  const restarted = sup.restart("web.1");
  await tick(300);
  await restarted;
  const after = sup.status().workers.map((w) => w.pid);
  assert.equal(after[0], before[0]);
  assert.notEqual(after[1], before[1]);
  assert.equal(after[2], before[2]);
});
