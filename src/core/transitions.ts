/**
 * The transition table: for each supervisor phase and event type, the rule
 * `step` applies. Everything that moves the machine is looked up here first;
 * the rules themselves live in `step.ts`.
 *
 * Rules of the table:
 * - worker facts (`spawned`, `ready`, `heartbeat`, `exited`, ...) and `timer`
 *   are always handled: they may be late or stale, and a stale one is
 *   ignored and reported, never thrown (invariant 8);
 * - requests (`reload`, `scale`, `restart`) are only honoured while
 *   `running`; otherwise they are rejected with a record;
 * - `start` outside `idle`, or a request before `start`, is the driver
 *   misusing the core: `step` throws a `ProtocolError`.
 *
 * `PHASE_EDGES` lists how the supervisor phase itself moves; the README's
 * state diagrams are drawn from it.
 *
 * @module
 */

import type { EventType, SupervisorPhase, WorkerPhase } from "./types.ts";

/** What `step` does with an event in a phase. */
export type Rule = "handle" | "reject" | "ignore" | "misuse";

const WORKER_FACTS = { spawned: "handle", spawnFailed: "handle", ready: "handle", heartbeat: "handle", exited: "handle", timer: "handle" } as const;

/** The table, keyed by (phase, event type). */
export const TRANSITIONS: Readonly<Record<SupervisorPhase, Readonly<Record<EventType, Rule>>>> = {
  idle: { start: "handle", ...WORKER_FACTS, reload: "misuse", scale: "misuse", restart: "misuse", stop: "handle" },
  running: { start: "misuse", ...WORKER_FACTS, reload: "handle", scale: "handle", restart: "handle", stop: "handle" },
  stopping: { start: "misuse", ...WORKER_FACTS, reload: "reject", scale: "reject", restart: "reject", stop: "handle" },
  failed: { start: "misuse", ...WORKER_FACTS, reload: "reject", scale: "reject", restart: "reject", stop: "handle" },
  stopped: { start: "misuse", ...WORKER_FACTS, reload: "reject", scale: "reject", restart: "reject", stop: "ignore" },
};

/** One edge of a phase diagram. */
export interface PhaseEdge<Phase extends string> {
  readonly from: Phase;
  readonly to: Phase;
  readonly on: string;
}

/** How the supervisor phase moves. */
export const SUPERVISOR_EDGES: readonly PhaseEdge<SupervisorPhase>[] = [
  { from: "idle", to: "running", on: "start" },
  { from: "idle", to: "stopped", on: "stop" },
  { from: "running", to: "running", on: "reload / scale / restart" },
  { from: "running", to: "stopping", on: "stop" },
  { from: "running", to: "failed", on: "restart intensity exceeded" },
  { from: "stopping", to: "stopped", on: "last worker exited: exit(0)" },
  { from: "failed", to: "failed", on: "last worker exited: exit(1)" },
];

/** How a worker's phase moves. */
export const WORKER_EDGES: readonly PhaseEdge<WorkerPhase>[] = [
  { from: "starting", to: "ready", on: "ready (ipc) / readyAfterMs / spawned (none)" },
  { from: "starting", to: "stopping", on: "readyTimeoutMs: SIGKILL / stop" },
  { from: "starting", to: "exited", on: "exited / spawnFailed" },
  { from: "ready", to: "stopping", on: "replaced / scaled down / stop / heartbeatTimeoutMs: SIGKILL" },
  { from: "ready", to: "exited", on: "exited (crash)" },
  { from: "stopping", to: "stopping", on: "killTimeoutMs: SIGKILL" },
  { from: "stopping", to: "exited", on: "exited" },
];
