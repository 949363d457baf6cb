/**
 * Zero-downtime HTTP with real processes: a `steward run --port` master on
 * the runtime running the tests, `examples/http_server.ts` workers on the
 * same runtime sharing one port through the worker helper's `listen()`, and
 * keep-alive load from `autocannon` (`fixtures/http_load.ts`, on Node) on
 * 127.0.0.1. Every test runs in `withProcesses` (a process cap, a time
 * limit, every pid killed and checked gone at the end) and waits for log
 * entries, load progress or exits, never for a fixed time.
 *
 * @module
 */

import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { command, fixture, freePort, ROOT, RUNTIME, type Started, withProcesses } from "./_harness.ts";
import { createServer } from "node:net";
import { type Entry, type Master, startMaster, STEWARD } from "./_master.ts";

const WORKER = command(RUNTIME, `${ROOT}/.build/examples/http_server.js`);
const CONNECTIONS = 8;

interface LoadCounts {
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly codes: Record<string, number>;
  readonly done?: boolean;
}

/** Starts the load fixture against `port`; resolves once it got its first responses. */
async function startLoad(rig: { spawn: (argv: readonly string[]) => Promise<Started> }, port: number): Promise<Started> {
  const load = await rig.spawn(command("node", fixture("http_load"), `http://127.0.0.1:${port}/`, String(CONNECTIONS), "110"));
  await load.record.until("the load's first responses", () => (latest(load)?.requests ?? 0) >= 100, 15_000);
  return load;
}

function latest(load: Started): LoadCounts | null {
  const lines = load.record.out();
  return lines.length === 0 ? null : JSON.parse(lines[lines.length - 1]!) as LoadCounts;
}

/** Resolves with the first progress line printed after this call whose request count reached `requests`. */
async function progressAt(load: Started, requests: number, ms = 20_000): Promise<LoadCounts> {
  const from = load.record.out().length;
  let hit: LoadCounts | null = null;
  await load.record.until(`the load to reach ${requests} requests`, () => {
    const lines = load.record.out();
    if (lines.length <= from) return false;
    hit = JSON.parse(lines[lines.length - 1]!) as LoadCounts;
    return hit.requests >= requests;
  }, ms);
  return hit!;
}

/** Stops the load and returns its final counts. */
async function stopLoad(load: Started): Promise<LoadCounts> {
  load.handle.signal("SIGTERM");
  await load.record.until("the load's final counts", () => latest(load)?.done === true, 15_000);
  return latest(load)!;
}

function failures(counts: LoadCounts): { errors: number; non2xx: number; codes: Record<string, number> } {
  return { errors: counts.errors, non2xx: counts.non2xx, codes: counts.codes };
}

const isReady = (entry: Entry): boolean => entry.type === "ready";

async function startWeb(rig: Parameters<typeof startMaster>[0], port: number, extra: readonly string[] = []): Promise<Master> {
  const master = await startMaster(rig, ["--port", String(port), "--host", "127.0.0.1", "-w", "2", "--ready", "ipc", ...extra, "--", ...WORKER]);
  await master.count("2 ready workers", 2, isReady, 0, 20_000);
  return master;
}

async function stopMaster(master: Master): Promise<void> {
  process.kill(master.pid, "SIGTERM");
  assert.deepEqual(await master.exited(20_000), { code: 0, signal: null });
  const unplanned = master.entries.filter((e) => e.type === "exited" && (e.code !== 0 || e.planned !== true));
  assert.deepEqual(unplanned, [], "every worker drained and exited 0");
}

test(`http: 20 rolling reloads under keep-alive load fail no request (${RUNTIME})`, { timeout: 200_000 }, () =>
  withProcesses({ maxProcesses: 1 + 2 + 2 * 20 + 3, timeLimitMs: 180_000 }, async (rig) => {
    const port = await freePort();
    const master = await startWeb(rig, port);
    const load = await startLoad(rig, port);
    for (let reload = 1; reload <= 20; reload++) {
      process.kill(master.pid, "SIGHUP");
      await master.count(`reload ${reload} to finish`, reload, (e) => e.type === "rolloutFinished", 0, 30_000);
    }
    const atEnd = await progressAt(load, latest(load)!.requests + 200);
    const counts = await stopLoad(load);
    assert.deepEqual(failures(counts), { errors: 0, non2xx: 0, codes: {} });
    assert.ok(atEnd.requests > 1000, `the load kept flowing: ${atEnd.requests} requests`);
    const generations = new Set(master.entries.filter(isReady).map((e) => e.generation));
    assert.equal(generations.size, 21, "every reload started a new generation of workers");
    await stopMaster(master);
  }));

test(`http: a stop lets slow requests in flight complete (${RUNTIME})`, { timeout: 60_000 }, () =>
  withProcesses({ maxProcesses: 1 + 2 + 1, timeLimitMs: 50_000 }, async (rig) => {
    const port = await freePort();
    const master = await startWeb(rig, port);
    const slow = Array.from({ length: 6 }, () =>
      fetch(`http://127.0.0.1:${port}/?delay=1500`).then(async (response) => ({ status: response.status, body: await response.text() })));
    await master.count("6 slow requests in the workers", 6, (e) => e.type === "output" && String(e.text).startsWith("slow request"), 0, 10_000);
    process.kill(master.pid, "SIGTERM");
    const answers = await Promise.all(slow);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.match(answer.body, /^ok \d+\n$/);
    }
    assert.deepEqual(await master.exited(20_000), { code: 0, signal: null });
    const exits = master.entries.filter((e) => e.type === "exited");
    assert.deepEqual(exits.map((e) => e.code), [0, 0], "both workers drained and exited 0, none was killed");
  }));

test(`http: a SIGKILLed worker fails at most its in-flight requests, then none (${RUNTIME})`, { timeout: 90_000 }, () =>
  withProcesses({ maxProcesses: 1 + 3 + 2, timeLimitMs: 80_000 }, async (rig) => {
    const port = await freePort();
    const master = await startWeb(rig, port);
    const load = await startLoad(rig, port);
    const victim = master.entries.find(isReady)!;
    const from = master.entries.length;
    process.kill(victim.pid as number, "SIGKILL");
    await master.until("the replacement ready", (e) => isReady(e) && e.slot === victim.slot, from, 20_000);
    const afterReplacement = await progressAt(load, latest(load)!.requests + 1);
    const later = await progressAt(load, afterReplacement.requests + 2000);
    const counts = await stopLoad(load);
    assert.ok(afterReplacement.errors <= CONNECTIONS, `at most one failed request per connection: ${JSON.stringify(afterReplacement.codes)}`);
    assert.equal(later.errors, afterReplacement.errors, "no failure once the replacement is ready");
    assert.equal(counts.non2xx, 0);
    process.kill(master.pid, "SIGTERM");
    assert.deepEqual(await master.exited(20_000), { code: 0, signal: null });
  }));

test(`http: a --port in use is one line and exit 2, before any worker starts (${RUNTIME})`, { timeout: 30_000 }, async () => {
  const holder = createServer();
  const port = await new Promise<number>((resolve) => holder.listen({ host: "127.0.0.1", port: 0 }, () => resolve((holder.address() as { port: number }).port)));
  try {
    await withProcesses({ maxProcesses: 1, timeLimitMs: 25_000 }, async (rig) => {
      const master = await rig.spawn([...STEWARD, "run", "--port", String(port), "--log-format", "json", "--", ...WORKER]);
      assert.deepEqual(await master.record.exited(20_000), { code: 2, signal: null });
      assert.deepEqual(master.record.out("stderr"), [`steward run: --port: cannot bind 127.0.0.1:${port}: address in use (EADDRINUSE)`]);
      assert.equal(master.record.out().filter((line) => line.includes('"spawned"')).length, 0, "no worker was started");
    });
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});

test(`http: a worker that cannot use the socket steward shares says why and exits 1 (${RUNTIME})`, { timeout: 30_000 }, () =>
  withProcesses({ maxProcesses: 1, timeLimitMs: 25_000 }, async (rig) => {
    // Node 20 cannot bind with SO_REUSEPORT and Bun cannot accept on an inherited socket; Deno can do both.
    const env: Record<string, string> | null = RUNTIME === "node"
      ? { STEWARD_REUSE_PORT: "1", STEWARD_HOST: "127.0.0.1", STEWARD_PORT: String(await freePort()) }
      : RUNTIME === "bun"
      ? { STEWARD_LISTEN_FD: "3", STEWARD_HOST: "127.0.0.1", STEWARD_PORT: "1" }
      : null;
    if (env === null) {
      const port = await freePort();
      const worker = await rig.spawn(withEnv({ STEWARD_REUSE_PORT: "1", STEWARD_HOST: "127.0.0.1", STEWARD_PORT: String(port) }));
      const response = await untilServed(port);
      assert.match(response, /^ok \d+\n$/);
      worker.handle.signal("SIGTERM");
      assert.deepEqual(await worker.record.exited(10_000), { code: 0, signal: null });
      return;
    }
    const worker = await rig.spawn(withEnv(env));
    assert.equal((await worker.record.exited(10_000)).code, 1);
    const said = worker.record.out("stderr").join("\n");
    assert.match(said, RUNTIME === "node" ? /has no SO_REUSEPORT.*run the steward master on Node/ : /Bun cannot accept on a socket inherited.*run the steward master on Bun or Deno/);
  }));

/** The worker's command under `env`: an adapter never passes steward's socket variables on itself. */
function withEnv(env: Record<string, string>): string[] {
  return ["env", ...Object.entries(env).map(([name, value]) => `${name}=${value}`), ...WORKER];
}

/** GETs `/` until the server answers (a fresh worker is still binding); fails after 10 s. */
async function untilServed(port: number): Promise<string> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      return await (await fetch(`http://127.0.0.1:${port}/`)).text();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
