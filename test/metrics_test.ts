/**
 * The `--metrics` endpoint: the Prometheus exposition (parsed with
 * parse-prometheus-text-format, never matched by regex), the health and
 * readiness rules on a virtual-time supervisor, the HTTP server, and
 * `steward run --metrics` end to end, bad values included.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { test } from "node:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { createAdapter, type ScriptFor } from "../adapters/memory.ts";
import { liveness, readiness } from "../src/cli/health.ts";
import { MetricsRecorder, RESTART_REASONS } from "../src/cli/metrics.ts";
import { ENDPOINTS, parseListenAddress, startMetricsServer } from "../src/cli/metrics_server.ts";
import type { SupervisorStatus } from "../src/core/status.ts";
import { createSupervisor, type Supervisor } from "../src/supervisor.ts";
import { type Master, startMaster, STEWARD } from "./_cli.ts";
import { command, fixture, RUNTIME, withProcesses } from "./_harness.ts";

/** A supervisor on virtual time, its metrics fed from `onRecord`; `tick` advances in steps of `stepMs`. */
function virtual(config: unknown, script?: ScriptFor, stepMs = 1): { sup: Supervisor; metrics: MetricsRecorder; tick: (ms: number, each?: () => void) => Promise<void> } {
  const adapter = createAdapter(script === undefined ? {} : { script });
  const metrics = new MetricsRecorder();
  const sup = createSupervisor(config, { adapter, onRecord: (record) => metrics.record(record), onOutput: () => {} });
  const tick = async (ms: number, each?: () => void): Promise<void> => {
    for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
      adapter.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 0));
      each?.();
    }
  };
  return { sup, metrics, tick };
}

type Families = Map<string, { type: string; help: string; samples: { value: number; labels: Record<string, string> }[] }>;

/** The exposition as families by name, checked against Prometheus's naming rules on the way. */
function parse(text: string): Families {
  const families: Families = new Map();
  for (const family of parsePrometheusTextFormat(text)) {
    assert.match(family.name, /^steward_[a-z_]+$/, `metric name ${family.name}`);
    assert.ok(family.help.length > 0, `${family.name} has a HELP line`);
    if (family.type === "COUNTER") assert.ok(family.name.endsWith("_total"), `counter ${family.name} ends in _total`);
    else assert.ok(!family.name.endsWith("_total"), `${family.type} ${family.name} does not end in _total`);
    const samples = family.metrics.map((metric) => {
      for (const label of Object.keys(metric.labels ?? {})) assert.match(label, /^[a-z][a-z_]*$/, `label ${label} of ${family.name}`);
      return { value: Number(metric.value), labels: { ...metric.labels } };
    });
    families.set(family.name, { type: family.type, help: family.help, samples });
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`. */
function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  assert.ok(family !== undefined, `no metric ${name}`);
  const hits = family.samples.filter((s) => Object.entries(labels).every(([key, text]) => s.labels[key] === text));
  assert.equal(hits.length, 1, `${name}${JSON.stringify(labels)}: ${JSON.stringify(family.samples)}`);
  return hits[0]!.value;
}

const render = (metrics: MetricsRecorder, sup: Supervisor): Families => parse(metrics.render({ status: sup.status(), uptimeSeconds: 1.5, version: "9.9.9", runtime: "memory" }));

test("MetricsRecorder counts restarts by group and reason (crash, hang, boot_timeout), reloads and last exit codes", async () => {
  const first = new Set<string>();
  // The first worker of each group misbehaves in its own way; its replacement behaves.
  const script: ScriptFor = (spec) => {
    if (first.has(spec.group)) return {};
    first.add(spec.group);
    if (spec.group === "crashy") return { exitAfterMs: 100, exitCode: 3 };
    if (spec.group === "hung") return { hangAfterMs: 100 };
    return { neverReady: true };
  };
  const { sup, metrics, tick } = virtual({
    groups: [
      { name: "crashy", command: ["app"], count: 1, ready: "ipc" },
      { name: "hung", command: ["app"], count: 1, ready: "ipc", heartbeatTimeoutMs: 200 },
      { name: "slow", command: ["app"], count: 1, ready: "ipc", readyTimeoutMs: 300 },
    ],
  }, script, 10);
  await tick(1_000);
  let families = render(metrics, sup);
  const expected: Record<string, string> = { crashy: "crash", hung: "hang", slow: "boot_timeout" };
  for (const [group, reason] of Object.entries(expected)) {
    for (const other of RESTART_REASONS) assert.equal(value(families, "steward_restarts_total", { group, reason: other }), other === reason ? 1 : 0, `${group} ${other}`);
    assert.equal(value(families, "steward_workers", { group, phase: "ready" }), 1);
    assert.equal(value(families, "steward_workers", { group, phase: "starting" }), 0);
    assert.equal(value(families, "steward_generation", { group }), 1);
  }
  assert.equal(families.get("steward_restarts_total")!.type, "COUNTER");
  assert.equal(value(families, "steward_last_exit_code", { group: "crashy" }), 3);
  assert.equal(value(families, "steward_last_exit_code", { group: "hung" }), 137, "SIGKILL is 128 + 9");
  assert.equal(value(families, "steward_reloads_total"), 0);
  assert.equal(value(families, "steward_supervisor_phase", { phase: "running" }), 1);
  assert.equal(value(families, "steward_supervisor_phase", { phase: "failed" }), 0);
  assert.equal(value(families, "steward_uptime_seconds"), 1.5);
  assert.equal(value(families, "steward_build_info", { version: "9.9.9", runtime: "memory" }), 1);

  const reloaded = sup.reload();
  await tick(1_000);
  await reloaded;
  families = render(metrics, sup);
  assert.equal(value(families, "steward_reloads_total"), 1);
  for (const group of Object.keys(expected)) assert.equal(value(families, "steward_generation", { group }), 2);
  assert.equal(value(families, "steward_restarts_total", { group: "crashy", reason: "crash" }), 1, "a reload is no restart");
  const stopped = sup.stop();
  await tick(100);
  assert.equal((await stopped).code, 0);
});

test("readiness() stays 200 through a rolling reload (ready workers of any generation count) and names a short group", async () => {
  const { sup, tick } = virtual({ groups: [{ name: "web", command: ["app"], count: 3, ready: "ipc" }, { name: "jobs", command: ["app"], count: 1, ready: "ipc" }] });
  assert.equal(readiness(sup.status()).status, 503);
  assert.deepEqual(readiness(sup.status()).body, {
    ready: false,
    phase: "running",
    short: [{ group: "web", ready: 0, desired: 3 }, { group: "jobs", ready: 0, desired: 1 }],
  });
  await tick(100);
  assert.deepEqual(readiness(sup.status()), { status: 200, body: { ready: true, phase: "running" } });
  const reloaded = sup.reload();
  let finished = false;
  void reloaded.then(() => (finished = true));
  const seen = new Set<number>();
  await tick(600, () => {
    if (finished) return;
    seen.add(readiness(sup.status()).status);
  });
  assert.ok(finished, "the reload finished");
  assert.deepEqual([...seen], [200], "ready at every millisecond of the reload");
  const stopping = sup.stop();
  assert.equal(readiness(sup.status()).status, 503, "not ready once stopping: the platform stops sending traffic");
  assert.equal(liveness(sup.status()).status, 200, "still live while draining");
  await tick(100);
  await stopping;
  assert.equal(liveness(sup.status()).status, 503);
});

test("liveness() is 503 once the supervisor gave up", async () => {
  const { sup, tick } = virtual({ groups: [{ name: "web", command: ["app"], count: 1, ready: "ipc" }], maxRestarts: 0 }, () => ({ exitAfterMs: 100 }));
  await tick(80);
  assert.deepEqual(liveness(sup.status()), { status: 200, body: { live: true, phase: "running" } });
  await tick(200);
  assert.deepEqual(liveness(sup.status()), { status: 503, body: { live: false, phase: sup.status().phase } });
  assert.ok(["failed", "stopped"].includes(sup.status().phase));
  assert.equal((await sup.done).code, 1);
});

test("parseListenAddress() takes a port (loopback), host:port and [v6]:port, and names the flag and value otherwise", () => {
  assert.deepEqual(parseListenAddress("9090"), { ok: true, value: { host: "127.0.0.1", port: 9090 } });
  assert.deepEqual(parseListenAddress("0.0.0.0:9090"), { ok: true, value: { host: "0.0.0.0", port: 9090 } });
  assert.deepEqual(parseListenAddress("[::]:0"), { ok: true, value: { host: "::", port: 0 } });
  assert.deepEqual(parseListenAddress("metrics.local:80"), { ok: true, value: { host: "metrics.local", port: 80 } });
  for (const bad of ["", "nope", ":9090", "host:", "1.2.3.4:9090:1", "::1:9090", "host:-1", "9090x"]) {
    assert.deepEqual(parseListenAddress(bad), { ok: false, message: `--metrics: expected <port> or <host>:<port> (9090, 0.0.0.0:9090, [::]:9090), got ${JSON.stringify(bad)}` });
  }
  assert.deepEqual(parseListenAddress("localhost:65536"), { ok: false, message: "--metrics: expected a port from 0 to 65535, got 65536" });
});

test("startMetricsServer() serves /healthz, /readyz and /metrics, 404 and 405 otherwise, and refuses a port in use", async () => {
  let status: SupervisorStatus | null = null;
  const started = await startMetricsServer({ address: { host: "127.0.0.1", port: 0 }, status: () => status, metrics: () => "# HELP steward_x x\n# TYPE steward_x gauge\nsteward_x 1\n" });
  assert.ok(started.ok, started.ok ? "" : started.message);
  const server = started.value;
  try {
    const get = async (path: string, method = "GET"): Promise<{ status: number; type: string | null; body: string }> => {
      const response = await fetch(`${server.url}${path}`, { method });
      return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
    };
    assert.deepEqual(await get(ENDPOINTS.readiness), { status: 503, type: "application/json", body: '{"ready":false,"phase":"idle","short":[]}\n' }, "503 before the supervisor exists");
    status = { phase: "running", generation: 1, workers: [], groups: [{ name: "web", desired: 2, ready: 2, starting: 0, stopping: 0, generation: 1 }] };
    assert.deepEqual(await get(ENDPOINTS.liveness), { status: 200, type: "application/json", body: '{"live":true,"phase":"running"}\n' });
    assert.deepEqual(await get(ENDPOINTS.readiness), { status: 200, type: "application/json", body: '{"ready":true,"phase":"running"}\n' });
    const metrics = await get(`${ENDPOINTS.metrics}?name=x`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(value(parse(metrics.body), "steward_x"), 1);
    assert.deepEqual(await get(ENDPOINTS.readiness, "HEAD"), { status: 200, type: "application/json", body: "" });
    assert.equal((await get("/")).status, 404);
    assert.equal((await get(ENDPOINTS.metrics, "POST")).status, 405);

    const again = await startMetricsServer({ address: server.address, status: () => null, metrics: () => "" });
    assert.deepEqual(again, { ok: false, message: `--metrics: 127.0.0.1:${server.address.port} is already in use` });
  } finally {
    await server.close();
  }
});

/** GETs a path of a master's metrics endpoint. */
async function scrape(master: Master, path: string): Promise<{ status: number; body: string }> {
  const announced = await master.until("the metrics address", (e) => e.type === "metrics");
  const response = await fetch(`${announced.url as string}${path}`);
  return { status: response.status, body: await response.text() };
}

const IPC_WORKER = command(RUNTIME, fixture("ipc_worker"));

test(`${RUNTIME} cli: run --metrics serves health, readiness and metrics that follow a crash and a reload`, async () => {
  await withProcesses({ maxProcesses: 10, timeLimitMs: 60_000 }, async (rig) => {
    const master = await startMaster(rig, ["--metrics", "127.0.0.1:0", "-w", "2", "--ready", "ipc", "--kill-timeout", "3000", "--", ...IPC_WORKER]);
    const first = await master.count("2 ready workers", 2, (e) => e.type === "ready");
    assert.deepEqual(await scrape(master, "/healthz"), { status: 200, body: '{"live":true,"phase":"running"}\n' });
    assert.deepEqual(await scrape(master, "/readyz"), { status: 200, body: '{"ready":true,"phase":"running"}\n' });
    let families = parse((await scrape(master, "/metrics")).body);
    assert.equal(value(families, "steward_workers", { group: "app", phase: "ready" }), 2);
    assert.equal(value(families, "steward_restarts_total", { group: "app", reason: "crash" }), 0);
    assert.equal(value(families, "steward_build_info", { runtime: RUNTIME }), 1);

    let mark = master.entries.length;
    process.kill(first[0]!.pid as number, "SIGKILL");
    await master.until("the replacement ready", (e) => e.type === "ready" && e.slot === first[0]!.slot, mark);
    families = parse((await scrape(master, "/metrics")).body);
    assert.equal(value(families, "steward_restarts_total", { group: "app", reason: "crash" }), 1);
    assert.equal(value(families, "steward_restarts_total", { group: "app", reason: "hang" }), 0);
    assert.equal(value(families, "steward_last_exit_code", { group: "app" }), 137);

    mark = master.entries.length;
    process.kill(master.pid, "SIGHUP");
    await master.until("the reload to finish", (e) => e.type === "rolloutFinished", mark, 20_000);
    families = parse((await scrape(master, "/metrics")).body);
    assert.equal(value(families, "steward_reloads_total"), 1);
    assert.equal(value(families, "steward_generation", { group: "app" }), 2);
    assert.ok(value(families, "steward_uptime_seconds") > 0);

    process.kill(master.pid, "SIGTERM");
    assert.deepEqual(await master.exited(), { code: 0, signal: null }, master.stderr().join("\n"));
  });
});

test(`${RUNTIME} cli: /readyz is 503 naming the group that is short while /healthz stays 200`, async () => {
  await withProcesses({ maxProcesses: 4, timeLimitMs: 30_000 }, async (rig) => {
    // A plain sleeper never says ready over IPC: the group stays short.
    const master = await startMaster(rig, ["--metrics", "0", "-w", "1", "--name", "web", "--ready", "ipc", "--kill-timeout", "500", "--", ...command(RUNTIME, fixture("plain_sleeper"))]);
    assert.deepEqual(await scrape(master, "/readyz"), { status: 503, body: '{"ready":false,"phase":"running","short":[{"group":"web","ready":0,"desired":1}]}\n' });
    assert.equal((await scrape(master, "/healthz")).status, 200);
    process.kill(master.pid, "SIGTERM");
    assert.equal((await master.exited()).code, 0, master.stderr().join("\n"));
  });
});

test(`${RUNTIME} cli: a bad --metrics or a port in use is one line and exit 2, before any worker starts`, async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const taken = (blocker.address() as AddressInfo).port;
  const cases: [string, string][] = [
    [`127.0.0.1:${taken}`, `steward run: --metrics: 127.0.0.1:${taken} is already in use`],
    [String(taken), `steward run: --metrics: 127.0.0.1:${taken} is already in use`],
    ["nope", 'steward run: --metrics: expected <port> or <host>:<port> (9090, 0.0.0.0:9090, [::]:9090), got "nope"'],
    ["127.0.0.1:70000", "steward run: --metrics: expected a port from 0 to 65535, got 70000"],
    ["no-such-host.invalid:9090", 'steward run: --metrics: host "no-such-host.invalid" not found, got no-such-host.invalid:9090'],
  ];
  try {
    await withProcesses({ maxProcesses: cases.length, timeLimitMs: 30_000 }, async (rig) => {
      await Promise.all(cases.map(async ([flag, message]) => {
        const started = await rig.spawn([...STEWARD, "run", "--log-format", "json", "--metrics", flag, "--", ...IPC_WORKER]);
        assert.deepEqual(await started.record.exited(20_000), { code: 2, signal: null }, flag);
        assert.deepEqual(started.record.out("stderr"), [message]);
        assert.deepEqual(started.record.out(), [], `${flag}: nothing logged, no worker spawned`);
      }));
    });
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
