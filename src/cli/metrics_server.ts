/**
 * The HTTP endpoint of `steward run --metrics <host:port>`: `GET /healthz`
 * (liveness), `GET /readyz` (readiness) and `GET /metrics` (Prometheus), on
 * `node:http`, which all three runtimes serve.
 *
 * Rules:
 * - The address is checked, then actually bound, before any worker starts:
 *   a bad address or a port in use is one line and exit 2.
 * - A port alone means loopback (`9090` is `127.0.0.1:9090`); a platform
 *   probing from outside the host needs an explicit `0.0.0.0:9090` or
 *   `[::]:9090`. Port 0 takes a free port; the log line says which.
 * - Probes answer JSON; `HEAD` is answered like `GET` without a body; other
 *   methods get 405, other paths 404.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SupervisorStatus } from "../core/status.ts";
import type { Parsed } from "./args.ts";
import { liveness, type ProbeResult, readiness } from "./health.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";

/** Where to listen. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The paths served. */
export const ENDPOINTS = { liveness: "/healthz", readiness: "/readyz", metrics: "/metrics" } as const;

/**
 * Parses `--metrics`: `<port>`, `<host>:<port>` or `[<ipv6>]:<port>`.
 *
 * @param text The flag's value.
 * @returns The address, or a one-line message naming the flag and the value.
 * @example
 * ```ts
 * import { parseListenAddress } from "./metrics_server.ts";
 * console.log(parseListenAddress("9090")); // { ok: true, value: { host: "127.0.0.1", port: 9090 } }
 * ```
 */
export function parseListenAddress(text: string): Parsed<ListenAddress> {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (match === null) {
    return { ok: false, message: `--metrics: expected <port> or <host>:<port> (9090, 0.0.0.0:9090, [::]:9090), got ${JSON.stringify(text)}` };
  }
  const port = Number(match[3]);
  if (port > 65535) return { ok: false, message: `--metrics: expected a port from 0 to 65535, got ${match[3]}` };
  const host = match[1] || match[2] || "127.0.0.1";
  return { ok: true, value: { host, port } };
}

/** What the endpoint reads when asked. */
export interface MetricsServerOptions {
  readonly address: ListenAddress;
  /** The supervisor's status, or null before it exists (probes then answer 503). */
  readonly status: () => SupervisorStatus | null;
  /** The Prometheus exposition. */
  readonly metrics: () => string;
}

/** A bound endpoint. */
export interface MetricsServer {
  /** The bound address (the real port when 0 was asked). */
  readonly address: ListenAddress;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Binds the endpoint.
 *
 * @param options Address and readers.
 * @returns The listening server, or a one-line message (address in use, host unknown, ...).
 * @example
 * ```ts
 * import { startMetricsServer } from "./metrics_server.ts";
 * const started = await startMetricsServer({ address: { host: "127.0.0.1", port: 0 }, status: () => sup.status(), metrics: () => "" });
 * if (started.ok) console.log(started.value.url);
 * ```
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<Parsed<MetricsServer>> {
  const { host, port } = options.address;
  const shown = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  // Resolved first: the runtimes disagree on how listen() reports an unknown host.
  let resolved: string;
  try {
    resolved = (await lookup(host)).address;
  } catch (error) {
    return { ok: false, message: `--metrics: ${bindProblem(error as NodeJS.ErrnoException, shown, host)}` };
  }
  const server = createServer((request, response) => answer(request, response, options));
  return new Promise((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, message: `--metrics: ${bindProblem(error, shown, host)}` }));
    server.listen(port, resolved, () => {
      const bound = { host, port: (server.address() as AddressInfo).port };
      resolve({
        ok: true,
        value: {
          address: bound,
          url: `http://${host.includes(":") ? `[${host}]` : host}:${bound.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        },
      });
    });
  });
}

function bindProblem(error: NodeJS.ErrnoException, shown: string, host: string): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `${shown} is already in use`;
    case "EACCES":
      return `no permission to listen on ${shown} (ports below 1024 need privileges)`;
    case "EADDRNOTAVAIL":
    case "EINVAL": // Deno's word for an address not on this host
      return `${host} is not an address of this host, got ${shown}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host ${JSON.stringify(host)} not found, got ${shown}`;
    default:
      return `cannot listen on ${shown}: ${error.message.split("\n")[0]}`;
  }
}

const NOT_STARTED: SupervisorStatus = { phase: "idle", generation: 0, groups: [], workers: [] };

function answer(request: IncomingMessage, response: ServerResponse, options: MetricsServerOptions): void {
  const path = (request.url ?? "/").split("?")[0];
  const head = request.method === "HEAD";
  const reply = (status: number, type: string, body: string): void => {
    response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    response.end(head ? undefined : body);
  };
  const probe = (result: ProbeResult): void => reply(result.status, "application/json", `${JSON.stringify(result.body)}\n`);
  if (request.method !== "GET" && !head) {
    response.setHeader("allow", "GET, HEAD");
    return reply(405, "text/plain; charset=utf-8", "method not allowed\n");
  }
  switch (path) {
    case ENDPOINTS.liveness:
      return probe(liveness(options.status() ?? NOT_STARTED));
    case ENDPOINTS.readiness:
      return probe(readiness(options.status() ?? NOT_STARTED));
    case ENDPOINTS.metrics:
      return reply(200, METRICS_CONTENT_TYPE, options.metrics());
    default:
      return reply(404, "text/plain; charset=utf-8", `not found; try ${Object.values(ENDPOINTS).join(", ")}\n`);
  }
}
