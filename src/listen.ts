/**
 * `listen()`: serve a `node:http` server on the port steward shares among a
 * group's workers, report ready once accepting, and drain on stop without
 * dropping a request. Exported from `steward/worker`.
 *
 * How the port is found, in order:
 * - `STEWARD_LISTEN_FD`: a socket the master bound and handed down (Node
 *   master); every worker accepts from the same queue.
 * - `STEWARD_REUSE_PORT=1` with `STEWARD_HOST`/`STEWARD_PORT` (Deno or Bun
 *   master): bind with `SO_REUSEPORT` beside the other workers.
 * - Otherwise (not supervised, or no `port` in the group): `options.port`,
 *   else `PORT`, else 8080, on `options.host` (default `127.0.0.1`).
 *
 * On Bun, whose `node:http` ignores `reusePort`, a `node:net` server
 * accepts and hands each connection to the HTTP server.
 *
 * The drain, when the master asks the worker to stop:
 * 1. The listener closes: no new connection reaches this worker.
 * 2. Every response not yet started gets `Connection: close`, so each
 *    keep-alive client is told, in an answer, to reconnect elsewhere.
 * 3. A connection with no request in progress is closed only after it has
 *    been idle for `idleGraceMs`: closing an idle keep-alive socket at once
 *    races with a request the client has just sent on it, which is how
 *    other launchers lose requests on reload.
 * 4. Once no connection is left, the stop handler returns and the worker
 *    exits 0; the master's deadline still bounds the whole drain.
 *
 * @module
 */

import http from "node:http";
import net from "node:net";
import process from "node:process";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";
import { onStop, ready } from "./worker.ts";

/** Options of `listen()`. */
export interface ListenOptions {
  /**
   * Port to bind when steward shares none (not supervised, or the group has no `port`).
   * @default Number(process.env.PORT) or 8080
   */
  readonly port?: number;
  /**
   * Address to bind when steward shares none.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * While draining, how long a connection with no request in progress must
   * stay idle before it is closed.
   * @default 1000
   */
  readonly idleGraceMs?: number;
  /**
   * Report ready to the master once accepting.
   * @default true
   */
  readonly ready?: boolean;
}

/**
 * Serves `target` on the shared port, reports ready, and drains on stop.
 *
 * @param target A `node:http` server that is not listening yet, or a request listener to build one from.
 * @param options Where to bind when steward shares no port, and drain tuning.
 * @returns The HTTP server, accepting connections.
 * @throws {Error} When the address cannot be bound, or the runtime cannot use the socket steward shares.
 *
 * @example One server for every worker of `steward run --port 8080 -w 4`
 * ```ts
 * import { listen } from "steward/worker";
 * await listen((request, response) => response.end(`ok ${process.pid}\n`));
 * ```
 *
 * @example An existing server
 * ```ts
 * import { createServer } from "node:http";
 * import { listen } from "steward/worker";
 * const server = createServer(app);
 * await listen(server, { port: 3000 });
 * ```
 */
export async function listen(target: http.Server | http.RequestListener, options: ListenOptions = {}): Promise<http.Server> {
  const { idleGraceMs = 1000 } = options;
  if (!Number.isFinite(idleGraceMs) || idleGraceMs < 0) {
    throw new RangeError(`listen(): options.idleGraceMs must be a finite number >= 0, received ${idleGraceMs}`);
  }
  const server = typeof target === "function" ? http.createServer(target) : target;
  if (server.listening) throw new Error("listen(): the server is already listening; pass it to listen() instead of calling its own listen()");
  const where = listenOptions(options);
  const drain = new Drain(server, idleGraceMs);
  let listener: net.Server = server;
  if (runtimeName() === "bun") {
    // Bun's node:http ignores `reusePort`; its node:net honours it, so a net server accepts for it.
    listener = net.createServer((socket) => server.emit("connection", socket));
  }
  listener.on("connection", (socket: net.Socket) => drain.adopt(socket));
  await bind(listener, where);
  const bound = listener.address();
  const shared = process.env.STEWARD_PORT;
  if (shared !== undefined && typeof bound === "object" && bound !== null && String(bound.port) !== shared) {
    listener.close();
    // Linux lets listen() on an inherited socket whose port was taken meanwhile fall back to a random port.
    throw new Error(`listen(): the socket steward shares came up on port ${bound.port}, not ${shared}: is another process listening on ${shared}?`);
  }
  // net.Server's own close: http.Server's would also close idle keep-alive connections at once, the race the drain avoids.
  onStop(() => drain.run(() => new Promise<void>((resolve) => net.Server.prototype.close.call(listener, () => resolve()))));
  if (options.ready !== false) ready();
  return server;
}

type Runtime = "node" | "deno" | "bun";

function runtimeName(): Runtime {
  const globals = globalThis as { Deno?: unknown; Bun?: unknown };
  return globals.Bun !== undefined ? "bun" : globals.Deno !== undefined ? "deno" : "node";
}

/** Where the front server listens: an inherited descriptor or an address. */
type Where = { readonly fd: number } | { readonly host: string; readonly port: number; readonly reusePort?: boolean };

/** `reusePort` came with Node 22.12 and 23.1. */
function nodeHasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

function listenOptions(options: ListenOptions): Where {
  const env = process.env;
  const runtime = runtimeName();
  if (env.STEWARD_LISTEN_FD !== undefined) {
    if (runtime === "bun") {
      throw new Error(
        "listen(): Bun cannot accept on a socket inherited from its master (oven-sh/bun#22559); run the steward master on Bun or Deno, which share the port with SO_REUSEPORT",
      );
    }
    return { fd: Number(env.STEWARD_LISTEN_FD) };
  }
  if (env.STEWARD_REUSE_PORT === "1") {
    if (runtime === "node" && !nodeHasReusePort()) {
      throw new Error(
        `listen(): Node ${process.versions.node} has no SO_REUSEPORT, so it cannot share a port with a Deno or Bun master; run the steward master on Node, which hands its workers the socket`,
      );
    }
    return { host: env.STEWARD_HOST ?? "127.0.0.1", port: Number(env.STEWARD_PORT), reusePort: true };
  }
  const port = options.port ?? (env.PORT === undefined || env.PORT === "" ? 8080 : Number(env.PORT));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`listen(): port must be an integer from 0 to 65535, received ${port}`);
  return { host: options.host ?? "127.0.0.1", port };
}

function bind(listener: net.Server, where: Where): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => reject(new Error(`listen(): cannot listen on ${describe(where)}: ${error.message}`, { cause: error }));
    listener.once("error", failed);
    listener.listen(where as net.ListenOptions, () => {
      listener.off("error", failed);
      resolve();
    });
  });
}

function describe(where: Where): string {
  return "fd" in where ? `the socket steward shares (fd ${where.fd})` : `${where.host}:${where.port}`;
}

/** One connection's state during a drain. */
interface Connection {
  /** Requests in progress on it. */
  active: number;
  /** When it last went idle (`performance.now()`). */
  idleSince: number;
}

/** Tracks every connection and request so a stop closes none with a request in it. */
class Drain {
  readonly #server: http.Server;
  readonly #idleGraceMs: number;
  readonly #connections = new Map<net.Socket, Connection>();
  /** Responses in progress; those whose headers are not out yet get `Connection: close` when the drain starts. */
  readonly #pending = new Set<http.ServerResponse>();
  #draining = false;
  #finished: (() => void) | null = null;

  constructor(server: http.Server, idleGraceMs: number) {
    this.#server = server;
    this.#idleGraceMs = idleGraceMs;
    // Before the application's own listener, so `Connection: close` is set before it answers.
    server.prependListener("request", (request, response) => this.#track(request, response));
  }

  adopt(socket: net.Socket): void {
    this.#connections.set(socket, { active: 0, idleSince: performance.now() });
    socket.once("close", () => {
      this.#connections.delete(socket);
      this.#sweep();
    });
  }

  /** Stops accepting at once, then resolves once every connection has closed. */
  run(closeListener: () => Promise<void>): Promise<void> {
    this.#draining = true;
    for (const response of this.#pending) closeAfter(response);
    const listenerClosed = closeListener();
    return new Promise<void>((resolve) => {
      const sweep = setInterval(() => this.#sweep(), Math.max(10, this.#idleGraceMs / 4));
      this.#finished = () => {
        clearInterval(sweep);
        void listenerClosed.then(resolve);
      };
      this.#sweep();
    });
  }

  #track(request: http.IncomingMessage, response: http.ServerResponse): void {
    const connection = this.#connections.get(request.socket as net.Socket);
    if (connection !== undefined) connection.active += 1;
    if (this.#draining) closeAfter(response);
    else this.#pending.add(response);
    let done = false;
    const finished = (): void => {
      if (done) return;
      done = true;
      this.#pending.delete(response);
      if (connection !== undefined) {
        connection.active -= 1;
        connection.idleSince = performance.now();
      }
    };
    response.once("finish", finished);
    response.once("close", finished);
  }

  /** Ends the connections idle past the grace period; finishes once none is left. */
  #sweep(): void {
    if (this.#finished === null) return;
    const now = performance.now();
    for (const [socket, connection] of this.#connections) {
      if (connection.active === 0 && now - connection.idleSince >= this.#idleGraceMs) socket.end();
    }
    if (this.#connections.size > 0) return;
    const finished = this.#finished;
    this.#finished = null;
    finished();
  }
}

function closeAfter(response: http.ServerResponse): void {
  if (!response.headersSent) response.setHeader("connection", "close");
}
