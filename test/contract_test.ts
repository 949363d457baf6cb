import assert from "node:assert/strict";
import { test } from "node:test";
import type { SupervisorRecord } from "../src/core/types.ts";
import { createSupervisor, type OutputLine, type Supervisor } from "../src/supervisor.ts";
import { awaitGone, command, fixture, RUNTIME, type Rig, withProcesses } from "./_harness.ts";

interface Supervised {
  readonly sup: Supervisor;
  readonly records: SupervisorRecord[];
  readonly lines: OutputLine[];
  /** Resolves once a record satisfies `match`; fails after `ms`. */
  until(what: string, match: (record: SupervisorRecord) => boolean, ms?: number): Promise<SupervisorRecord>;
}

/** A supervisor on the rig's adapter; every pid it starts is adopted by the rig (capped, and killed at the end). */
function supervised(rig: Rig, config: unknown): Supervised {
  const records: SupervisorRecord[] = [];
  const lines: OutputLine[] = [];
  const waiters = new Set<() => void>();
  const sup = createSupervisor(config, {
    adapter: rig.adapter,
    onRecord: (record) => {
      if (record.type === "spawned") rig.adopt([record.pid]);
      records.push(record);
      for (const wake of [...waiters]) wake();
    },
    onOutput: (line) => lines.push(line),
  });
  const until = (what: string, match: (record: SupervisorRecord) => boolean, ms = 10_000): Promise<SupervisorRecord> =>
    new Promise((resolve, reject) => {
      const found = records.find(match);
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const check = (): void => {
        const hit = records.find(match);
        if (hit === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
      };
      waiters.add(check);
    });
  return { sup, records, lines, until };
}

const IPC_WORKER = command(RUNTIME, fixture("ipc_worker"));

test(`${RUNTIME} supervisor: 3 workers ready; a SIGKILLed one is replaced by a new pid, the others untouched`, async () => {
  await withProcesses({ maxProcesses: 8, timeLimitMs: 30_000 }, async (rig) => {
    const { sup } = supervised(rig, { groups: [{ name: "web", command: IPC_WORKER, count: 3, ready: "ipc", killTimeoutMs: 2000 }] });
    await sup.ready;
    const before = sup.status().workers.map((w) => w.pid!);
    process.kill(before[1]!, "SIGKILL");
    await awaitGone([before[1]!], 5_000);
    const replaced = await waitFor(() => {
      const now = sup.status().workers;
      return now.length === 3 && now.every((w) => w.phase === "ready") && now[1]!.pid !== before[1] ? now : null;
    });
    assert.equal(replaced[0]!.pid, before[0]);
    assert.equal(replaced[2]!.pid, before[2]);
    assert.deepEqual(await sup.stop(), { code: 0, reason: "stopped" });
    assert.deepEqual(await awaitGone(replaced.map((w) => w.pid!), 3_000), []);
  });
});

test(`${RUNTIME} supervisor: reload gives every slot a new pid, the ready count never below desired`, async () => {
  await withProcesses({ maxProcesses: 8, timeLimitMs: 30_000 }, async (rig) => {
    const { sup, records } = supervised(rig, { groups: [{ name: "web", command: IPC_WORKER, count: 3, ready: "ipc", killTimeoutMs: 2000 }] });
    await sup.ready;
    const before = sup.status().workers.map((w) => w.pid!);
    const mark = records.length;
    await sup.reload();
    const after = sup.status().workers.filter((w) => w.phase !== "stopping"); // the last old worker may still drain
    assert.equal(after.length, 3);
    assert.ok(after.every((w) => w.generation === 2 && !before.includes(w.pid!)), JSON.stringify(after));
    let ready = 3;
    for (const record of records.slice(mark)) {
      if (record.type === "ready") ready += 1;
      if (record.type === "stopping") ready -= 1;
      assert.ok(ready >= 3, `ready count fell to ${ready} at ${JSON.stringify(record)}`);
    }
    await sup.stop();
  });
});

test(`${RUNTIME} supervisor: a worker that crashes on boot backs off, then gives up with exit 1 naming the group`, async () => {
  await withProcesses({ maxProcesses: 10, timeLimitMs: 30_000 }, async (rig) => {
    const crasher = command(RUNTIME, fixture("crash_after_lines"), "1");
    const { sup, records } = supervised(rig, {
      groups: [{ name: "boot", command: crasher, count: 2, ready: "ipc", backoff: { initialMs: 20, maxMs: 200 } }],
      maxRestarts: 4,
    });
    await assert.rejects(sup.ready);
    const outcome = await sup.done;
    assert.equal(outcome.code, 1);
    assert.match(outcome.reason, /group "boot"/);
    const restarts = records.flatMap((r) => (r.type === "restarting" ? [r] : []));
    assert.equal(restarts.length, 4);
    for (const slot of [0, 1]) {
      // Each slot backs off on its own: its first crash restarts at once, its next ones wait.
      const delays = restarts.filter((r) => r.slot === slot).map((r) => r.inMs);
      assert.equal(delays[0], 0, `slot ${slot} delays ${delays}`);
      assert.ok(delays.slice(1).every((d) => d >= 20), `slot ${slot} delays ${delays}`);
    }
  });
});

test(`${RUNTIME} supervisor: a worker ignoring SIGTERM is SIGKILLed at killTimeoutMs; stop twice is fine`, async () => {
  await withProcesses({ maxProcesses: 4, timeLimitMs: 30_000 }, async (rig) => {
    const stubborn = command(RUNTIME, fixture("ignore_sigterm"));
    const { sup, records, lines } = supervised(rig, { groups: [{ name: "plain", command: stubborn, count: 1, ready: "after", readyAfterMs: 0, killTimeoutMs: 300 }] });
    await sup.ready;
    await waitFor(() => (lines.some((line) => line.text === "armed") ? true : null)); // its SIGTERM handler is installed
    const [first, second] = [sup.stop(), sup.stop()];
    assert.deepEqual(await first, { code: 0, reason: "stopped" });
    assert.deepEqual(await second, { code: 0, reason: "stopped" });
    const exited = records.find((r) => r.type === "exited");
    assert.equal(exited?.type === "exited" ? exited.signal : null, "SIGKILL", JSON.stringify(records.slice(-6)));
    assert.ok(records.some((r) => r.type === "killing" && r.reason === "killTimeout"));
  });
});

test(`${RUNTIME} supervisor: worker output reaches the master line by line with group, slot and pid`, async () => {
  await withProcesses({ maxProcesses: 4, timeLimitMs: 30_000 }, async (rig) => {
    const { sup, lines, until } = supervised(rig, { groups: [{ name: "web", command: IPC_WORKER, count: 1, ready: "ipc" }] });
    const spawned = await until("spawned", (r) => r.type === "spawned");
    await sup.ready;
    await waitFor(() => (lines.length > 0 ? lines : null));
    assert.equal(lines[0]!.group, "web");
    assert.equal(lines[0]!.slot, 0);
    assert.equal(lines[0]!.pid, spawned.type === "spawned" ? spawned.pid : -1);
    assert.match(lines[0]!.text, /"supervised":true/);
    await sup.stop();
  });
});

test(`${RUNTIME} supervisor: a hung worker (SIGSTOPped, no heartbeat) is killed and replaced`, async () => {
  await withProcesses({ maxProcesses: 6, timeLimitMs: 30_000 }, async (rig) => {
    const { sup, until } = supervised(rig, { groups: [{ name: "web", command: IPC_WORKER, count: 1, ready: "ipc", heartbeatTimeoutMs: 600 }] });
    await sup.ready;
    const hung = sup.status().workers[0]!.pid!;
    process.kill(hung, "SIGSTOP");
    await until("the hang to be noticed", (r) => r.type === "killing" && r.reason === "hang");
    await until("the hung worker's exit", (r) => r.type === "exited" && r.pid === hung && r.signal === "SIGKILL");
    const replacement = await waitFor(() => {
      const worker = sup.status().workers[0];
      return worker !== undefined && worker.pid !== hung && worker.phase === "ready" ? worker : null;
    });
    assert.equal(replacement.slot, 0);
    await sup.stop();
  });
});

test(`${RUNTIME} supervisor: stop() during a respawn leaves no process behind`, async () => {
  await withProcesses({ maxProcesses: 8, timeLimitMs: 30_000 }, async (rig) => {
    const { sup, records, until } = supervised(rig, { groups: [{ name: "web", command: IPC_WORKER, count: 2, ready: "ipc", killTimeoutMs: 2000 }] });
    await sup.ready;
    const victim = sup.status().workers[0]!.pid!;
    process.kill(victim, "SIGKILL");
    await until("the replacement being spawned", (r) => r.type === "spawning" && r.slot === 0 && r.id > 2);
    const outcome = await sup.stop();
    assert.deepEqual(outcome, { code: 0, reason: "stopped" });
    const pids = records.flatMap((r) => (r.type === "spawned" ? [r.pid] : []));
    assert.deepEqual(await awaitGone(pids, 3_000), []);
    const stopAt = records.findIndex((r) => r.type === "stopRequested");
    assert.ok(records.slice(stopAt).every((r) => r.type !== "spawning"), "spawned after stop began");
  });
});

/** Polls `probe` every 20 ms until it returns a value; fails after 10 s. */
async function waitFor<T>(probe: () => T | null, ms = 10_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
