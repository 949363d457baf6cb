/**
 * Sending AF_UNIX datagrams (the transport of systemd's `sd_notify`) with
 * what each runtime has, without native addons:
 *
 * - Deno: `Deno.listenDatagram({ transport: "unixpacket" })` when the
 *   runtime exposes it (`--unstable-net`), bound to a throwaway path; else
 *   libc's `socket`/`sendto` through `Deno.dlopen` (needs `--allow-ffi`,
 *   which `-A` grants).
 * - Bun: libc's `socket`/`sendto` through `bun:ffi`.
 * - Node: nothing. `node:dgram` is UDP only and `node:net` is stream only
 *   (nodejs/node#31414, closed as a duplicate of #30059); callers fall back
 *   to another way (the CLI spawns `systemd-notify`).
 *
 * Addresses are a filesystem path or, as systemd writes them, `@name` for
 * Linux's abstract namespace. The libc path is Linux-only (the layout of
 * `sockaddr_un` and the flag values below are Linux's); elsewhere it
 * reports itself unavailable.
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { detectRuntime } from "./_detect.ts";

/** An open AF_UNIX datagram socket that sends to one address. */
export interface UnixDatagramSender {
  /** How it sends: `"deno-net"` or `"ffi"`. */
  readonly via: string;
  /** Sends one datagram; rejects with the system's reason (e.g. `ECONNREFUSED`). */
  send(payload: Uint8Array): Promise<void>;
  /** Closes the socket; sending afterwards rejects. */
  close(): void;
}

/** A sender, or why this runtime cannot open one. */
export type OpenedSender = { readonly ok: true; readonly sender: UnixDatagramSender } | { readonly ok: false; readonly reason: string };

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const CLOCK_MONOTONIC = 1;
/** `sizeof(sun_path)` on Linux. */
const SUN_PATH = 108;
/** glibc, then musl (Alpine) on the running architecture. */
const LIBC_NAMES = ["libc.so.6", `libc.musl-${process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch}.so.1`];
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  11: "EAGAIN",
  13: "EACCES",
  32: "EPIPE",
  90: "EMSGSIZE",
  91: "EPROTOTYPE",
  105: "ENOBUFS",
  111: "ECONNREFUSED",
};

/**
 * Opens an AF_UNIX datagram socket that sends to `address`, with the
 * running runtime's own means.
 *
 * @param address A socket path, or `@name` for the abstract namespace.
 * @returns The sender, or the reason this runtime cannot send unix datagrams.
 * @example Send one datagram
 * ```ts
 * const opened = await openUnixDatagram("/run/systemd/notify");
 * if (opened.ok) {
 *   await opened.sender.send(new TextEncoder().encode("READY=1"));
 *   opened.sender.close();
 * } else console.error(opened.reason);
 * ```
 */
export async function openUnixDatagram(address: string): Promise<OpenedSender> {
  const target = socketAddress(address);
  if (!target.ok) return target;
  switch (detectRuntime()) {
    case "node":
      return { ok: false, reason: "node has no unix datagram sockets (node:dgram is UDP only)" };
    case "deno": {
      const deno = (globalThis as unknown as { Deno: DenoNamespace }).Deno;
      if (typeof deno.listenDatagram === "function") return denoNetSender(deno, address);
      break;
    }
  }
  const libc = await loadLibc();
  return libc.ok ? ffiSender(libc.value, target.bytes) : libc;
}

/**
 * The time on `CLOCK_MONOTONIC` in microseconds, the clock systemd's
 * `MONOTONIC_USEC=` is read on. Node's `process.hrtime` reads it (libuv's
 * `uv_hrtime`); Deno's and Bun's start at zero with the process, so there it
 * comes from libc's `clock_gettime` when FFI is allowed.
 *
 * @returns Microseconds, or null when this runtime cannot read that clock.
 * @example
 * ```ts
 * const usec = await monotonicMicros();
 * if (usec !== null) console.log(`MONOTONIC_USEC=${usec}`);
 * ```
 */
export async function monotonicMicros(): Promise<bigint | null> {
  if (detectRuntime() === "node") return process.hrtime.bigint() / 1000n;
  const libc = await loadLibc();
  if (!libc.ok) return null;
  const spec = new BigInt64Array(2);
  if (libc.value.clockGettime(CLOCK_MONOTONIC, new Uint8Array(spec.buffer)) !== 0) return null;
  return spec[0]! * 1_000_000n + spec[1]! / 1000n;
}

type Loaded = { ok: true; value: Libc } | { ok: false; reason: string };

let libcOnce: Promise<Loaded> | null = null;

/** libc through the runtime's FFI, opened once per process. */
function loadLibc(): Promise<Loaded> {
  libcOnce ??= process.platform !== "linux"
    ? Promise.resolve({ ok: false, reason: `the libc sender is Linux-only, not ${process.platform}` })
    : detectRuntime() === "deno"
    ? Promise.resolve(openDenoLibc((globalThis as unknown as { Deno: DenoNamespace }).Deno))
    : detectRuntime() === "bun"
    ? openBunLibc()
    : Promise.resolve({ ok: false, reason: "node has no FFI" });
  return libcOnce;
}

/** `sockaddr_un` for a path or an `@abstract` name, with its length. */
function socketAddress(address: string): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  const abstract = address.startsWith("@");
  if (!abstract && !address.startsWith("/")) return { ok: false, reason: `expected an absolute path or @name, got ${JSON.stringify(address)}` };
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  // A path needs its NUL terminator; an abstract name has a leading NUL and no terminator.
  if (name.length + 1 > SUN_PATH) return { ok: false, reason: `longer than ${SUN_PATH - 1} bytes: ${JSON.stringify(address)}` };
  const bytes = new Uint8Array(2 + 1 + name.length);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, new Uint8Array(new Uint16Array([1]).buffer)[0] === 1);
  bytes.set(name, abstract ? 3 : 2);
  return { ok: true, bytes };
}

/** The libc calls the FFI sender needs, the same on Deno and Bun. */
interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  sendto(fd: number, payload: Uint8Array, length: number, flags: number, address: Uint8Array, addressLength: number): number;
  close(fd: number): number;
  clockGettime(clock: number, timespec: Uint8Array): number;
  errno(): number;
}

function ffiSender(libc: Libc, address: Uint8Array): OpenedSender {
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return { ok: false, reason: `socket(AF_UNIX, SOCK_DGRAM) failed: ${errnoName(libc.errno())}` };
  let open = true;
  return {
    ok: true,
    sender: {
      via: "ffi",
      send: (payload) => {
        if (!open) return Promise.reject(new Error("the socket is closed"));
        // Non-blocking, as sd_notify: a full queue is an error, never a stalled loop.
        const sent = libc.sendto(fd, payload, payload.length, MSG_DONTWAIT | MSG_NOSIGNAL, address, address.length);
        return sent < 0 ? Promise.reject(new Error(`sendto failed: ${errnoName(libc.errno())}`)) : Promise.resolve();
      },
      close: () => {
        if (open) libc.close(fd);
        open = false;
      },
    },
  };
}

function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

interface DenoDatagramConn {
  send(payload: Uint8Array, address: { transport: "unixpacket"; path: string }): Promise<number>;
  close(): void;
}

interface DenoNamespace {
  listenDatagram?: (options: { transport: "unixpacket"; path: string }) => DenoDatagramConn;
  dlopen(name: string, symbols: Record<string, { parameters: string[]; result: string }>): { symbols: Symbols };
  UnsafePointerView: new (pointer: unknown) => { getInt32(offset?: number): number };
}

/** Deno's own unix datagrams; a socket must be bound to send, so it gets a throwaway path, unlinked at once. */
function denoNetSender(deno: DenoNamespace, address: string): OpenedSender {
  const path = address.startsWith("@") ? `\0${address.slice(1)}` : address;
  const dir = mkdtempSync(join(tmpdir(), "steward-dgram-"));
  let conn: DenoDatagramConn;
  try {
    conn = deno.listenDatagram!({ transport: "unixpacket", path: join(dir, "s") });
  } catch (error) {
    return { ok: false, reason: `Deno.listenDatagram failed: ${(error as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    ok: true,
    sender: {
      via: "deno-net",
      send: async (payload) => void await conn.send(payload, { transport: "unixpacket", path }),
      close: () => {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      },
    },
  };
}

/** libc's functions the sender needs: parameter kinds and result kind, named in neither runtime's vocabulary. */
const LIBC_SYMBOLS = {
  socket: [["int", "int", "int"], "int"],
  sendto: [["int", "buffer", "size", "int", "buffer", "u32"], "ssize"],
  close: [["int"], "int"],
  clock_gettime: [["int", "buffer"], "int"],
  __errno_location: [[], "pointer"],
} as const;

type Kind = "int" | "u32" | "size" | "ssize" | "buffer" | "pointer";
type Symbols = Record<string, (...args: unknown[]) => unknown>;

/** `LIBC_SYMBOLS` in one runtime's FFI words. */
function symbolTable<T>(types: Readonly<Record<Kind, string>>, entry: (parameters: string[], result: string) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(LIBC_SYMBOLS).map(([name, [parameters, result]]) => [name, entry(parameters.map((kind) => types[kind]), types[result])]));
}

/** Opens libc with the runtime's `open`, and wraps its symbols; `readInt32` reads errno through the pointer. */
function openLibc(open: (name: string) => Symbols, readInt32: (pointer: unknown) => number, what: string): Loaded {
  const opened = tryEach(LIBC_NAMES, open);
  if (!opened.ok) return { ok: false, reason: `${what} failed: ${opened.reason}` };
  const lib = opened.value;
  return {
    ok: true,
    value: {
      socket: (domain, type, protocol) => lib.socket!(domain, type, protocol) as number,
      sendto: (fd, payload, length, flags, address, addressLength) => Number(lib.sendto!(fd, payload, length, flags, address, addressLength)),
      close: (fd) => lib.close!(fd) as number,
      clockGettime: (clock, timespec) => lib.clock_gettime!(clock, timespec) as number,
      errno: () => readInt32(lib.__errno_location!()),
    },
  };
}

function openDenoLibc(deno: DenoNamespace): Loaded {
  const symbols = symbolTable({ int: "i32", u32: "u32", size: "usize", ssize: "isize", buffer: "buffer", pointer: "pointer" }, (parameters, result) => ({ parameters, result }));
  return openLibc((name) => deno.dlopen(name, symbols).symbols, (pointer) => new deno.UnsafePointerView(pointer).getInt32(), "Deno.dlopen(libc) (run with --allow-ffi or -A)");
}

interface BunFfi {
  dlopen(name: string, symbols: Record<string, { args: string[]; returns: string }>): { symbols: Symbols };
  read: { i32(pointer: unknown, offset?: number): number };
}

async function openBunLibc(): Promise<Loaded> {
  // A specifier in a variable: type-checkers and other runtimes never resolve it.
  const specifier = "bun:ffi";
  const ffi = await (import(specifier) as Promise<BunFfi>);
  const symbols = symbolTable({ int: "i32", u32: "u32", size: "u64", ssize: "i64", buffer: "ptr", pointer: "ptr" }, (args, returns) => ({ args, returns }));
  return openLibc((name) => ffi.dlopen(name, symbols).symbols, (pointer) => ffi.read.i32(pointer, 0), "bun:ffi dlopen(libc)");
}

function tryEach<T>(names: readonly string[], open: (name: string) => T): { ok: true; value: T } | { ok: false; reason: string } {
  const reasons: string[] = [];
  for (const name of names) {
    try {
      return { ok: true, value: open(name) };
    } catch (error) {
      reasons.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { ok: false, reason: reasons.join("; ") };
}
