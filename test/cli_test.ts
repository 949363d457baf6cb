/**
 * The `steward` command driven as a user would: real masters started with
 * `steward run` on the runtime running the tests (node runs the build,
 * deno and bun run `bin/steward.ts`), signals, `steward ctl`, the control
 * socket. Every test runs in `withProcesses`: a process cap, a time limit,
 * and every pid (the master, each worker read from its JSON log, its orphan
 * keeper, each ctl) killed and checked gone at the end. Waiting is always
 * for a log line or an exit, with a timeout.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { parseRunArgs } from "../src/cli/args.ts";
import { buildConfig } from "../src/cli/config_file.ts";
import { answer, type ControlHandlers } from "../src/cli/control.ts";
import { statusTable } from "../src/cli/ctl.ts";
import { createLogger, wantsColor } from "../src/cli/log.ts";
import { VERSION } from "../src/cli/version.ts";
import { awaitGone, command, fixture, ROOT, RUNTIME, withProcesses } from "./_harness.ts";
import { ctl, type Master, startMaster, STEWARD } from "./_master.ts";

const IPC_WORKER = command(RUNTIME, fixture("ipc_worker"));

/** Sends raw bytes on a fresh connection and ends it; resolves with the reply lines once the master closes it (fails after `ms`). */
function rawExchange(path: string, bytes: string, ms = 5_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close from the master within ${ms} ms after ${JSON.stringify(bytes.slice(0, 80))}`));
    }, ms);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.end(bytes));
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(text.split("\n").filter((line) => line !== ""));
    });
  });
}

/** One request on its own connection; resolves with the parsed reply. */
async function request(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(body)}\n`));
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (!text.includes("\n")) return;
      socket.destroy();
      resolve(JSON.parse(text.slice(0, text.indexOf("\n"))) as Record<string, unknown>);
    });
    socket.on("error", reject);
  });
}

interface WorkerRow {
  readonly group: string;
  readonly slot: number;
  readonly pid: number;
  readonly phase: string;
  readonly generation: number;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "steward-cli-"));
}

test(`${RUNTIME} cli: bad input exits 2 with one line naming the field and value, and starts nothing`, async () => {
  const dir = tempDir();
  const config = (name: string, json: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
    return path;
  };
  const good = config("good.json", { groups: [{ name: "web", command: IPC_WORKER, count: 1 }] });
  const cases: [readonly string[], RegExp][] = [
    [["-w", "0", "--", ...IPC_WORKER], /^steward run: --workers: expected an integer from 1 to 10000, got 0$/],
    [["--workers", "-1", "--", ...IPC_WORKER], /^steward run: --workers: expected an integer from 1 to 10000, got -1$/],
    [["-w", "a", "--", ...IPC_WORKER], /^steward run: --workers: expected an integer from 1 to 10000, got "a"$/],
    [["-w", "1.5", "--", ...IPC_WORKER], /^steward run: --workers: expected an integer from 1 to 10000, got 1\.5$/],
    [["-w", "100000", "--", ...IPC_WORKER], /^steward run: --workers: expected an integer from 1 to 10000, got 100000$/],
    [["--kill-timeout", "soon", "--", ...IPC_WORKER], /^steward run: --kill-timeout: expected an integer from 0 to 2147483647, got "soon"$/],
    [["--wokers", "2", "--", ...IPC_WORKER], /^steward run: --wokers: unknown option \(did you mean --workers\?\)/],
    [[], /^steward run: missing command: steward run \[options\] -- <command\.\.\.>$/],
    [["--config", config("typo.json", { groups: [{ name: "web", command: IPC_WORKER, cuont: 2 }] })], /typo\.json: groups\[0\]\.cuont: unknown option \(did you mean "count"\?\), got 2$/],
    [["--config", config("type.json", { groups: [{ name: "web", command: IPC_WORKER, count: "4" }] })], /type\.json: groups\[0\]\.count: expected an integer from 1 to 10000, got "4"$/],
    [["--config", config("broken.json", "{ groups: ")], /broken\.json: not valid JSON/],
    [["--config", good, "-w", "0"], /^steward run: --workers: expected an integer from 1 to 10000, got 0$/],
    [["--", "no-such-program-steward"], /^steward run: command: "no-such-program-steward" not found on PATH$/],
    [["--ready", "after:soon", "--", ...IPC_WORKER], /^steward run: --ready: expected an integer from 0 to 2147483647, got "soon"$/],
  ];
  try {
    await withProcesses({ maxProcesses: cases.length + 1, timeLimitMs: 30_000 }, async (rig) => {
      const runs = cases.map(async ([args, expected]) => {
        const started = await rig.spawn([...STEWARD, "run", ...args], { cwd: dir });
        const exit = await started.record.exited(20_000);
        const err = started.record.out("stderr");
        assert.deepEqual(exit, { code: 2, signal: null }, `${args.join(" ")}: ${err.join(" | ")}`);
        assert.equal(err.length, 1, `${args.join(" ")}: one stderr line, got ${JSON.stringify(err)}`);
        assert.match(err[0]!, expected);
        assert.deepEqual(started.record.out(), [], `${args.join(" ")} printed to stdout`);
      });
      const version = (async () => {
        const started = await rig.spawn([...STEWARD, "--version"]);
        assert.deepEqual(await started.record.exited(20_000), { code: 0, signal: null });
        const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { version: string };
        assert.deepEqual(started.record.out(), [pkg.version]);
        assert.equal(VERSION, pkg.version);
      })();
      await Promise.all([...runs, version]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: a killed worker is replaced; HUP replaces every worker; TTIN/TTOU scale; TERM stops all, exit 0`, async () => {
  const dir = tempDir();
  const socket = join(dir, "private", "master.sock");
  try {
    await withProcesses({ maxProcesses: 14, timeLimitMs: 40_000 }, async (rig) => {
      const master = await startMaster(rig, ["-w", "2", "--ready", "ipc", "--kill-timeout", "3000", "--socket", socket, "--", ...IPC_WORKER]);
      const first = await master.count("2 ready workers", 2, (e) => e.type === "ready");
      const said = await master.until("a worker's output line", (e) => e.type === "output");
      assert.deepEqual(Object.keys(said).sort(), ["group", "pid", "slot", "stream", "text", "time", "type"]);
      assert.equal(said.group, "app");
      assert.match(said.text as string, /"supervised":true/);
      assert.equal(statSync(socket).mode & 0o777, 0o600, "socket mode");
      assert.equal(statSync(join(dir, "private")).mode & 0o777, 0o700, "socket directory mode");

      // A SIGKILLed worker: a new pid in its slot, ready within 5 s.
      const victim = first.find((e) => e.slot === 0)!;
      let mark = master.entries.length;
      process.kill(victim.pid as number, "SIGKILL");
      const replacement = await master.until("slot 0 replaced", (e) => e.type === "ready" && e.slot === 0 && e.pid !== victim.pid, mark, 5_000);
      assert.notEqual(replacement.pid, victim.pid);

      // HUP: a rolling reload; every worker is new, the count unchanged.
      mark = master.entries.length;
      process.kill(master.pid, "SIGHUP");
      await master.until("the reload to finish", (e) => e.type === "rolloutFinished", mark, 20_000);
      const before = new Set([replacement.pid, ...first.map((e) => e.pid)]);
      const status = (await request(socket, { v: 1, cmd: "status" })).status as { workers: WorkerRow[] };
      const live = status.workers.filter((w) => w.phase !== "stopping");
      assert.equal(live.length, 2, JSON.stringify(status.workers));
      assert.ok(live.every((w) => w.generation === 2 && w.phase === "ready" && !before.has(w.pid)), JSON.stringify(live));

      // TTIN adds a worker, TTOU takes it away again.
      mark = master.entries.length;
      process.kill(master.pid, "SIGTTIN");
      await master.until("slot 2 ready", (e) => e.type === "ready" && e.slot === 2, mark);
      mark = master.entries.length;
      process.kill(master.pid, "SIGTTOU");
      await master.until("slot 2 exited", (e) => e.type === "exited" && e.slot === 2, mark);

      // TERM: graceful stop, every worker gone, exit 0, socket removed.
      const workers = (((await request(socket, { v: 1, cmd: "status" })).status) as { workers: WorkerRow[] }).workers.map((w) => w.pid);
      process.kill(master.pid, "SIGTERM");
      assert.deepEqual(await master.exited(), { code: 0, signal: null }, master.stderr().join("\n"));
      assert.deepEqual(await awaitGone(workers, 3_000), []);
      assert.throws(() => statSync(socket), /ENOENT/, "the socket is removed on exit");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: ctl finds the only master; status table and JSON, scale, reload, restart, stop`, async () => {
  const dir = tempDir();
  const env = { XDG_RUNTIME_DIR: dir };
  try {
    await withProcesses({ maxProcesses: 20, timeLimitMs: 40_000 }, async (rig) => {
      const master = await startMaster(rig, ["-w", "1", "--name", "web", "--ready", "ipc", "--kill-timeout", "3000", "--", ...IPC_WORKER], { env });
      await master.until("ready", (e) => e.type === "ready");
      const socket = join(dir, "steward", `${master.pid}.sock`);
      assert.equal(statSync(socket).mode & 0o777, 0o600, "socket mode");
      assert.equal(statSync(join(dir, "steward")).mode & 0o777, 0o700, "socket directory mode");

      const table = await ctl(rig, ["status"], env);
      assert.equal(table.code, 0, table.err.join("\n"));
      assert.match(table.out[0]!, /^GROUP\s+SLOT\s+PID\s+PHASE\s+GENERATION\s+UPTIME\s+RESTARTS$/);
      assert.match(table.out[1]!, /^web\s+0\s+\d+\s+ready\s+1\s+\d+\.\ds\s+0$/);

      const scaled = await ctl(rig, ["scale", "web", "2"], env);
      assert.deepEqual([scaled.code, scaled.out], [0, ["scale: done"]], scaled.err.join("\n"));
      const reloaded = await ctl(rig, ["reload"], env);
      assert.deepEqual([reloaded.code, reloaded.out], [0, ["reload: done"]], reloaded.err.join("\n"));
      const json = await ctl(rig, ["status", "--json"], env);
      const workers = (JSON.parse(json.out[0]!) as { workers: WorkerRow[] }).workers.filter((w) => w.phase !== "stopping");
      assert.deepEqual(workers.map((w) => [w.group, w.slot, w.phase, w.generation]), [["web", 0, "ready", 2], ["web", 1, "ready", 2]]);

      const restarted = await ctl(rig, ["restart", "web.1"], env);
      assert.deepEqual([restarted.code, restarted.out], [0, ["restart: done"]], restarted.err.join("\n"));
      const unknown = await ctl(rig, ["scale", "nope", "2"], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err.join("\n"), /^steward ctl: scale failed: .*nope/);

      const all = master.entries.filter((e) => e.type === "spawned").map((e) => e.pid as number);
      const stopped = await ctl(rig, ["stop"], env);
      assert.equal(stopped.code, 0, stopped.err.join("\n"));
      assert.match(stopped.out[0]!, /^stop: requested/);
      assert.deepEqual(await master.exited(), { code: 0, signal: null }, master.stderr().join("\n"));
      assert.deepEqual(await awaitGone(all, 3_000), []);
      assert.throws(() => statSync(socket), /ENOENT/, "the socket is removed on exit");
      const none = await ctl(rig, ["status"], env);
      assert.equal(none.code, 1);
      assert.match(none.err[0]!, /no steward master running/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: 1,000 random and malformed control lines get error replies; the master keeps serving`, async () => {
  const dir = tempDir();
  const socket = join(dir, "m.sock");
  try {
    await withProcesses({ maxProcesses: 6, timeLimitMs: 40_000 }, async (rig) => {
      const master = await startMaster(rig, ["-w", "1", "--ready", "ipc", "--socket", socket, "--", ...IPC_WORKER]);
      const ready = await master.until("ready", (e) => e.type === "ready");
      let seed = 0x5eed;
      const random = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      const templates = [
        () => "not json",
        () => "",
        () => "[]",
        () => "null",
        () => "42",
        () => JSON.stringify({ cmd: "status" }),
        () => JSON.stringify({ v: 2, cmd: "status" }),
        () => JSON.stringify({ v: 1, cmd: "explode" }),
        () => JSON.stringify({ v: 1 }),
        () => JSON.stringify({ v: 1, cmd: "scale", group: "nope", count: 2 }),
        () => JSON.stringify({ v: 1, cmd: "scale", group: "app", count: "many" }),
        () => JSON.stringify({ v: 1, cmd: "restart", target: 7 }),
        () => JSON.stringify({ v: 1, cmd: "status" }).slice(0, 1 + random(20)),
        () => String.fromCharCode(...Array.from({ length: 1 + random(200) }, () => random(0x3000))),
        () => `{"v":1,"cmd":"status"${"x".repeat(random(50))}`,
        () => JSON.stringify({ v: 1, cmd: "status" }),
      ];
      const lines = Array.from({ length: 1_000 }, (_, index) => {
        if (index % 250 === 7) return "x".repeat(70 * 1024); // over 64 KiB
        if (index % 250 === 9) return `{"v":1,"cmd":"status","pad":"${"y".repeat(70 * 1024)}"}`;
        return templates[random(templates.length)]!();
      });
      for (let start = 0; start < lines.length; start += 50) {
        const replies = await Promise.all(lines.slice(start, start + 50).map((line) => {
          // An unterminated runaway line must be refused too: send the long ones without a newline.
          const bytes = line.length > 64 * 1024 && line.startsWith("x") ? line : `${line}\n`;
          return rawExchange(socket, bytes).then((replies) => {
            // A short line always gets its reply (a long one may be cut off while still being sent).
            if (line.length < 1024) assert.ok(replies.length >= 1, `no reply to ${JSON.stringify(line)}`);
            return replies;
          });
        }));
        for (const reply of replies.flat()) {
          const parsed = JSON.parse(reply) as { v: number; ok: boolean };
          assert.equal(parsed.v, 1, reply);
          assert.equal(typeof parsed.ok, "boolean", reply);
        }
      }
      const status = await request(socket, { v: 1, cmd: "status" });
      assert.equal(status.ok, true);
      const workers = (status.status as { workers: WorkerRow[] }).workers;
      assert.deepEqual(workers.map((w) => [w.pid, w.phase]), [[ready.pid, "ready"]], "the worker is untouched");
      const table = await ctl(rig, ["--socket", socket, "status"]);
      assert.equal(table.code, 0, table.err.join("\n"));
      process.kill(master.pid, "SIGTERM");
      assert.deepEqual(await master.exited(), { code: 0, signal: null });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: a SIGKILLed master leaves no worker behind`, async () => {
  const dir = tempDir();
  try {
    await withProcesses({ maxProcesses: 6, timeLimitMs: 30_000 }, async (rig) => {
      const master = await startMaster(rig, ["-w", "2", "--ready", "ipc", "--socket", join(dir, "m.sock"), "--", ...IPC_WORKER]);
      const workers = (await master.count("2 ready", 2, (e) => e.type === "ready")).map((e) => e.pid as number);
      process.kill(master.pid, "SIGKILL");
      assert.deepEqual(await awaitGone(workers, 3_000), [], "workers outlived their SIGKILLed master");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: a worker that crashes on start makes the master give up with exit 1, naming the cause`, async () => {
  const dir = tempDir();
  try {
    await withProcesses({ maxProcesses: 6, timeLimitMs: 30_000 }, async (rig) => {
      const crasher = command(RUNTIME, fixture("crash_on_start"));
      const started = await rig.spawn([...STEWARD, "run", "-w", "1", "--max-restarts", "2", "--socket", join(dir, "m.sock"), "--", ...crasher], { env: { NO_COLOR: "1" } });
      const exit = await started.record.exited(20_000);
      // Text log: a timestamp on every line of the master's own, no colour off a TTY.
      const out = started.record.out();
      for (const line of out) {
        rig.adopt([...line.matchAll(/spawned pid (\d+)/g)].map((m) => Number(m[1])));
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
        assert.ok(!line.includes("\x1b["), `colour in ${JSON.stringify(line)}`);
      }
      const err = started.record.out("stderr");
      assert.equal(exit.code, 1, err.join("\n"));
      const last = err.at(-1)!;
      assert.match(last, /^steward run: gave up: .*"app".*exited with code 3.*boom: cannot open the database/);
      assert.ok(err.some((line) => /^\S+Z \[app\.0 \d+\] boom: cannot open the database$/.test(line)), "the worker's stderr is forwarded with its prefix");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: HUP with a broken config file keeps the workers; a fixed one is rolled out`, async () => {
  const dir = tempDir();
  const file = join(dir, "steward.config.json");
  const write = (count: unknown): void =>
    writeFileSync(file, JSON.stringify({ groups: [{ name: "web", command: IPC_WORKER, count, ready: "ipc", killTimeoutMs: 3000 }], maxRestarts: 5 }));
  try {
    await withProcesses({ maxProcesses: 8, timeLimitMs: 30_000 }, async (rig) => {
      write(1);
      const master = await startMaster(rig, ["--config", file, "--socket", join(dir, "m.sock")]);
      const ready = await master.until("ready", (e) => e.type === "ready");
      write(0);
      let mark = master.entries.length;
      process.kill(master.pid, "SIGHUP");
      await master.started.record.until("the rejection", () => master.stderr().some((line) => /reload rejected/.test(line)));
      const rejection = master.stderr().find((line) => /reload rejected/.test(line))!;
      assert.match(JSON.parse(rejection).message as string, /workers kept: .*steward\.config\.json: groups\[0\]\.count: expected an integer from 1 to 10000, got 0/);
      write(2);
      process.kill(master.pid, "SIGHUP");
      await master.until("the reload", (e) => e.type === "rolloutFinished", mark, 20_000);
      const readies = master.entries.slice(mark).filter((e) => e.type === "ready");
      assert.ok(master.entries.slice(mark).filter((e) => e.type === "spawned").every((e) => e.pid !== ready.pid));
      assert.deepEqual(readies.map((e) => e.generation), readies.map(() => 2));
      process.kill(master.pid, "SIGTERM");
      assert.deepEqual(await master.exited(), { code: 0, signal: null });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: INT stops gracefully, a second INT kills at once`, async () => {
  const dir = tempDir();
  try {
    await withProcesses({ maxProcesses: 5, timeLimitMs: 30_000 }, async (rig) => {
      const stubborn = command(RUNTIME, fixture("ignore_sigterm"));
      const master = await startMaster(rig, ["-w", "1", "--ready", "after:0", "--kill-timeout", "60000", "--socket", join(dir, "m.sock"), "--", ...stubborn]);
      await master.until("armed", (e) => e.type === "output" && e.text === "armed");
      process.kill(master.pid, "SIGINT");
      await master.until("the SIGTERM it ignores", (e) => e.type === "output" && e.text === "ignored SIGTERM");
      process.kill(master.pid, "SIGINT");
      assert.deepEqual(await master.exited(10_000), { code: 0, signal: null }, master.stderr().join("\n"));
      const exited = master.entries.find((e) => e.type === "exited");
      assert.equal(exited?.signal, "SIGKILL", "the second INT did not wait for the 60 s kill timeout");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`${RUNTIME} cli: text logs are coloured only on a terminal without NO_COLOR`, () => {
  assert.equal(wantsColor(true, {}), true);
  assert.equal(wantsColor(true, { NO_COLOR: "1" }), false);
  assert.equal(wantsColor(true, { NO_COLOR: "" }), true);
  assert.equal(wantsColor(false, {}), false);
  const lines: string[] = [];
  const now = (): Date => new Date(0);
  const line = { group: "web", slot: 1, pid: 42, stream: "stdout" as const, text: "hi" };
  createLogger({ format: "text", color: false, write: (_, text) => lines.push(text), now }).output(line);
  createLogger({ format: "text", color: true, write: (_, text) => lines.push(text), now }).output(line);
  createLogger({ format: "json", write: (_, text) => lines.push(text), now }).output(line);
  assert.equal(lines[0], "1970-01-01T00:00:00.000Z [web.1 42] hi");
  assert.match(lines[1]!, /\x1b\[/);
  assert.deepEqual(JSON.parse(lines[2]!), { time: "1970-01-01T00:00:00.000Z", type: "output", group: "web", slot: 1, pid: 42, stream: "stdout", text: "hi" });
});

test(`${RUNTIME} cli: flags override the first group and the top level of a config file; problems name their source`, () => {
  const file = { path: "s.json", json: { groups: [{ name: "web", command: ["a"], count: 2 }, { name: "jobs", command: ["b"], count: 0 }], maxRestarts: 3 } };
  const args = (argv: string[]) => {
    const parsed = parseRunArgs(argv);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
    return parsed.value;
  };
  assert.deepEqual(buildConfig(args([]), file, 4), { ok: false, message: "s.json: groups[1].count: expected an integer from 1 to 10000, got 0" });
  file.json.groups[1]!.count = 1;
  const merged = buildConfig(args(["-w", "5", "--ready", "after:250", "--max-restarts", "7", "--", "c", "d"]), file, 4);
  assert.ok(merged.ok);
  const [web, jobs] = merged.value.groups;
  assert.deepEqual([web!.count, web!.command, web!.ready, web!.readyAfterMs, jobs!.count, merged.value.maxRestarts], [5, ["c", "d"], "after", 250, 1, 7]);
  const alone = buildConfig(args(["--", "x"]), null, 3);
  assert.ok(alone.ok);
  assert.deepEqual([alone.value.groups[0]!.name, alone.value.groups[0]!.count], ["app", 3]);
  assert.deepEqual(buildConfig(args(["--period", "0", "--", "x"]), null, 1), { ok: false, message: "--period: expected an integer from 1 to 2147483647, got 0" });
  const unknown = parseRunArgs(["node", "app.js", "--bind", "3"]);
  assert.ok(!unknown.ok && /^--bind: unknown option.*put the command after --$/.test(unknown.message), JSON.stringify(unknown));
});

test(`${RUNTIME} cli: control requests are answered one reply each; bad lines close the connection`, async () => {
  const calls: string[] = [];
  const handlers: ControlHandlers = {
    status: () => ({ pid: 1, status: { workers: [] } }),
    reload: () => (calls.push("reload"), Promise.resolve()),
    scale: (group, count) => (calls.push(`scale ${group} ${count}`), group === "web" ? Promise.resolve() : Promise.reject(new Error(`no group "${group}"`))),
    restart: (target) => (calls.push(`restart ${target}`), Promise.resolve()),
    stop: (graceful) => void calls.push(`stop ${graceful}`),
  };
  const ask = async (line: string) => {
    const { reply, close } = await answer(line, handlers);
    return [reply, close] as const;
  };
  assert.deepEqual(await ask('{"v":1,"cmd":"status"}'), [{ v: 1, ok: true, pid: 1, status: { workers: [] } }, false]);
  assert.deepEqual(await ask('{"v":1,"cmd":"scale","group":"web","count":3}'), [{ v: 1, ok: true }, false]);
  assert.deepEqual(await ask('{"v":1,"cmd":"scale","group":"db","count":3}'), [{ v: 1, ok: false, error: 'no group "db"' }, false]);
  assert.deepEqual(await ask('{"v":1,"cmd":"restart","target":"web.1"}'), [{ v: 1, ok: true }, false]);
  assert.deepEqual(await ask("nope"), [{ v: 1, ok: false, error: "malformed request: not JSON" }, true]);
  assert.deepEqual((await ask('{"v":2,"cmd":"status"}'))[1], true);
  assert.deepEqual((await ask('{"v":1,"cmd":"explode"}'))[1], true);
  const stop = await answer('{"v":1,"cmd":"stop"}', handlers);
  assert.ok(!calls.includes("stop true"), "stop runs only after its reply is written");
  stop.after?.();
  assert.deepEqual(calls, ["scale web 3", "scale db 3", "restart web.1", "stop true"]);
  const table = statusTable([{ group: "web", slot: 0, id: 1, pid: 42, phase: "ready", generation: 1, uptimeMs: 75_000, restarts: 2 }]);
  assert.equal(table, "GROUP  SLOT  PID  PHASE  GENERATION  UPTIME  RESTARTS\nweb    0     42   ready  1           1m15s   2");
});
