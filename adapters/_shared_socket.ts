/**
 * The listening socket a group's workers share (the group's `port`), held
 * by the master so that a rolling reload never closes the port.
 *
 * Two ways, chosen by the master's runtime:
 * - `fd` (Node): the master binds the socket without listening or
 *   accepting (the handle node's `cluster` module shares) and every worker
 *   inherits it as a file descriptor; the workers `listen()` on it and share
 *   one accept queue, so a worker that stops accepting leaves no connection
 *   behind. Node 20 has no `SO_REUSEPORT`, so this is its only way.
 * - `reusePort` (Deno, Bun): neither can hand a socket to a child, so each
 *   worker binds its own socket with `SO_REUSEPORT` and the kernel spreads
 *   connections. The master binds once up front to catch a port in use.
 *
 * Workers learn the way from the environment: `STEWARD_PORT`,
 * `STEWARD_HOST`, and `STEWARD_LISTEN_FD` (fd) or `STEWARD_REUSE_PORT=1`.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import net from "node:net";
import { getSystemErrorName } from "node:util";
import type { ListenAddress } from "../src/core/types.ts";

/** How the master shares a port with its workers. */
export type SocketSharing = "fd" | "reusePort";

/** A bound shared socket. */
export interface SharedSocket {
  readonly address: ListenAddress;
  /** The descriptor workers inherit (`fd` sharing), else `null`. */
  readonly fd: number | null;
  close(): void;
}

/** Node's internal binder, the one `cluster` uses for a shared handle. */
type CreateServerHandle = (address: string, port: number, addressType: number, fd: number | undefined, flags: number) =>
  | number
  | { fd: number; close(callback?: () => void): void };

/**
 * Binds `address` for sharing.
 *
 * @param options The address and the way to share it.
 * @returns The bound socket.
 * @throws {Error} `cannot bind 127.0.0.1:8080: address in use (EADDRINUSE)` and the like.
 * @example Bind port 8080 for Node workers
 * ```ts
 * const socket = await openSharedSocket({ address: { host: "127.0.0.1", port: 8080 }, sharing: "fd" });
 * socket.close();
 * ```
 */
export async function openSharedSocket(options: { readonly address: ListenAddress; readonly sharing: SocketSharing }): Promise<SharedSocket> {
  const { address, sharing } = options;
  const ip = net.isIP(address.host) !== 0 ? address.host : await resolve(address);
  if (sharing === "fd") {
    const create = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
    if (typeof create !== "function") throw new Error(`cannot share ${describe(address)}: this runtime cannot bind a socket for its workers`);
    const handle = create(ip, address.port, net.isIPv6(ip) ? 6 : 4, undefined, 0);
    if (typeof handle === "number") throw bindError(address, getSystemErrorName(handle));
    try {
      // bind() succeeds beside another process's listener (SO_REUSEADDR); only listen() would fail.
      await probe(ip, address, false);
    } catch (error) {
      handle.close();
      throw error;
    }
    return { address, fd: handle.fd, close: () => handle.close() };
  }
  await probe(ip, address, true);
  return { address, fd: null, close: () => undefined };
}

/** Listens and closes at once, so a port in use is reported before any worker starts. */
function probe(ip: string, address: ListenAddress, reusePort: boolean): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => reject(bindError(address, error.code ?? error.message)));
    server.listen({ host: ip, port: address.port, reusePort } as net.ListenOptions, () => server.close(() => resolvePromise()));
  });
}

async function resolve(address: ListenAddress): Promise<string> {
  try {
    return (await lookup(address.host)).address;
  } catch (error) {
    throw new Error(`cannot bind ${describe(address)}: unknown host (${(error as NodeJS.ErrnoException).code ?? "lookup failed"})`);
  }
}

function bindError(address: ListenAddress, code: string): Error {
  const why = code === "EADDRINUSE" ? "address in use" : code === "EACCES" ? "permission denied" : code === "EADDRNOTAVAIL" ? "address not available" : "bind failed";
  return new Error(`cannot bind ${describe(address)}: ${why} (${code})`);
}

function describe(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
