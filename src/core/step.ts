/**
 * The supervision state machine: `step(state, event, now)` returns the next
 * state and the effects the driver must execute. It performs no I/O, reads
 * no clock and draws randomness only from the PRNG held in the state.
 *
 * Rules this file holds to:
 * - `step` takes ownership of `state` and may return the same object updated
 *   (copying 10,000 workers per event would make the core O(n) per event);
 *   call `cloneState` first to keep a snapshot;
 * - no event scans all workers: per-group counters are kept incrementally,
 *   and rollouts walk a queue with a cursor; only requests that act on whole
 *   groups (start, reload, scale, restart, stop) iterate;
 * - each slot has at most one holder; extra workers (rollout successors and
 *   the holders they replaced) never number more than `maxSurge`, so live
 *   workers <= slots + maxSurge (invariant 1);
 * - a holder is stopped by a rollout only after its successor is ready, in
 *   the same step, so the ready count holds (invariant 2);
 * - a planned stop (replaced, scaled down, restart, strategy, shutdown) never
 *   counts as a crash; a boot timeout or a hang does.
 *
 * @module
 */

import { backoffDelayMs } from "./backoff.ts";
import { MAX_WORKERS, validateConfig } from "./config.ts";
import { TimerMap, WorkerMap } from "./indexed_map.ts";
import { addRestart, emptyRestartWindow, exceedsIntensity } from "./intensity.ts";
import { nextRandom } from "./prng.ts";
import { TRANSITIONS } from "./transitions.ts";
import type {
  Config,
  Effect,
  Event,
  EventType,
  GroupConfig,
  GroupState,
  RestartTarget,
  Slot,
  State,
  StepResult,
  StopReason,
  SupervisorPhase,
  SupervisorRecord,
  TimerPurpose,
  Worker,
  WorkerTimerKind,
} from "./types.ts";

/** The driver fed the core an event it cannot take in this phase. */
export class ProtocolError extends Error {
  /** The supervisor phase at the time. */
  readonly phase: SupervisorPhase;
  /** The offending event type. */
  readonly event: EventType;

  /**
   * @param phase The supervisor phase.
   * @param event The event type that does not belong there.
   */
  constructor(phase: SupervisorPhase, event: EventType) {
    super(`steward core: event "${event}" is not valid in phase "${phase}"`);
    this.name = "ProtocolError";
    this.phase = phase;
    this.event = event;
  }
}

/**
 * A fresh supervisor state, phase `idle`, for a validated config.
 *
 * @param config A config from `validateConfig`.
 * @returns The initial state; feed it `{ type: "start" }`.
 *
 * @example
 * ```ts
 * import { initialState, step, validateConfig } from "./mod.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: ["node", "app.js"], count: 2 }] });
 * if (!result.ok) throw new Error("bad config");
 * const { effects } = step(initialState(result.config), { type: "start" }, 0);
 * console.log(effects.filter((e) => e.type === "spawn").length); // 2
 * ```
 */
export function initialState(config: Config): State {
  return {
    phase: "idle",
    config,
    groups: new Map(),
    workers: new WorkerMap(),
    timers: new TimerMap(),
    nextWorkerId: 1,
    nextTimerId: 1,
    generation: 1,
    restarts: emptyRestartWindow(),
    rng: config.seed | 0,
    rollout: null,
    exited: false,
    outcome: null,
  };
}

/**
 * A deep copy of a state, for tests and tools that keep snapshots
 * (`step` itself may update its input).
 *
 * @param state Any state.
 * @returns An independent copy.
 *
 * @example
 * ```ts
 * import { cloneState, initialState, step, validateConfig } from "./mod.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: ["app"] }] });
 * if (!result.ok) throw new Error("bad config");
 * const before = initialState(result.config);
 * step(cloneState(before), { type: "start" }, 0);
 * console.log(before.phase); // "idle"
 * ```
 */
export function cloneState(state: State): State {
  const copy: State = {
    ...state,
    groups: new Map([...state.groups].map(([name, group]) => [name, {
      ...group,
      slots: group.slots.map((slot) => ({ ...slot })),
      rolloutQueue: [...group.rolloutQueue],
      counts: { ...group.counts },
    }])),
    workers: new WorkerMap([...state.workers].map(([id, worker]) => [id, copyWorker(worker)])),
    timers: new TimerMap(),
    restarts: { times: state.restarts.times.slice(state.restarts.start), start: 0 },
    rollout: state.rollout === null ? null : { ...state.rollout },
    outcome: state.outcome === null ? null : { ...state.outcome },
  };
  // A worker timer's purpose points at its worker: at the copy's, in the copy.
  for (const [id, purpose] of state.timers) {
    copy.timers.set(id, purpose.kind === "backoff" ? purpose : { kind: purpose.kind, worker: purpose.worker, ref: copy.workers.get(purpose.worker)! });
  }
  return copy;
}

const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/** One step's working context. */
interface Step {
  readonly state: State;
  readonly now: number;
  readonly effects: Effect[];
}

/**
 * Advance the machine by one event.
 *
 * @param state The current state (ownership passes to `step`).
 * @param event What happened, or what was asked.
 * @param now The driver's monotonic time in milliseconds.
 * @returns The next state and the effects to execute, in order.
 * @throws {ProtocolError} When the event cannot occur in the current phase
 * (e.g. `start` twice): a driver bug, not a runtime condition.
 *
 * @example Start, then a worker crashes and is replaced at once
 * ```ts
 * import { initialState, step, validateConfig } from "./mod.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: ["app"], ready: "none" }] });
 * if (!result.ok) throw new Error("bad config");
 * let { state } = step(initialState(result.config), { type: "start" }, 0);
 * ({ state } = step(state, { type: "spawned", id: 1, pid: 4242 }, 1));
 * const { effects } = step(state, { type: "exited", id: 1, code: 1, signal: null }, 50);
 * console.log(effects.some((e) => e.type === "spawn")); // true
 * ```
 */
export function step(state: State, event: Event, now: number): StepResult {
  const rule = TRANSITIONS[state.phase][event.type];
  if (rule === "misuse") throw new ProtocolError(state.phase, event.type);
  // Heartbeats and liveness checks are the hot paths: no working context.
  if (rule === "handle") {
    if (event.type === "heartbeat") {
      const worker = state.workers.get(event.id);
      if (worker !== undefined) {
        worker.lastBeatAt = now;
        return { state, effects: NO_EFFECTS };
      }
    } else if (event.type === "timer") {
      const moved = movedLiveness(state, event.id, now);
      if (moved !== null) return { state, effects: [moved] };
    }
  }
  const ctx: Step = { state, now, effects: [] };
  if (rule === "reject") {
    record(ctx, { type: "rejected", at: now, event: event.type, reason: `the supervisor is ${state.phase}` });
  } else if (rule === "ignore") {
    record(ctx, { type: "ignored", at: now, event: event.type, reason: `the supervisor is ${state.phase}` });
  } else {
    handle(ctx, event);
  }
  return { state, effects: ctx.effects };
}

function handle(ctx: Step, event: Event): void {
  switch (event.type) {
    case "start":
      return start(ctx);
    case "spawned":
      return onSpawned(ctx, event.id, event.pid);
    case "spawnFailed":
      return onSpawnFailed(ctx, event.id, event.error);
    case "ready":
      return onReady(ctx, event.id);
    case "heartbeat":
      return ignore(ctx, "heartbeat", `unknown worker ${event.id}`);
    case "exited":
      return onExited(ctx, event.id, event.code, event.signal);
    case "timer":
      return onTimer(ctx, event.id);
    case "reload":
      return reload(ctx, event.config);
    case "scale":
      return scale(ctx, event.group, event.count);
    case "restart":
      return restart(ctx, event.target);
    case "stop":
      return stop(ctx, event.graceful);
  }
}

// ---------------------------------------------------------------- requests

function start(ctx: Step): void {
  const { state } = ctx;
  state.phase = "running";
  for (const config of state.config.groups) state.groups.set(config.name, newGroup(config, state.generation));
  record(ctx, { type: "started", at: ctx.now, groups: state.config.groups.map((g) => ({ name: g.name, count: g.count })) });
  for (const group of state.groups.values()) {
    for (const slot of group.slots) spawnWorker(ctx, group, slot, "holder");
  }
}

function reload(ctx: Step, input: unknown): void {
  const { state } = ctx;
  let config: Config = state.config;
  if (input !== undefined) {
    const result = validateConfig(input);
    if (!result.ok) {
      record(ctx, { type: "reloadRejected", at: ctx.now, problems: result.problems });
      return;
    }
    config = result.config;
  }
  state.config = config;
  state.generation += 1;
  const previous = state.groups;
  state.groups = new Map();
  for (const groupConfig of config.groups) {
    const existing = previous.get(groupConfig.name);
    if (existing === undefined) {
      const group = newGroup(groupConfig, state.generation);
      state.groups.set(groupConfig.name, group);
      for (const slot of group.slots) spawnWorker(ctx, group, slot, "holder");
      continue;
    }
    // A group dropped by an earlier reload and still draining is taken back.
    const oldCount = existing.removed ? 0 : existing.config.count;
    existing.removed = false;
    existing.config = groupConfig;
    existing.generation = state.generation;
    state.groups.set(groupConfig.name, existing);
    resize(ctx, existing, oldCount, groupConfig.count);
  }
  for (const [name, group] of previous) {
    if (state.groups.has(name)) continue;
    group.removed = true;
    state.groups.set(name, group);
    resize(ctx, group, group.config.count, 0);
    forgetIfDrained(state, group);
  }
  let total = 0;
  for (const group of state.groups.values()) {
    if (group.removed) continue;
    group.rolloutQueue = [];
    group.rolloutCursor = 0;
    for (const slot of activeSlots(group)) {
      if (slot.successor !== null) retireSuccessor(ctx, slot); // superseded by this generation
      if (slot.holder === null) {
        // An empty slot gets the new generation when it refills: now, unless a backoff is pending.
        slot.done = false;
        if (slot.backoffTimer === null) spawnWorker(ctx, group, slot, "holder");
        continue;
      }
      if (ctx.state.workers.get(slot.holder)!.generation === group.generation) continue;
      setRollPending(group, slot, true);
      group.rolloutQueue.push(slot.index);
      total += 1;
    }
  }
  state.rollout = { generation: state.generation, reason: "reload", total };
  record(ctx, { type: "rolloutStarted", at: ctx.now, generation: state.generation, reason: "reload", total });
  for (const group of state.groups.values()) pumpRollout(ctx, group);
  finishRolloutIfDone(ctx);
}

function scale(ctx: Step, name: string, count: number): void {
  const group = ctx.state.groups.get(name);
  if (group === undefined || group.removed) return reject(ctx, "scale", `unknown group "${name}"`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    return reject(ctx, "scale", `count for group "${name}" must be an integer from 1 to ${MAX_WORKERS}, got ${count}`);
  }
  const from = group.config.count;
  group.config = { ...group.config, count };
  // The config records the scale, so a reload without a new config keeps it.
  const state = ctx.state;
  state.config = { ...state.config, groups: state.config.groups.map((g) => (g.name === name ? group.config : g)) };
  resize(ctx, group, from, count);
  record(ctx, { type: "scaled", at: ctx.now, group: name, from, to: count });
  pumpRollout(ctx, group);
  finishRolloutIfDone(ctx);
}

function restart(ctx: Step, target: RestartTarget): void {
  const { state } = ctx;
  const selected: [GroupState, Slot][] = [];
  if (target.scope === "all") {
    for (const group of state.groups.values()) if (!group.removed) for (const slot of activeSlots(group)) selected.push([group, slot]);
  } else {
    const group = state.groups.get(target.group);
    if (group === undefined || group.removed) return reject(ctx, "restart", `unknown group "${target.group}"`);
    if (target.scope === "group") {
      for (const slot of activeSlots(group)) selected.push([group, slot]);
    } else {
      const slot = group.slots[target.slot];
      if (slot === undefined || slot.retiring) return reject(ctx, "restart", `group "${target.group}" has no slot ${target.slot}`);
      selected.push([group, slot]);
    }
  }
  let total = 0;
  for (const [group, slot] of selected) {
    if (slot.holder === null) {
      if (slot.done && slot.backoffTimer === null) {
        slot.done = false;
        spawnWorker(ctx, group, slot, "holder");
      }
      continue;
    }
    if (slot.rollPending) continue;
    setRollPending(group, slot, true);
    group.rolloutQueue.push(slot.index);
    total += 1;
  }
  state.rollout = { generation: state.generation, reason: "restart", total: (state.rollout?.total ?? 0) + total };
  record(ctx, { type: "rolloutStarted", at: ctx.now, generation: state.generation, reason: "restart", total });
  for (const group of state.groups.values()) pumpRollout(ctx, group);
  finishRolloutIfDone(ctx);
}

function stop(ctx: Step, graceful: boolean): void {
  const { state } = ctx;
  if (state.phase === "idle") {
    state.phase = "stopping";
    record(ctx, { type: "stopRequested", at: ctx.now, graceful });
    return finishIfDrained(ctx);
  }
  if (state.phase !== "running") {
    if (graceful) return ignore(ctx, "stop", `the supervisor is already ${state.phase}`);
    record(ctx, { type: "stopRequested", at: ctx.now, graceful });
    for (const worker of state.workers.values()) forceKill(ctx, worker, "immediate");
    return;
  }
  state.phase = "stopping";
  record(ctx, { type: "stopRequested", at: ctx.now, graceful });
  stopEverything(ctx, graceful);
  finishIfDrained(ctx);
}

// ------------------------------------------------------------ worker facts

function onSpawned(ctx: Step, id: number, pid: number): void {
  const worker = ctx.state.workers.get(id);
  if (worker === undefined) return ignore(ctx, "spawned", `unknown worker ${id}`);
  if (worker.pid !== null) return ignore(ctx, "spawned", `worker ${id} already has pid ${worker.pid}`);
  worker.pid = pid;
  record(ctx, { type: "spawned", at: ctx.now, id, group: worker.group, slot: worker.slot, pid });
  if (worker.phase === "stopping") {
    if (worker.stopPending) deliverStop(ctx, worker);
    return;
  }
  const config = groupOf(ctx, worker).config;
  if (config.ready === "none") markReady(ctx, worker);
  else if (config.ready === "after") armFor(ctx, worker, "after", ctx.now + config.readyAfterMs);
}

function onSpawnFailed(ctx: Step, id: number, error: string): void {
  const worker = ctx.state.workers.get(id);
  if (worker === undefined) return ignore(ctx, "spawnFailed", `unknown worker ${id}`);
  if (worker.pid !== null) return ignore(ctx, "spawnFailed", `worker ${id} already has pid ${worker.pid}`);
  record(ctx, { type: "spawnFailed", at: ctx.now, id, group: worker.group, slot: worker.slot, error });
  workerGone(ctx, worker, null, null, `could not start: ${error}`);
}

function onReady(ctx: Step, id: number): void {
  const worker = ctx.state.workers.get(id);
  if (worker === undefined) return ignore(ctx, "ready", `unknown worker ${id}`);
  if (worker.phase !== "starting") return ignore(ctx, "ready", `worker ${id} is ${worker.phase}`);
  markReady(ctx, worker);
}

function onExited(ctx: Step, id: number, code: number | null, signal: string | null): void {
  const worker = ctx.state.workers.get(id);
  if (worker === undefined) return ignore(ctx, "exited", `unknown worker ${id}`);
  const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
  workerGone(ctx, worker, code, signal, how);
}

function onTimer(ctx: Step, id: number): void {
  const { state } = ctx;
  const purpose = state.timers.get(id);
  if (purpose === undefined) return ignore(ctx, "timer", `unknown or cancelled timer ${id}`);
  state.timers.delete(id);
  if (purpose.kind === "backoff") {
    const group = state.groups.get(purpose.group);
    const slot = group?.slots[purpose.slot];
    if (group === undefined || slot === undefined || slot.backoffTimer !== id) return;
    slot.backoffTimer = null;
    if (slot.retiring) return dropRetiredSlots(group);
    if (slot.holder === null && slot.successor === null) spawnWorker(ctx, group, slot, "holder");
    else if (slot.rollPending) group.rolloutQueue.push(slot.index);
    pumpRollout(ctx, group);
    return finishRolloutIfDone(ctx);
  }
  const worker = state.workers.get(purpose.worker);
  if (worker === undefined || timerOf(worker, purpose.kind) !== id) return;
  setTimerOf(worker, purpose.kind, null);
  const config = groupOf(ctx, worker).config;
  switch (purpose.kind) {
    case "boot":
      if (worker.phase !== "starting") return;
      record(ctx, { type: "killing", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, reason: "bootTimeout" });
      return stopWorker(ctx, worker, "bootTimeout", true);
    case "after":
      if (worker.phase === "starting") markReady(ctx, worker);
      return;
    case "live":
      if (worker.phase !== "ready" || config.heartbeatTimeoutMs === 0) return;
      record(ctx, { type: "killing", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, reason: "hang" });
      return stopWorker(ctx, worker, "hang", true);
    case "uptime":
      if (worker.phase === "ready") groupOf(ctx, worker).slots[worker.slot]!.crashes = 0;
      return;
    case "kill":
      if (worker.phase !== "stopping") return;
      record(ctx, { type: "killing", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, reason: "killTimeout" });
      forceKill(ctx, worker, null);
      return;
  }
}

/**
 * The hot timer: a ready worker's liveness check that finds a heartbeat
 * since it was armed moves to the next deadline under the same id and
 * purpose, so the timer map is not churned. Returns that move, or null when
 * the timer is something else, stale, or due (a hang): `onTimer` handles those.
 * The worker comes from the `TimerMap` index when it holds the id (the
 * `liveTimer` check below confirms it), else from the purpose.
 */
function movedLiveness(state: State, id: number, now: number): Effect | null {
  const timers = state.timers;
  let worker = timers instanceof TimerMap ? timers.liveWorker(id) : undefined;
  if (worker === undefined) {
    const purpose = timers.get(id);
    if (purpose === undefined || purpose.kind !== "live") return null;
    worker = purpose.ref;
  }
  if (worker.liveTimer !== id || worker.phase !== "ready") return null;
  const timeout = state.groups.get(worker.group)!.config.heartbeatTimeoutMs;
  if (timeout === 0 || now - worker.lastBeatAt >= timeout) return null;
  return { type: "setTimer", id, at: worker.lastBeatAt + timeout };
}

// ------------------------------------------------------------ worker life

function spawnWorker(ctx: Step, group: GroupState, slot: Slot, role: "holder" | "successor"): void {
  const { state, now } = ctx;
  const config = group.config;
  const id = state.nextWorkerId++;
  const worker = newWorker({
    id,
    group: config.name,
    slot: slot.index,
    generation: group.generation,
    pid: null,
    phase: "starting",
    role,
    startedAt: now,
    readyAt: null,
    lastBeatAt: now,
    stopReason: null,
    stopPending: false,
    killRequested: false,
    bootTimer: null,
    afterTimer: null,
    liveTimer: null,
    uptimeTimer: null,
    killTimer: null,
  });
  state.workers.set(id, worker);
  group.counts.starting += 1;
  if (role === "holder") {
    slot.holder = id;
    slot.respawnOnExit = false;
    setRollPending(group, slot, false);
  } else {
    slot.successor = id;
    group.counts.extras += 1;
  }
  armFor(ctx, worker, "boot", now + config.readyTimeoutMs);
  record(ctx, { type: "spawning", at: now, id, group: config.name, slot: slot.index, generation: group.generation });
  ctx.effects.push({
    type: "spawn",
    spec: {
      id,
      group: config.name,
      slot: slot.index,
      generation: group.generation,
      command: config.command,
      cwd: config.cwd,
      env: config.env,
      ipc: config.ready === "ipc",
      heartbeatMs: config.ready === "ipc" && config.heartbeatTimeoutMs > 0 ? Math.max(1, Math.floor(config.heartbeatTimeoutMs / 3)) : 0,
      ...(config.port === null ? {} : { listen: { host: config.host, port: config.port } }),
    },
  });
}

function markReady(ctx: Step, worker: Worker): void {
  const group = groupOf(ctx, worker);
  const config = group.config;
  worker.phase = "ready";
  worker.readyAt = ctx.now;
  worker.lastBeatAt = ctx.now;
  group.counts.starting -= 1;
  group.counts.ready += 1;
  disarm(ctx, worker, "boot");
  disarm(ctx, worker, "after");
  if (config.heartbeatTimeoutMs > 0 && config.ready === "ipc") {
    armFor(ctx, worker, "live", ctx.now + config.heartbeatTimeoutMs);
  }
  const slot = group.slots[worker.slot]!;
  if (slot.crashes > 0) armFor(ctx, worker, "uptime", ctx.now + config.minUptimeMs);
  record(ctx, { type: "ready", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, generation: worker.generation, pid: worker.pid });
  if (worker.role !== "successor") return;
  // The rollout's handover: the successor takes the slot and the old holder
  // starts draining in the same step, so the ready count never dips.
  const old = slot.holder === null ? undefined : ctx.state.workers.get(slot.holder);
  promote(group, slot, worker);
  setRollPending(group, slot, false);
  if (old !== undefined) {
    old.role = "extra";
    group.counts.extras += 1;
    stopWorker(ctx, old, "replaced", false);
  }
  record(ctx, { type: "rolloutProgress", at: ctx.now, group: worker.group, slot: worker.slot, generation: worker.generation, remaining: group.rollPendingCount });
  pumpRollout(ctx, group);
  finishRolloutIfDone(ctx);
}

/** A successor becomes its slot's holder. */
function promote(group: GroupState, slot: Slot, successor: Worker): void {
  successor.role = "holder";
  group.counts.extras -= 1;
  slot.holder = successor.id;
  slot.successor = null;
  slot.respawnOnExit = false;
  setRollPending(group, slot, false);
}

function stopWorker(ctx: Step, worker: Worker, reason: StopReason, kill: boolean): void {
  if (worker.phase === "stopping") {
    if (kill) forceKill(ctx, worker, null);
    return;
  }
  const group = groupOf(ctx, worker);
  group.counts[worker.phase === "ready" ? "ready" : "starting"] -= 1;
  group.counts.stopping += 1;
  worker.phase = "stopping";
  worker.stopReason = reason;
  worker.killRequested = kill;
  for (const kind of ["boot", "after", "live", "uptime"] as const) disarm(ctx, worker, kind);
  armFor(ctx, worker, "kill", ctx.now + group.config.killTimeoutMs);
  record(ctx, { type: "stopping", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, reason });
  if (worker.pid === null) worker.stopPending = true;
  else deliverStop(ctx, worker);
}

function deliverStop(ctx: Step, worker: Worker): void {
  worker.stopPending = false;
  const config = groupOf(ctx, worker).config;
  if (worker.killRequested) ctx.effects.push({ type: "signal", id: worker.id, signal: "SIGKILL" });
  else if (config.ready === "ipc") ctx.effects.push({ type: "send", id: worker.id, message: { type: "stop", deadlineMs: config.killTimeoutMs } });
  else ctx.effects.push({ type: "signal", id: worker.id, signal: config.stopSignal });
}

/** SIGKILL now (or as soon as the pid is known), keeping a kill deadline armed. */
function forceKill(ctx: Step, worker: Worker, reason: "immediate" | null): void {
  if (reason !== null) record(ctx, { type: "killing", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, reason });
  if (worker.phase !== "stopping") return stopWorker(ctx, worker, "shutdown", true);
  worker.killRequested = true;
  disarm(ctx, worker, "kill");
  // At least 1 ms: with killTimeoutMs 0 a deadline re-armed at `now` would fire again at once, forever.
  armFor(ctx, worker, "kill", ctx.now + Math.max(1, groupOf(ctx, worker).config.killTimeoutMs));
  if (worker.pid === null) worker.stopPending = true;
  else ctx.effects.push({ type: "signal", id: worker.id, signal: "SIGKILL" });
}

/** The worker is gone (exited, or never started): update the slot and decide what replaces it. */
function workerGone(ctx: Step, worker: Worker, code: number | null, signal: string | null, how: string): void {
  const { state } = ctx;
  const group = groupOf(ctx, worker);
  // An extra may outlive its slot (scaled away) while it drains.
  const slot: Slot | undefined = group.slots[worker.slot];
  group.counts[worker.phase === "ready" ? "ready" : worker.phase === "stopping" ? "stopping" : "starting"] -= 1;
  if (worker.role !== "holder") group.counts.extras -= 1;
  for (const kind of ["boot", "after", "live", "uptime", "kill"] as const) disarm(ctx, worker, kind);
  worker.phase = "exited";
  state.workers.delete(worker.id);
  const planned = worker.stopReason !== null && worker.stopReason !== "bootTimeout" && worker.stopReason !== "hang";
  record(ctx, { type: "exited", at: ctx.now, id: worker.id, group: worker.group, slot: worker.slot, pid: worker.pid, code, signal, planned });
  const wasHolder = slot?.holder === worker.id;
  const wasSuccessor = slot?.successor === worker.id;
  if (slot !== undefined && wasHolder) slot.holder = null;
  if (slot !== undefined && wasSuccessor) slot.successor = null;

  if (state.phase !== "running") return finishIfDrained(ctx);

  if (slot === undefined || slot.retiring || group.removed) {
    dropRetiredSlots(group);
    forgetIfDrained(state, group);
  } else if (wasHolder || wasSuccessor) {
    if (planned) {
      if (wasHolder && slot.successor !== null) promote(group, slot, state.workers.get(slot.successor)!);
      // A pending backoff (its successor crashed) refills the slot when it fires.
      else if (wasHolder && slot.respawnOnExit && slot.backoffTimer === null) spawnWorker(ctx, group, slot, "holder");
    } else {
      crashed(ctx, group, slot, worker, code, signal, how);
    }
  }
  if (state.phase !== "running") return;
  pumpRollout(ctx, group);
  finishRolloutIfDone(ctx);
}

function crashed(ctx: Step, group: GroupState, slot: Slot, worker: Worker, code: number | null, signal: string | null, how: string): void {
  const { state, now } = ctx;
  const config = group.config;
  const abnormal = code !== 0 || signal !== null || worker.stopReason !== null;
  const restartable = config.restart === "permanent" || (config.restart === "transient" && abnormal);
  const wasHolder = worker.role === "holder";
  if (wasHolder && slot.successor !== null) {
    // A rollout's successor is already on its way: it takes the slot.
    promote(group, slot, state.workers.get(slot.successor)!);
    return;
  }
  if (!restartable) {
    if (wasHolder && slot.successor === null) slot.done = true;
    if (!wasHolder || slot.done) setRollPending(group, slot, false);
    return;
  }
  if (exceedsIntensity(state.restarts, now, state.config)) {
    return giveUp(ctx, group.config.name, `group "${config.name}" slot ${slot.index} ${how}; more than ${state.config.maxRestarts} restarts within ${state.config.periodMs} ms`);
  }
  addRestart(state.restarts, now);
  slot.crashes += 1;
  const draw = nextRandom(state.rng);
  state.rng = draw.state;
  const delay = backoffDelayMs(config.backoff, slot.crashes, draw.value);
  record(ctx, { type: "restarting", at: now, group: config.name, slot: slot.index, inMs: delay, attempt: slot.crashes });
  if (slot.backoffTimer !== null) {
    // The holder crashed while its successor's restart was waiting: one wait, the longer one.
    cancel(ctx, slot.backoffTimer);
    slot.backoffTimer = null;
  }
  if (delay === 0) {
    if (wasHolder) spawnWorker(ctx, group, slot, "holder");
    else if (slot.rollPending) group.rolloutQueue.push(slot.index);
  } else {
    slot.backoffTimer = arm(ctx, now + delay, { kind: "backoff", group: config.name, slot: slot.index });
  }
  if (state.config.strategy !== "one_for_one") restartSiblings(ctx, group, slot);
}

/** one_for_all / rest_for_one: the crashed worker's siblings are stopped and started afresh. */
function restartSiblings(ctx: Step, crashedGroup: GroupState, crashedSlot: Slot): void {
  let after = false;
  for (const group of ctx.state.groups.values()) {
    const include = ctx.state.config.strategy === "one_for_all" || after;
    if (group === crashedGroup) after = true;
    if (!include || group.removed) continue;
    for (const slot of activeSlots(group)) {
      if (slot === crashedSlot) continue;
      if (slot.successor !== null) retireSuccessor(ctx, slot);
      const holder = slot.holder === null ? undefined : ctx.state.workers.get(slot.holder);
      if (holder === undefined || holder.phase === "stopping") continue;
      slot.respawnOnExit = true;
      setRollPending(group, slot, false);
      stopWorker(ctx, holder, "strategy", false);
    }
  }
}

function giveUp(ctx: Step, group: string, reason: string): void {
  const { state } = ctx;
  state.phase = "failed";
  state.outcome = { code: 1, reason };
  record(ctx, { type: "gaveUp", at: ctx.now, group, reason });
  stopEverything(ctx, true);
  finishIfDrained(ctx);
}

function stopEverything(ctx: Step, graceful: boolean): void {
  const { state } = ctx;
  state.rollout = null;
  for (const group of state.groups.values()) {
    group.rolloutQueue = [];
    group.rolloutCursor = 0;
    for (const slot of group.slots) {
      setRollPending(group, slot, false);
      if (slot.backoffTimer !== null) cancel(ctx, slot.backoffTimer);
      slot.backoffTimer = null;
      slot.respawnOnExit = false;
    }
  }
  for (const worker of state.workers.values()) {
    if (graceful) stopWorker(ctx, worker, "shutdown", false);
    else forceKill(ctx, worker, "immediate");
  }
}

function finishIfDrained(ctx: Step): void {
  const { state } = ctx;
  if (state.workers.size > 0 || state.exited) return;
  state.exited = true;
  const outcome = state.outcome ?? { code: 0, reason: "stopped" };
  state.outcome = outcome;
  if (state.phase === "stopping") state.phase = "stopped";
  for (const id of state.timers.keys()) ctx.effects.push({ type: "cancelTimer", id });
  state.timers.clear();
  record(ctx, { type: "stopped", at: ctx.now, code: outcome.code, reason: outcome.reason });
  ctx.effects.push({ type: "exit", code: outcome.code, reason: outcome.reason });
}

// ---------------------------------------------------------------- rollouts

/** Start successors for pending slots while the surge budget allows. */
function pumpRollout(ctx: Step, group: GroupState): void {
  if (group.removed) return;
  const queue = group.rolloutQueue;
  while (group.rolloutCursor < queue.length && group.counts.extras < group.config.maxSurge) {
    const slot = group.slots[queue[group.rolloutCursor++]!];
    if (slot === undefined || slot.retiring || !slot.rollPending || slot.successor !== null || slot.backoffTimer !== null) continue;
    if (slot.holder === null) {
      if (!slot.done) spawnWorker(ctx, group, slot, "holder");
      else setRollPending(group, slot, false);
      continue;
    }
    spawnWorker(ctx, group, slot, "successor");
  }
  if (group.rolloutCursor >= queue.length && queue.length > 0) {
    group.rolloutQueue = [];
    group.rolloutCursor = 0;
  }
}

function finishRolloutIfDone(ctx: Step): void {
  const { state } = ctx;
  if (state.rollout === null || state.phase !== "running") return;
  for (const group of state.groups.values()) if (group.rollPendingCount > 0) return;
  record(ctx, { type: "rolloutFinished", at: ctx.now, generation: state.rollout.generation, reason: state.rollout.reason });
  state.rollout = null;
}

/** A successor no longer wanted (superseded or its slot restarted) drains as an extra. */
function retireSuccessor(ctx: Step, slot: Slot): void {
  const successor = ctx.state.workers.get(slot.successor!)!;
  slot.successor = null;
  successor.role = "extra";
  stopWorker(ctx, successor, "replaced", false);
}

// ---------------------------------------------------------------- scaling

function resize(ctx: Step, group: GroupState, from: number, to: number): void {
  for (let index = to; index < Math.max(from, group.slots.length); index++) {
    const slot = group.slots[index];
    if (slot === undefined || slot.retiring) continue;
    slot.retiring = true;
    setRollPending(group, slot, false);
    slot.respawnOnExit = false;
    slot.done = false;
    if (slot.backoffTimer !== null) cancel(ctx, slot.backoffTimer);
    slot.backoffTimer = null;
    if (slot.successor !== null) retireSuccessor(ctx, slot);
    const holder = slot.holder === null ? undefined : ctx.state.workers.get(slot.holder);
    if (holder !== undefined) stopWorker(ctx, holder, group.removed ? "removed" : "scaledDown", false);
  }
  for (let index = 0; index < to; index++) {
    let slot = group.slots[index];
    if (slot === undefined) {
      slot = newSlot(index);
      group.slots[index] = slot;
      if (ctx.state.phase === "running") spawnWorker(ctx, group, slot, "holder");
      continue;
    }
    if (!slot.retiring) continue;
    slot.retiring = false;
    if (slot.holder === null) spawnWorker(ctx, group, slot, "holder");
    else slot.respawnOnExit = true; // its holder is draining: refill once it has gone
  }
  dropRetiredSlots(group);
}

/** Forget a group a reload removed once its last slot and worker are gone. */
function forgetIfDrained(state: State, group: GroupState): void {
  const { starting, ready, stopping } = group.counts;
  if (group.removed && group.slots.length === 0 && starting + ready + stopping === 0) state.groups.delete(group.config.name);
}

/** Forget retiring slots at the top once their holders are gone (extras may still drain). */
function dropRetiredSlots(group: GroupState): void {
  const slots = group.slots;
  while (slots.length > 0) {
    const top = slots[slots.length - 1]!;
    if (!top.retiring || top.holder !== null || top.successor !== null || top.backoffTimer !== null) break;
    slots.pop();
  }
}

// ---------------------------------------------------------------- helpers

/**
 * Every worker object, spawned or cloned, is built by this one literal, so
 * they all share one hidden class (a clone made by spread used to get
 * another, and property access went polymorphic). The fields a heartbeat or
 * a liveness check reads come first, next to the hidden-class pointer: with
 * 10,000 workers the worker an event names is usually not in the CPU cache,
 * and those fields then cost one or two cache-line fetches rather than up
 * to three (the object is 168 bytes, its timer ids included). `id` is not
 * among them: the index of `WorkerMap` keeps each id beside its worker.
 */
function newWorker(fields: Worker): Worker {
  return {
    lastBeatAt: fields.lastBeatAt,
    liveTimer: fields.liveTimer,
    phase: fields.phase,
    group: fields.group,
    id: fields.id,
    slot: fields.slot,
    role: fields.role,
    generation: fields.generation,
    pid: fields.pid,
    startedAt: fields.startedAt,
    readyAt: fields.readyAt,
    stopReason: fields.stopReason,
    stopPending: fields.stopPending,
    killRequested: fields.killRequested,
    bootTimer: fields.bootTimer,
    afterTimer: fields.afterTimer,
    uptimeTimer: fields.uptimeTimer,
    killTimer: fields.killTimer,
  };
}

function copyWorker(worker: Worker): Worker {
  return newWorker(worker);
}

function newGroup(config: GroupConfig, generation: number): GroupState {
  return {
    config,
    slots: Array.from({ length: config.count }, (_, index) => newSlot(index)),
    generation,
    rolloutQueue: [],
    rolloutCursor: 0,
    rollPendingCount: 0,
    removed: false,
    counts: { starting: 0, ready: 0, stopping: 0, extras: 0 },
  };
}

function newSlot(index: number): Slot {
  return { index, holder: null, successor: null, crashes: 0, backoffTimer: null, respawnOnExit: false, rollPending: false, retiring: false, done: false };
}

function activeSlots(group: GroupState): Slot[] {
  return group.slots.filter((slot) => !slot.retiring);
}

function setRollPending(group: GroupState, slot: Slot, pending: boolean): void {
  if (slot.rollPending === pending) return;
  slot.rollPending = pending;
  group.rollPendingCount += pending ? 1 : -1;
}

function groupOf(ctx: Step, worker: Worker): GroupState {
  return ctx.state.groups.get(worker.group)!;
}

function arm(ctx: Step, at: number, purpose: TimerPurpose): number {
  const id = ctx.state.nextTimerId++;
  ctx.state.timers.set(id, purpose);
  ctx.effects.push({ type: "setTimer", id, at });
  return id;
}

/** Arm a worker's timer of one kind; its purpose keeps the worker itself, so the timer reaches it without a `workers` lookup. */
function armFor(ctx: Step, worker: Worker, kind: WorkerTimerKind, at: number): void {
  setTimerOf(worker, kind, arm(ctx, at, { kind, worker: worker.id, ref: worker }));
}

function disarm(ctx: Step, worker: Worker, kind: WorkerTimerKind): void {
  const id = timerOf(worker, kind);
  if (id === null) return;
  setTimerOf(worker, kind, null);
  cancel(ctx, id);
}

/** The id of a worker's timer of one kind (a switch, not a computed key: each case is a fixed field). */
function timerOf(worker: Worker, kind: WorkerTimerKind): number | null {
  switch (kind) {
    case "boot":
      return worker.bootTimer;
    case "after":
      return worker.afterTimer;
    case "live":
      return worker.liveTimer;
    case "uptime":
      return worker.uptimeTimer;
    case "kill":
      return worker.killTimer;
  }
}

function setTimerOf(worker: Worker, kind: WorkerTimerKind, id: number | null): void {
  switch (kind) {
    case "boot":
      worker.bootTimer = id;
      return;
    case "after":
      worker.afterTimer = id;
      return;
    case "live":
      worker.liveTimer = id;
      return;
    case "uptime":
      worker.uptimeTimer = id;
      return;
    case "kill":
      worker.killTimer = id;
      return;
  }
}

function cancel(ctx: Step, id: number): void {
  if (ctx.state.timers.delete(id)) ctx.effects.push({ type: "cancelTimer", id });
}

function record(ctx: Step, record: SupervisorRecord): void {
  ctx.effects.push({ type: "emit", record });
}

function ignore(ctx: Step, event: EventType, reason: string): void {
  record(ctx, { type: "ignored", at: ctx.now, event, reason });
}

function reject(ctx: Step, event: EventType, reason: string): void {
  record(ctx, { type: "rejected", at: ctx.now, event, reason });
}
