/**
 * The worker side of steward: import it in a worker to report readiness,
 * send heartbeats and drain on stop. It uses `node:process` and
 * `node:timers` only, so the same import works on Node, Deno and Bun.
 *
 * Rules:
 * - Importing this module in a process started by steward with IPC
 *   (`STEWARD_IPC=1` and a connected channel) starts a heartbeat every
 *   `STEWARD_HEARTBEAT_MS` (an unref'd timer), listens for the master's
 *   messages and exits when the channel closes, so a worker never outlives a
 *   master that was SIGKILLed. Outside steward, importing it does nothing.
 * - The helper never keeps a process alive by itself: the IPC channel and
 *   the heartbeat timer are unref'd.
 * - A stop request (the master's `stop` message, SIGTERM once `onStop` was
 *   called, or the channel closing) runs every stop handler once, in
 *   registration order, then exits: 0 if all of them returned, 1 if one
 *   threw or the deadline passed first.
 * - Before exiting, messages still being sent are given a short time to
 *   leave (the exit happens in their send callback), since Deno and Bun may
 *   drop a message sent right before `process.exit()`.
 *
 * @example A worker that reports ready and drains on stop
 * ```ts
 * import { onStop, ready } from "steward/worker";
 * const server = startServer();
 * ready();
 * onStop(() => server.close());
 * ```
 *
 * @module
 */

import process from "node:process";
import { performance } from "node:perf_hooks";
import { clearInterval, clearTimeout, setInterval, setTimeout } from "node:timers";
import { decode, encode, type WorkerMessage } from "./protocol.ts";

/** Deadline for a stop caused by SIGTERM, which carries none (Kubernetes' default grace period). */
const SIGTERM_DEADLINE_MS = 30_000;
/** Deadline for the stop caused by the master's channel closing: the master is gone, so be brief. */
const DISCONNECT_DEADLINE_MS = 1_000;
/** Longest wait for messages in flight before exiting anyway. */
const FLUSH_MS = 250;
/** The deadline timer fires this much early (at most), so the worker exits before the master's SIGKILL. */
const DEADLINE_MARGIN_MS = 100;

/** A function run when the worker is asked to stop. */
export type StopHandler = () => Promise<void> | void;

const stopHandlers: StopHandler[] = [];
let stopping = false;
let exiting = false;
let deadlineTimer: ReturnType<typeof setTimeout> | null = null;
let deadlineAt = Number.POSITIVE_INFINITY;
let sigtermInstalled = false;
let sendsInFlight = 0;
let onFlushed: (() => void) | null = null;

/**
 * Tells whether this process was started by a steward master.
 *
 * @returns `true` when `STEWARD_WORKER_ID` is set in the environment.
 * @example Only report readiness under steward
 * ```ts
 * if (isSupervised()) ready();
 * ```
 */
export function isSupervised(): boolean {
  return process.env.STEWARD_WORKER_ID !== undefined;
}

/**
 * Tells the master this worker is up. A no-op without an IPC channel, so
 * the same worker runs unsupervised too.
 *
 * @returns Nothing.
 * @example Report ready once listening
 * ```ts
 * server.listen(8080, () => ready());
 * ```
 */
export function ready(): void {
  send({ type: "ready" });
}

/**
 * Registers a handler to run when the master asks this worker to stop (or
 * it gets SIGTERM). After every handler settled the worker exits 0, or 1 if
 * a handler threw; if they outlive the stop deadline, it exits 1 anyway.
 * The first call also installs the SIGTERM listener.
 *
 * @param handler Drains the worker: close servers, finish jobs, flush.
 * @returns Nothing.
 * @example Finish in-flight jobs before exiting
 * ```ts
 * onStop(async () => {
 *   await queue.pause();
 *   await queue.drain();
 * });
 * ```
 */
export function onStop(handler: StopHandler): void {
  stopHandlers.push(handler);
  if (!sigtermInstalled) {
    sigtermInstalled = true;
    process.on("SIGTERM", () => requestStop(SIGTERM_DEADLINE_MS));
  }
}

function isConnected(): boolean {
  return typeof process.send === "function" && process.connected === true;
}

function send(message: WorkerMessage): void {
  if (!isConnected()) return;
  sendsInFlight += 1;
  const settled = (): void => {
    sendsInFlight -= 1;
    if (sendsInFlight === 0 && onFlushed !== null) onFlushed();
  };
  try {
    // The callback as second argument is the form all three runtimes accept.
    process.send!(encode(message), settled);
  } catch {
    settled();
  }
}

function requestStop(deadlineMs: number): void {
  const at = performance.now() + Math.max(0, deadlineMs - Math.min(DEADLINE_MARGIN_MS, deadlineMs * 0.1));
  if (at < deadlineAt) {
    // A later, shorter deadline (a stop message after SIGTERM) wins.
    deadlineAt = at;
    if (deadlineTimer !== null) clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(() => exitAfterFlush(1), Math.max(0, at - performance.now()));
  }
  if (stopping) return;
  stopping = true;
  void runStopHandlers().then((failed) => exitAfterFlush(failed ? 1 : 0));
}

async function runStopHandlers(): Promise<boolean> {
  let failed = false;
  for (const handler of stopHandlers) {
    try {
      await handler();
    } catch (error) {
      failed = true;
      console.error("steward worker: a stop handler threw:", error);
    }
  }
  return failed;
}

function exitAfterFlush(code: number): void {
  if (exiting) return;
  exiting = true;
  if (sendsInFlight === 0) return process.exit(code);
  onFlushed = () => process.exit(code);
  setTimeout(() => process.exit(code), FLUSH_MS);
}

function attach(): void {
  if (process.env.STEWARD_IPC !== "1" || !isConnected()) return;
  const everyMs = Number(process.env.STEWARD_HEARTBEAT_MS ?? "0");
  const heartbeat = Number.isFinite(everyMs) && everyMs > 0
    ? setInterval(() => send({ type: "heartbeat" }), everyMs)
    : null;
  heartbeat?.unref();
  process.on("message", (raw: unknown) => {
    const message = decode(raw);
    if (message !== null && message.type === "stop") requestStop(message.deadlineMs);
  });
  process.on("disconnect", () => {
    if (heartbeat !== null) clearInterval(heartbeat);
    requestStop(DISCONNECT_DEADLINE_MS);
  });
  // Listening for messages refs the channel on Node; the helper must not be what keeps a worker alive.
  process.channel?.unref();
}

attach();

export { listen, type ListenOptions } from "./listen.ts";
