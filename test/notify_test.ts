/**
 * systemd notify: the settings read from the environment, the messages and
 * the watchdog on virtual time, every way each runtime sends, and `steward
 * run` under a fake `NOTIFY_SOCKET`, at a path and in the abstract namespace.
 *
 * The fake notify socket is a real AF_UNIX datagram listener,
 * `test/fixtures/notify_listener.ts`, started by each test. No test
 * runtime can bind one with its own stable API (Node has no unix
 * datagrams, Bun only FFI with a blocking `recv`, Deno's test run lacks
 * `--unstable-net`), so every runtime spawns it on the Deno binary of
 * `node_modules/.bin` with `--unstable-net`, found from the repository root
 * (not `process.execPath`, which is node, deno or bun depending on the runner).
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { createAdapter, type ScriptFor } from "../adapters/memory.ts";
import { NOTIFY_VARIABLES, notifySettings, openNotifySender, type NotifySender, SystemdNotifier, systemdNotifySender } from "../src/cli/notify.ts";
import { createSupervisor, type Supervisor } from "../src/supervisor.ts";
import { type Master, startMaster } from "./_cli.ts";
import { fixture, ROOT, type Rig, RUNTIME, type Started, withProcesses } from "./_harness.ts";

test("notifySettings() reads NOTIFY_SOCKET and half of WATCHDOG_USEC, honours WATCHDOG_PID, names a bad value", () => {
  assert.deepEqual(notifySettings({}, 7), { ok: true, value: null });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "" }, 7), { ok: true, value: null });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "/run/systemd/notify" }, 7), { ok: true, value: { socket: "/run/systemd/notify", watchdogMs: null } });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "@/org/freedesktop/systemd1/notify", WATCHDOG_USEC: "30000000" }, 7), {
    ok: true,
    value: { socket: "@/org/freedesktop/systemd1/notify", watchdogMs: 15_000 },
  });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "1000000", WATCHDOG_PID: "7" }, 7), { ok: true, value: { socket: "/n", watchdogMs: 500 } });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "1000000", WATCHDOG_PID: "8" }, 7), { ok: true, value: { socket: "/n", watchdogMs: null } }, "another process's watchdog");
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "run/notify" }, 7), { ok: false, message: 'NOTIFY_SOCKET: expected an absolute path or @name, got "run/notify"' });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "30s" }, 7), { ok: false, message: 'WATCHDOG_USEC: expected a positive integer of microseconds, got "30s"' });
  assert.deepEqual(notifySettings({ NOTIFY_SOCKET: "/n", WATCHDOG_USEC: "0" }, 7), { ok: false, message: 'WATCHDOG_USEC: expected a positive integer of microseconds, got "0"' });
  assert.deepEqual([...NOTIFY_VARIABLES], ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]);
});

/** A supervisor on virtual time with a notifier whose sender records every message. */
function notified(config: unknown, options: { watchdogMs: number; script?: ScriptFor; fail?: () => boolean }): {
  sup: Supervisor;
  sent: string[];
  errors: string[];
  notifier: SystemdNotifier;
  tick: (ms: number) => Promise<void>;
} {
  const adapter = createAdapter(options.script === undefined ? {} : { script: options.script });
  const sent: string[] = [];
  const errors: string[] = [];
  const sender: NotifySender = {
    via: "test",
    send: (message) => {
      if (options.fail?.() === true) return Promise.reject(new Error("ECONNREFUSED"));
      sent.push(message);
      return Promise.resolve();
    },
    close: () => undefined,
  };
  let notifier: SystemdNotifier | null = null;
  const sup = createSupervisor(config, { adapter, onRecord: (record) => notifier?.record(record), onOutput: () => {} });
  notifier = new SystemdNotifier({
    sender,
    clock: adapter.clock,
    watchdogMs: options.watchdogMs,
    status: () => sup.status(),
    onError: (message) => errors.push(message),
    monotonic: () => Promise.resolve(123_456n),
  });
  const active = notifier;
  void sup.ready.then(() => active.ready(), () => undefined);
  const tick = async (ms: number): Promise<void> => {
    for (let elapsed = 0; elapsed < ms; elapsed += 10) {
      adapter.advance(10);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return { sup, sent, errors, notifier, tick };
}

const withoutWatchdog = (sent: readonly string[]): string[] => sent.filter((message) => message !== "WATCHDOG=1");

test("SystemdNotifier sends READY=1 once all groups are ready, RELOADING=1 / READY=1 around a reload, STOPPING=1 on stop", async () => {
  const { sup, sent, errors, notifier, tick } = notified({ groups: [{ name: "web", command: ["app"], count: 2, ready: "ipc" }, { name: "jobs", command: ["app"], count: 1, ready: "ipc" }] }, { watchdogMs: 100 });
  await tick(40);
  assert.deepEqual(withoutWatchdog(sent), [], "nothing before every worker is ready");
  await tick(60);
  assert.deepEqual(withoutWatchdog(sent), ["READY=1\nSTATUS=web 2/2 ready, jobs 1/1 ready"]);
  const reloaded = sup.reload();
  await tick(500);
  await reloaded;
  assert.deepEqual(withoutWatchdog(sent).slice(1), [
    "RELOADING=1\nMONOTONIC_USEC=123456\nSTATUS=reloading to generation 2",
    "READY=1\nSTATUS=web 2/2 ready, jobs 1/1 ready",
  ]);
  const restarted = sup.restart("web");
  await tick(500);
  await restarted;
  assert.equal(withoutWatchdog(sent).length, 3, "a restart is no reload");
  const stopped = sup.stop();
  await tick(100);
  await stopped;
  await notifier.close();
  assert.deepEqual(withoutWatchdog(sent).slice(3), ["STOPPING=1\nSTATUS=stopping"]);
  assert.deepEqual(errors, []);
});

test("SystemdNotifier beats WATCHDOG=1 every half of WATCHDOG_USEC on the supervisor's clock, and not once it failed", async () => {
  const { sup, sent, tick, notifier } = notified({ groups: [{ name: "web", command: ["app"], count: 1, ready: "ipc" }], maxRestarts: 0 }, {
    watchdogMs: 100,
    script: (_, index) => (index === 0 ? { exitAfterMs: 1_050 } : {}),
  });
  await tick(1_000);
  assert.equal(sent.filter((message) => message === "WATCHDOG=1").length, 10, "one beat per 100 ms of virtual time");
  await tick(100);
  assert.equal(sup.status().phase === "failed" || sup.status().phase === "stopped", true, "gave up after its one crash");
  const beats = sent.filter((message) => message === "WATCHDOG=1").length;
  await tick(1_000);
  assert.equal(sent.filter((message) => message === "WATCHDOG=1").length, beats, "no beat once the supervisor failed");
  assert.match(withoutWatchdog(sent).at(-1)!, /^STOPPING=1\nSTATUS=gave up: group "web" slot 0 /);
  await notifier.close();
});

test("SystemdNotifier reports a failing socket once until a send succeeds again", async () => {
  let failing = true;
  const { errors, tick, notifier, sup } = notified({ groups: [{ name: "web", command: ["app"], count: 1, ready: "ipc" }] }, { watchdogMs: 50, fail: () => failing });
  await tick(300);
  assert.deepEqual(errors, ["systemd notify via test failed: ECONNREFUSED"]);
  failing = false;
  await tick(100);
  failing = true;
  await tick(100);
  assert.equal(errors.length, 2);
  const stopped = sup.stop();
  await tick(100);
  await stopped;
  await notifier.close();
});

/** A fake notify socket: the listener fixture on Deno, its datagrams as they arrive. */
class Listener {
  readonly started: Started;

  constructor(started: Started) {
    this.started = started;
  }

  static async start(rig: Rig, address: string): Promise<Listener> {
    const started = await rig.spawn([`${ROOT}/node_modules/.bin/deno`, "run", "-A", "--unstable-net", fixture("notify_listener"), address]);
    await started.record.until(`the listener on ${address}`, () => started.record.out().length > 0, 15_000);
    assert.deepEqual(JSON.parse(started.record.out()[0]!), { listening: address });
    return new Listener(started);
  }

  /**
   * The messages, as systemd would read them: systemd-notify's `BARRIER=1`
   * datagrams (its wait for systemd) and `MAINPID=` lines dropped.
   */
  messages(): string[] {
    return this.started.record.out().slice(1)
      .map((line) => (JSON.parse(line) as { datagram: string }).datagram.split("\n").filter((field) => !field.startsWith("MAINPID=")).join("\n"))
      .filter((message) => message !== "BARRIER=1");
  }

  /** Resolves with the messages once one matches `match` (from index `from` on). */
  async until(what: string, match: (message: string) => boolean, from = 0, ms = 15_000): Promise<string[]> {
    await this.started.record.until(what, () => this.messages().slice(from).some(match), ms);
    return this.messages();
  }
}

let abstractNames = 0;
const abstractName = (): string => `@steward-test-${process.pid}-${abstractNames++}`;

test(`${RUNTIME}: openNotifySender() and systemdNotifySender() reach a unix datagram listener at a path and in the abstract namespace`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "steward-notify-"));
  try {
    await withProcesses({ maxProcesses: 2, timeLimitMs: 40_000 }, async (rig) => {
      for (const address of [join(dir, "notify.sock"), abstractName()]) {
        const listener = await Listener.start(rig, address);
        const { sender, fallback } = await openNotifySender(address, process.pid);
        assert.equal(sender.via, RUNTIME === "node" ? "systemd-notify" : "ffi", `${RUNTIME} sends by ${sender.via}`);
        assert.equal(fallback, RUNTIME === "node" ? "node has no unix datagram sockets (node:dgram is UDP only)" : null);
        await sender.send(`STATUS=native ${address}`);
        sender.close();
        await systemdNotifySender(address, process.pid).send(`STATUS=fallback ${address}`);
        assert.deepEqual(await listener.until("both messages", (m) => m.startsWith("STATUS=fallback")), [`STATUS=native ${address}`, `STATUS=fallback ${address}`]);
      }
      const nobody = join(dir, "nobody.sock");
      const { sender } = await openNotifySender(nobody, process.pid);
      await assert.rejects(sender.send("READY=1"), RUNTIME === "node" ? /systemd-notify exited 1/ : /sendto failed: ENOENT/);
      sender.close();
      await assert.rejects(systemdNotifySender(nobody, process.pid, "no-such-systemd-notify").send("READY=1"), /^Error: no-such-systemd-notify: not found on PATH$/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A plain worker that prints what it inherited of systemd's variables, then sleeps. */
const ENV_WORKER = ["/bin/sh", "-c", 'echo "notify=${NOTIFY_SOCKET:-unset} watchdog=${WATCHDOG_USEC:-unset}"; exec sleep 60'];

/** Runs a master under a fake notify socket through start, a reload and a stop; returns every message. */
async function underSystemd(rig: Rig, options: { address: string; steward?: readonly string[]; via: string }): Promise<{ master: Master; messages: string[] }> {
  const listener = await Listener.start(rig, options.address);
  const env = { NOTIFY_SOCKET: options.address, WATCHDOG_USEC: "400000" };
  const master = await startMaster(rig, ["-w", "2", "--ready", "after:100", "--kill-timeout", "2000", "--", ...ENV_WORKER], { env, steward: options.steward });
  const announced = await master.until("the notify log line", (e) => e.type === "notify");
  assert.equal(announced.via, options.via);
  assert.equal(announced.watchdogMs, 200);
  await listener.until("READY=1", (m) => m.startsWith("READY=1"));
  await listener.until("a watchdog beat", (m) => m === "WATCHDOG=1");
  const said = await master.count("both workers' environment lines", 2, (e) => e.type === "output");
  assert.deepEqual(said.map((e) => e.text), ["notify=unset watchdog=unset", "notify=unset watchdog=unset"], "workers do not inherit systemd's variables");

  const mark = listener.messages().length;
  process.kill(master.pid, "SIGHUP");
  await listener.until("READY=1 after the reload", (m) => m.startsWith("READY=1"), mark, 20_000);
  process.kill(master.pid, "SIGTERM");
  assert.deepEqual(await master.exited(), { code: 0, signal: null }, master.stderr().join("\n"));
  const messages = await listener.until("STOPPING=1", (m) => m.startsWith("STOPPING=1"));
  return { master, messages };
}

const NATIVE_VIA = RUNTIME === "node" ? "systemd-notify" : "ffi";

test(`${RUNTIME} cli: under NOTIFY_SOCKET, run sends READY=1, WATCHDOG=1, RELOADING=1 then READY=1 on HUP, STOPPING=1 on TERM`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "steward-notify-"));
  try {
    await withProcesses({ maxProcesses: 10, timeLimitMs: 60_000 }, async (rig) => {
      const { messages } = await underSystemd(rig, { address: join(dir, "notify.sock"), via: NATIVE_VIA });
      const states = messages.filter((m) => m !== "WATCHDOG=1");
      assert.equal(states.length, 4, JSON.stringify(states));
      assert.equal(states[0], "READY=1\nSTATUS=app 2/2 ready");
      assert.match(states[1]!, /^RELOADING=1\nMONOTONIC_USEC=(\d+)\nSTATUS=reloading to generation 2$/);
      // CLOCK_MONOTONIC, as systemd reads it: close to the uptime (a VM that never suspends).
      const usec = Number(/MONOTONIC_USEC=(\d+)/.exec(states[1]!)![1]);
      const uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
      assert.ok(Math.abs(usec / 1e6 - uptime) < 30, `MONOTONIC_USEC ${usec} vs uptime ${uptime} s`);
      assert.equal(states[2], "READY=1\nSTATUS=app 2/2 ready");
      assert.equal(states[3], "STOPPING=1\nSTATUS=stopping");
      assert.ok(messages.indexOf("WATCHDOG=1") < messages.indexOf(states[3]!), "beats while running");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: an abstract NOTIFY_SOCKET (@name) works too, and Deno with --unstable-net sends with its own API`, async () => {
  await withProcesses({ maxProcesses: 16, timeLimitMs: 80_000 }, async (rig) => {
    const own = await underSystemd(rig, { address: abstractName(), via: NATIVE_VIA });
    const deno = await underSystemd(rig, {
      address: abstractName(),
      via: "deno-net",
      steward: [`${ROOT}/node_modules/.bin/deno`, "run", "-A", "--unstable-net", `${ROOT}/bin/steward.ts`],
    });
    for (const { messages } of [own, deno]) {
      const states = messages.filter((m) => m !== "WATCHDOG=1").map((m) => m.split("\n")[0]);
      assert.deepEqual(states, ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]);
    }
  });
});
