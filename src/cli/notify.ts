/**
 * systemd's notify protocol for `steward run` under a `Type=notify` unit:
 * one datagram of newline-separated `KEY=value` lines per state change, sent
 * to the AF_UNIX socket named by `NOTIFY_SOCKET` (a path, or `@name` for the
 * abstract namespace), as `sd_notify(3)` does.
 *
 * Rules:
 * - `READY=1` once every group first has its desired count of ready workers;
 *   `RELOADING=1` (with `MONOTONIC_USEC=`) when a reload's rollout starts and
 *   `READY=1` when it finishes; `STOPPING=1` once, when a stop is requested
 *   or the supervisor gives up.
 * - `WATCHDOG=1` every half of `WATCHDOG_USEC` on the supervisor's monotonic
 *   clock while the supervisor has not failed; a `WATCHDOG_PID` naming
 *   another process turns it off, as `sd_watchdog_enabled(3)` does.
 * - Datagrams are sent one at a time, in order. A failed send is reported
 *   once (until one succeeds) and never stops the supervisor.
 * - How it sends: the runtime's own unix datagrams (`adapters/_unix_datagram.ts`:
 *   Deno's API or libc through FFI on Deno and Bun); on Node, which has none,
 *   it runs `systemd-notify --pid=<master pid>` for each message (no shell).
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { monotonicMicros, openUnixDatagram } from "../../adapters/_unix_datagram.ts";
import type { Clock, TimerHandle } from "../adapter.ts";
import type { SupervisorStatus } from "../core/status.ts";
import type { SupervisorRecord } from "../core/types.ts";
import type { Parsed } from "./args.ts";

/** The variables systemd passes; removed from the master's environment so workers do not inherit them. */
export const NOTIFY_VARIABLES: readonly string[] = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/** What the environment asks for. */
export interface NotifySettings {
  /** `NOTIFY_SOCKET`: an absolute path or `@name`. */
  readonly socket: string;
  /** Half of `WATCHDOG_USEC`, in ms; null when no watchdog is asked of this process. */
  readonly watchdogMs: number | null;
}

/**
 * Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
 *
 * @param env The master's environment.
 * @param pid The master's pid.
 * @returns The settings, null when `NOTIFY_SOCKET` is unset, or a one-line problem.
 * @example A watchdog of 30 s
 * ```ts
 * import { notifySettings } from "./notify.ts";
 * const parsed = notifySettings({ NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "30000000" }, 42);
 * if (parsed.ok) console.log(parsed.value?.watchdogMs); // 15000
 * ```
 */
export function notifySettings(env: Readonly<Record<string, string | undefined>>, pid: number): Parsed<NotifySettings | null> {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === "") return { ok: true, value: null };
  if (!socket.startsWith("/") && !socket.startsWith("@")) {
    return { ok: false, message: `NOTIFY_SOCKET: expected an absolute path or @name, got ${JSON.stringify(socket)}` };
  }
  const usec = env.WATCHDOG_USEC;
  const watchdogPid = env.WATCHDOG_PID;
  if (usec === undefined || usec === "" || (watchdogPid !== undefined && watchdogPid !== "" && watchdogPid !== String(pid))) {
    return { ok: true, value: { socket, watchdogMs: null } };
  }
  if (!/^\d+$/.test(usec) || Number(usec) === 0) {
    return { ok: false, message: `WATCHDOG_USEC: expected a positive integer of microseconds, got ${JSON.stringify(usec)}` };
  }
  return { ok: true, value: { socket, watchdogMs: Math.max(1, Math.floor(Number(usec) / 2000)) } };
}

/** Sends notify datagrams to one socket. */
export interface NotifySender {
  /** How: `"deno-net"`, `"ffi"` or `"systemd-notify"`. */
  readonly via: string;
  /** Sends one message (`KEY=value` lines); rejects with the reason it failed. */
  send(message: string): Promise<void>;
  /** Releases the socket. */
  close(): void;
}

/**
 * Opens the best sender this runtime has: its own unix datagrams, else
 * `systemd-notify`.
 *
 * @param socket `NOTIFY_SOCKET`.
 * @param pid The master's pid, for `systemd-notify --pid`.
 * @returns A sender and, when it fell back, why the runtime's own way was not available.
 * @example
 * ```ts
 * import { openNotifySender } from "./notify.ts";
 * const { sender } = await openNotifySender("/run/systemd/notify", process.pid);
 * await sender.send("READY=1");
 * ```
 */
export async function openNotifySender(socket: string, pid: number): Promise<{ sender: NotifySender; fallback: string | null }> {
  const opened = await openUnixDatagram(socket);
  if (!opened.ok) return { sender: systemdNotifySender(socket, pid), fallback: opened.reason };
  const encoder = new TextEncoder();
  const native = opened.sender;
  return { sender: { via: native.via, send: (message) => native.send(encoder.encode(message)), close: () => native.close() }, fallback: null };
}

/**
 * A sender that runs `systemd-notify --pid=<pid> KEY=value...` per message,
 * for runtimes that cannot send unix datagrams. systemd-notify (246 and
 * later) waits until systemd has read the message (its `BARRIER=1`), so
 * systemd can still tell which unit the sender belongs to. The message is
 * credited to systemd-notify's own pid (with `MAINPID=` naming the master),
 * hence `NotifyAccess=all` for such a unit.
 *
 * @param socket `NOTIFY_SOCKET`.
 * @param pid The master's pid (systemd-notify also sends it as `MAINPID=`).
 * @param program The program to run. @default "systemd-notify"
 * @returns The sender.
 * @example
 * ```ts
 * import { systemdNotifySender } from "./notify.ts";
 * await systemdNotifySender("/run/systemd/notify", process.pid).send("READY=1");
 * ```
 */
export function systemdNotifySender(socket: string, pid: number, program = "systemd-notify"): NotifySender {
  return {
    via: "systemd-notify",
    send: (message) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(program, [`--pid=${pid}`, ...message.split("\n")], {
          env: { ...process.env, NOTIFY_SOCKET: socket },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr!.setEncoding("utf8");
        child.stderr!.on("data", (chunk: string) => (stderr += chunk));
        child.on("error", (error: NodeJS.ErrnoException) => reject(new Error(`${program}: ${error.code === "ENOENT" ? "not found on PATH" : error.message}`)));
        child.on("close", (code, signal) => {
          if (code === 0) resolve();
          else reject(new Error(`${program} exited ${signal ?? code}${stderr.trim() === "" ? "" : `: ${stderr.trim().split("\n")[0]}`}`));
        });
      }),
    close: () => undefined,
  };
}

/** Options of `SystemdNotifier`. */
export interface NotifierOptions {
  readonly sender: NotifySender;
  /** The supervisor's clock (monotonic), for the watchdog. */
  readonly clock: Clock;
  /** Watchdog interval in ms; null for none. @default null */
  readonly watchdogMs?: number | null;
  /** The supervisor's status, for `STATUS=` and the watchdog's health check. */
  readonly status: () => SupervisorStatus;
  /** Reports a failed send (once until a send succeeds). */
  readonly onError: (message: string) => void;
  /** `CLOCK_MONOTONIC` in µs for `MONOTONIC_USEC=`, or null. @default `monotonicMicros` of the runtime */
  readonly monotonic?: () => Promise<bigint | null>;
}

/**
 * Turns the supervisor's progress into notify messages.
 *
 * @example Wire it to a supervisor
 * ```ts
 * import { SystemdNotifier } from "./notify.ts";
 * const notifier = new SystemdNotifier({ sender, clock: adapter.clock, watchdogMs: 15000, status: () => sup.status(), onError: console.error });
 * void sup.ready.then(() => notifier.ready(), () => undefined);
 * // in onRecord: notifier.record(record)
 * ```
 */
export class SystemdNotifier {
  readonly #options: NotifierOptions;
  #queue: Promise<void> = Promise.resolve();
  #failing = false;
  #stopping = false;
  #watchdog: TimerHandle | null = null;
  #closed = false;

  /** @param options Sender, clock, watchdog and status. */
  constructor(options: NotifierOptions) {
    this.#options = options;
    const every = options.watchdogMs ?? null;
    if (every !== null) this.#armWatchdog(options.clock.now() + every, every);
  }

  /** Every group has its desired count of ready workers for the first time. */
  ready(): void {
    if (!this.#stopping) this.#send(`READY=1\nSTATUS=${this.#statusText()}`);
  }

  /**
   * Feeds one supervisor record.
   *
   * @param record As emitted by the core.
   */
  record(record: SupervisorRecord): void {
    if (this.#stopping) return;
    if (record.type === "rolloutStarted" && record.reason === "reload") {
      this.#send(async () => {
        const usec = await (this.#options.monotonic ?? monotonicMicros)();
        return `RELOADING=1\n${usec === null ? "" : `MONOTONIC_USEC=${usec}\n`}STATUS=reloading to generation ${record.generation}`;
      });
    } else if (record.type === "rolloutFinished" && record.reason === "reload") {
      this.#send(`READY=1\nSTATUS=${this.#statusText()}`);
    } else if (record.type === "stopRequested" || record.type === "gaveUp") {
      this.#stopping = true;
      this.#send(`STOPPING=1\nSTATUS=${record.type === "gaveUp" ? `gave up: ${record.reason}` : "stopping"}`);
    }
  }

  /** Stops the watchdog, waits for the messages under way and closes the sender. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watchdog !== null) this.#options.clock.clearTimer(this.#watchdog);
    await this.#queue;
    this.#options.sender.close();
  }

  #armWatchdog(at: number, every: number): void {
    this.#watchdog = this.#options.clock.setTimer(at, () => {
      if (this.#closed) return;
      const phase = this.#options.status().phase;
      if (phase !== "failed" && phase !== "stopped") this.#send("WATCHDOG=1");
      // The next beat is due one interval after this one was, not after it ran: no drift.
      const now = this.#options.clock.now();
      let next = at + every;
      while (next <= now) next += every;
      this.#armWatchdog(next, every);
    });
  }

  #statusText(): string {
    const groups = this.#options.status().groups.filter((group) => group.desired > 0);
    return groups.map((group) => `${group.name} ${group.ready}/${group.desired} ready`).join(", ");
  }

  #send(message: string | (() => Promise<string>)): void {
    this.#queue = this.#queue.then(async () => {
      try {
        await this.#options.sender.send(typeof message === "string" ? message : await message());
        this.#failing = false;
      } catch (error) {
        if (!this.#failing) this.#options.onError(`systemd notify via ${this.#options.sender.via} failed: ${(error as Error).message}`);
        this.#failing = true;
      }
    });
  }
}
