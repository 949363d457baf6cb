/**
 * The control socket of a master: JSON lines over a Unix socket, or a named
 * pipe on Windows.
 *
 * Protocol, version 1. Each request is one line holding a JSON object
 * `{ v: 1, cmd, ... }`; each gets exactly one reply line `{ v: 1, ok, ... }`,
 * in order:
 *
 * | request                                      | reply on success                    |
 * | -------------------------------------------- | ----------------------------------- |
 * | `{ v: 1, cmd: "status" }`                    | `{ v: 1, ok: true, pid, status }`   |
 * | `{ v: 1, cmd: "reload" }`                    | `{ v: 1, ok: true }` once rolled out |
 * | `{ v: 1, cmd: "scale", group, count }`       | `{ v: 1, ok: true }` once settled   |
 * | `{ v: 1, cmd: "restart", target? }`          | `{ v: 1, ok: true }` once rolled out |
 * | `{ v: 1, cmd: "stop", graceful? }`           | `{ v: 1, ok: true }`, then it stops |
 *
 * A request that fails gets `{ v: 1, ok: false, error }` (one line) and the
 * connection stays open. A client that ends its side still gets every reply,
 * then the master closes the connection. A line that is not a request (malformed JSON, no
 * `v: 1`, an unknown `cmd`, more than 64 KiB) gets the error reply and the
 * connection is closed; the master is never affected.
 *
 * On Unix the socket is made mode 0600 right after it is bound, inside a
 * 0700 directory (see `socket_path.ts`), and removed when the server closes.
 * On Windows a named pipe has no mode (its default DACL lets only its
 * creator, LocalSystem and Administrators write to it) and vanishes with
 * the last handle to it, so there is nothing to set or remove.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { chmodSync, existsSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import process from "node:process";

/**
 * The control protocol version, the `v` of every request and reply.
 *
 * @example
 * ```ts
 * import { CONTROL_VERSION } from "./control.ts";
 * socket.write(`${JSON.stringify({ v: CONTROL_VERSION, cmd: "status" })}\n`);
 * ```
 */
export const CONTROL_VERSION = 1;
/**
 * Longest request line accepted, in bytes (without its newline).
 *
 * @example
 * ```ts
 * import { MAX_REQUEST_BYTES } from "./control.ts";
 * if (line.length > MAX_REQUEST_BYTES) throw new RangeError("request too long");
 * ```
 */
export const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * Most connections served at once.
 *
 * @example
 * ```ts
 * import { MAX_CONNECTIONS } from "./control.ts";
 * console.log(MAX_CONNECTIONS); // 64
 * ```
 */
export const MAX_CONNECTIONS = 64;

/** What the master does for each command. */
export interface ControlHandlers {
  status(): Readonly<Record<string, unknown>>;
  reload(): Promise<void>;
  scale(group: string, count: number): Promise<void>;
  restart(target: string | undefined): Promise<void>;
  stop(graceful: boolean): void;
}

/** One reply line. */
export type ControlReply =
  | ({ readonly v: 1; readonly ok: true } & Readonly<Record<string, unknown>>)
  | { readonly v: 1; readonly ok: false; readonly error: string };

/** A listening control server. */
export interface ControlServer {
  readonly path: string;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

interface Answer {
  readonly reply: ControlReply;
  /** Close the connection after the reply: the line was not a valid request. */
  readonly close: boolean;
  /** Runs after the reply was written (a stop must not race its own reply). */
  readonly after?: () => void;
}

/**
 * Answers one request line.
 *
 * @param line The line, without its newline.
 * @param handlers What the master does.
 * @returns The reply, and whether the connection must close.
 *
 * @example
 * ```ts
 * import { answer } from "./control.ts";
 * const { reply } = await answer("not json", handlers);
 * console.log(reply); // { v: 1, ok: false, error: "malformed request: not JSON" }
 * ```
 */
export async function answer(line: string, handlers: ControlHandlers): Promise<Answer> {
  const refuse = (error: string): Answer => ({ reply: { v: 1, ok: false, error }, close: true });
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return refuse("malformed request: not JSON");
  }
  if (typeof request !== "object" || request === null || Array.isArray(request)) return refuse("malformed request: expected a JSON object");
  const { v, cmd } = request as { v?: unknown; cmd?: unknown };
  if (v !== CONTROL_VERSION) return refuse(`unsupported protocol version ${JSON.stringify(v) ?? "(none)"}; expected v: 1`);
  const failed = (error: unknown): Answer => ({ reply: { v: 1, ok: false, error: error instanceof Error ? error.message : String(error) }, close: false });
  const done: Answer = { reply: { v: 1, ok: true }, close: false };
  const body = request as Record<string, unknown>;
  switch (cmd) {
    case "status":
      return { reply: { v: 1, ok: true, ...handlers.status() }, close: false };
    case "reload":
      return handlers.reload().then(() => done, failed);
    case "scale": {
      if (typeof body.group !== "string") return failed("scale: group: expected a string");
      if (!Number.isInteger(body.count) || (body.count as number) < 1) return failed(`scale: count: expected an integer from 1, got ${JSON.stringify(body.count)}`);
      return handlers.scale(body.group, body.count as number).then(() => done, failed);
    }
    case "restart": {
      if (body.target !== undefined && typeof body.target !== "string") return failed("restart: target: expected a string like \"web\" or \"web.2\"");
      return handlers.restart(body.target as string | undefined).then(() => done, failed);
    }
    case "stop":
      return { ...done, after: () => handlers.stop(body.graceful !== false) };
    default:
      return refuse(`unknown command ${JSON.stringify(cmd) ?? "(none)"}; expected status, reload, scale, restart or stop`);
  }
}

/**
 * Listens on a Unix socket (mode 0600), or a named pipe on Windows. A stale
 * socket file at the path is replaced; one another master still answers on
 * is an error. On Windows a pipe name in use is an error (libuv creates the
 * first instance with `FILE_FLAG_FIRST_PIPE_INSTANCE`, so a pipe of that
 * name made by anyone else makes the bind fail instead of joining it).
 *
 * @param path The socket path (its directory must already exist, see
 * `prepareSocketDir`), or on Windows a pipe path `\\.\pipe\<name>`.
 * @param handlers What the master does for each command.
 * @returns The listening server.
 * @throws {Error} One line when the path is in use or cannot be bound.
 *
 * @example
 * ```ts
 * import { startControlServer } from "./control.ts";
 * const server = await startControlServer("/tmp/steward-1000/1234.sock", handlers);
 * await server.close();
 * ```
 */
export async function startControlServer(path: string, handlers: ControlHandlers): Promise<ControlServer> {
  // Never stat a pipe: opening one to look at it connects to its server.
  const pipe = process.platform === "win32";
  if (!pipe && existsSync(path)) {
    if (await answers(path)) throw new Error(`${path}: another steward master is listening there; pass another --socket`);
    rmSync(path, { force: true });
  }
  const sockets = new Set<Socket>();
  // Half-open: a client may send its requests and end its side, then still read every reply.
  const server = createServer({ allowHalfOpen: true }, (socket) => serve(socket, handlers, sockets));
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: Error & { code?: string }) => {
      const why = pipe && error.code === "EADDRINUSE" ? "the pipe exists (another steward master, or another program); pass another --socket" : error.message;
      reject(new Error(`${path}: cannot listen: ${why}`, { cause: error }));
    });
    server.listen(path, () => resolve());
  });
  server.on("error", () => undefined);
  if (!pipe) chmodSync(path, 0o600);
  let closing: Promise<void> | null = null;
  return {
    path,
    close(): Promise<void> {
      closing ??= closeServer(server, sockets, pipe ? null : path);
      return closing;
    },
  };
}

/** Closes the server and its connections, then removes `file` (`null` for a pipe, which needs no removal). */
async function closeServer(server: Server, sockets: Set<Socket>, file: string | null): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
  if (file !== null) rmSync(file, { force: true });
}

function serve(socket: Socket, handlers: ControlHandlers, sockets: Set<Socket>): void {
  sockets.add(socket);
  let buffered = Buffer.alloc(0);
  /** Set by the reply that closes the connection: later queued lines get nothing. */
  let closing = false;
  /** Cleared once a line was refused for its length: nothing more is read. */
  let reading = true;
  let queue = Promise.resolve();
  const send = (reply: ControlReply): void => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  };
  const shut = (reply: ControlReply): void => {
    closing = true;
    reading = false;
    send(reply);
    socket.end();
  };
  const take = (line: string): void => {
    queue = queue.then(async () => {
      if (closing) return;
      const result = await answer(line, handlers).catch((error: unknown) => ({ reply: { v: 1, ok: false, error: String(error) } as ControlReply, close: true }));
      if (closing) return;
      if (result.close) shut(result.reply);
      else send(result.reply);
      if ("after" in result) result.after?.();
    });
  };
  socket.on("data", (chunk: Buffer | string) => {
    if (!reading) return;
    buffered = Buffer.concat([buffered, typeof chunk === "string" ? Buffer.from(chunk) : chunk]);
    for (let newline = buffered.indexOf(0x0a); newline !== -1 && reading; newline = buffered.indexOf(0x0a)) {
      const line = buffered.subarray(0, newline);
      buffered = buffered.subarray(newline + 1);
      if (line.length > MAX_REQUEST_BYTES) return tooLong();
      take(line.toString("utf8").replace(/\r$/, ""));
    }
    if (buffered.length > MAX_REQUEST_BYTES) tooLong();
  });
  const tooLong = (): void => {
    buffered = Buffer.alloc(0);
    reading = false;
    queue = queue.then(() => {
      if (!closing) shut({ v: 1, ok: false, error: `malformed request: line longer than ${MAX_REQUEST_BYTES} bytes` });
    });
  };
  socket.on("end", () => {
    // An unterminated last line is a request too.
    if (reading && buffered.length > 0) take(buffered.toString("utf8"));
    queue = queue.then(() => {
      if (!socket.destroyed) socket.end();
    });
  });
  socket.on("error", () => undefined);
  socket.on("close", () => sockets.delete(socket));
}

/** True when something accepts connections on the socket path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
