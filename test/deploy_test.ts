/**
 * The recipes in `deploy/` against steward itself: the systemd unit's
 * shape, and the Kubernetes manifests (parsed with the `yaml` package)
 * whose probes must name endpoints the metrics server really serves, on the
 * port `--metrics` really binds, with timeouts that let steward drain.
 * Their `steward run` arguments go through the CLI's own parser.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { parseRunArgs, type RunArgs } from "../src/cli/args.ts";
import { ENDPOINTS, parseListenAddress, startMetricsServer } from "../src/cli/metrics_server.ts";
import { ROOT } from "./_harness.ts";

/** `key=value` lines by section, as systemd reads a unit (comments and blank lines skipped). */
function parseUnit(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(pair !== null && current !== null, `steward.service line ${index + 1} is neither a section nor key=value: ${raw}`);
    assert.ok(!current.has(pair[1]!), `steward.service sets ${pair[1]} twice`);
    current.set(pair[1]!, pair[2]!);
  }
  return sections;
}

/** The flags of a `steward run` command line, through the CLI's own parser. */
function runArgs(argv: readonly string[], where: string): RunArgs {
  const at = argv.indexOf("run");
  assert.ok(at >= 0 && argv.slice(0, at).some((word) => word.endsWith("steward")), `${where} runs steward run: ${argv.join(" ")}`);
  const parsed = parseRunArgs(argv.slice(at + 1));
  assert.ok(parsed.ok, `${where}: ${parsed.ok ? "" : parsed.message}`);
  return parsed.value;
}

test("deploy/systemd/steward.service is a Type=notify unit that reloads with HUP, stops with KillMode=mixed and outlasts steward's kill timeout", () => {
  const unit = parseUnit(readFileSync(`${ROOT}/deploy/systemd/steward.service`, "utf8"));
  assert.deepEqual([...unit.keys()], ["Unit", "Service", "Install"]);
  const service = unit.get("Service")!;
  assert.equal(service.get("Type"), "notify");
  assert.equal(service.get("KillMode"), "mixed");
  assert.equal(service.get("ExecReload"), "/bin/kill -HUP $MAINPID");
  assert.equal(service.get("NotifyAccess"), "all", "Node notifies through systemd-notify, a child process");
  assert.equal(service.get("Restart"), "on-failure");
  assert.equal(unit.get("Install")!.get("WantedBy"), "multi-user.target");

  const args = runArgs(service.get("ExecStart")!.split(/\s+/), "ExecStart");
  assert.ok(args.metrics !== null, "ExecStart serves --metrics");
  assert.ok(parseListenAddress(args.metrics).ok, `--metrics ${args.metrics}`);
  const killTimeoutMs = args.group.killTimeoutMs as number;
  assert.equal(typeof killTimeoutMs, "number", "ExecStart sets --kill-timeout");
  assert.ok(Number(service.get("TimeoutStopSec")) * 1000 > killTimeoutMs, "systemd's stop deadline comes after steward's");
  const watchdogSec = Number(service.get("WatchdogSec"));
  assert.ok(Number.isInteger(watchdogSec) && watchdogSec > 0, "a watchdog");
  assert.ok(args.socketPath?.startsWith(`/run/${service.get("RuntimeDirectory")}/`), "the control socket lives in the unit's RuntimeDirectory");
});

interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string | number };
}

interface Container {
  readonly command: string[];
  readonly args: string[];
  readonly ports: { readonly name: string; readonly containerPort: number }[];
  readonly startupProbe: Probe;
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
  readonly lifecycle: { readonly preStop: { readonly exec: { readonly command: string[] } } };
}

/** The fields of the manifests this test reads; anything missing fails as a TypeError naming it. */
interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly spec: {
    readonly selector: Record<string, string> & { readonly matchLabels: Record<string, string> };
    readonly strategy: { readonly rollingUpdate: { readonly maxUnavailable: number } };
    readonly ports: { readonly name: string; readonly targetPort: string | number }[];
    readonly template: {
      readonly metadata: { readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
      readonly spec: { readonly terminationGracePeriodSeconds: number; readonly containers: Container[] };
    };
  };
}

function manifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(`${ROOT}/deploy/kubernetes/${file}`, "utf8")).map((document) => {
    assert.deepEqual(document.errors, [], `${file} parses as YAML`);
    return document.toJS() as Manifest;
  });
}

test("deploy/kubernetes: the probes name /healthz and /readyz on the port --metrics binds, the drain outlasts steward's, the Service finds the pods", async () => {
  const [deployment] = manifests("deployment.yaml");
  const [service] = manifests("service.yaml");
  assert.equal(deployment!.kind, "Deployment");
  assert.equal(deployment!.apiVersion, "apps/v1");
  assert.equal(service!.kind, "Service");
  const pod = deployment!.spec.template;
  const labels = pod.metadata.labels;
  for (const [key, value] of Object.entries(deployment!.spec.selector.matchLabels)) assert.equal(labels[key], value, `selector ${key}`);
  for (const [key, value] of Object.entries(service!.spec.selector)) assert.equal(labels[key], value, `Service selector ${key}`);
  assert.equal(deployment!.spec.strategy.rollingUpdate.maxUnavailable, 0);

  assert.equal(pod.spec.containers.length, 1);
  const container = pod.spec.containers[0]!;
  const args = runArgs([...container.command, ...container.args], "the container");
  const address = parseListenAddress(args.metrics ?? "");
  assert.ok(address.ok, `--metrics ${args.metrics}`);
  assert.equal(address.value.host, "0.0.0.0", "the kubelet probes the pod IP, not loopback");
  const ports = new Map(container.ports.map((port) => [port.name, port.containerPort]));
  const portOf = (port: string | number): number => (typeof port === "number" ? port : ports.get(port) ?? NaN);
  assert.equal(ports.get("http"), args.group.port, "the http container port is the workers' shared --port");
  assert.equal(args.group.host, "0.0.0.0", "the shared port listens on the pod IP");

  const probes = { startupProbe: ENDPOINTS.liveness, livenessProbe: ENDPOINTS.liveness, readinessProbe: ENDPOINTS.readiness } as const;
  for (const [probe, path] of Object.entries(probes) as [keyof typeof probes, string][]) {
    assert.equal(container[probe].httpGet.path, path, `${probe} path`);
    assert.equal(portOf(container[probe].httpGet.port), address.value.port, `${probe} port is the --metrics port`);
  }
  const annotations = pod.metadata.annotations;
  assert.equal(Number(annotations["prometheus.io/port"]), address.value.port);
  assert.equal(annotations["prometheus.io/path"], ENDPOINTS.metrics);
  for (const port of service!.spec.ports) {
    assert.ok(!Number.isNaN(portOf(port.targetPort)), `Service port ${port.name} targets a container port`);
  }
  assert.equal(portOf(service!.spec.ports.find((port) => port.name === "metrics")!.targetPort), address.value.port);

  const preStop = container.lifecycle.preStop.exec.command;
  assert.equal(preStop[0], "sleep");
  const drainSeconds = Number(preStop[1]) + (args.group.killTimeoutMs as number) / 1000;
  assert.ok(pod.spec.terminationGracePeriodSeconds > drainSeconds, `grace ${pod.spec.terminationGracePeriodSeconds} s > preStop + --kill-timeout = ${drainSeconds} s`);

  // The probe paths against the real server: answered, never 404.
  const started = await startMetricsServer({
    address: { host: "127.0.0.1", port: 0 },
    status: () => ({ phase: "running", generation: 1, workers: [], groups: [{ name: "app", desired: 2, ready: 2, starting: 0, stopping: 0, generation: 1 }] }),
    metrics: () => "",
  });
  assert.ok(started.ok);
  try {
    for (const path of [...Object.values(probes), annotations["prometheus.io/path"]!]) {
      const response = await fetch(`${started.value.url}${path}`);
      await response.text();
      assert.equal(response.status, 200, `${path} is served`);
    }
  } finally {
    await started.value.close();
  }
});

test("README's Running in production section links every recipe in deploy/", () => {
  const readme = readFileSync(`${ROOT}/README.md`, "utf8");
  const section = /\n## Running in production\n([\s\S]*?)(?=\n## )/.exec(readme);
  assert.ok(section !== null, "README.md has a ## Running in production section");
  const links = [...section[1]!.matchAll(/\]\((deploy\/[^)]*)\)/g)].map((match) => match[1]!);
  for (const path of ["deploy/", "deploy/systemd/", "deploy/kubernetes/"]) assert.ok(links.includes(path), `links ${path}`);
  for (const link of links) assert.ok(existsSync(`${ROOT}/${link}`), `${link} exists`);
  assert.match(readme, /--metrics/);
});
