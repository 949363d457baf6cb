/**
 * The real side of the model tests: a memory `Simulation` driving the core,
 * with per-step checkers for the invariants of ARCHITECTURE.md hooked into
 * `Simulation.onStep`. A checker throws an `AssertionError` from inside the
 * step that broke its invariant, so the failing command is the one running.
 *
 * Checkers read the state the core returned, but the facts they hold it to
 * come from outside it: the model (desired, generation, ready floor), the
 * records and effects of earlier steps (restart times, armed timers, ready
 * times), and a shadow of the previous step's workers and slots.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backoffFloorMs } from "../../src/core/backoff.ts";
import type { Config, Effect, GroupConfig, State, StopReason, SupervisorRecord, Worker, WorkerTimerKind } from "../../src/core/types.ts";
import { Simulation, type StepObservation } from "../../adapters/memory.ts";
import { accepting, initialModel, type Model, readyFloor } from "./model.ts";

/**
 * Invariants of ARCHITECTURE.md a world checks at every step, by number.
 * The others are checked around it: 5 by `settle`, 7 by comparing traces,
 * 8 by `StaleEventCommand`.
 */
export type Invariant = 1 | 2 | 3 | 4 | 6 | 9;

/** Options of a `World`. */
export interface WorldOptions {
  /** Invariants checked at every step. @default none */
  readonly checks?: readonly Invariant[];
  /** Keep the simulation's trace (for determinism). @default false */
  readonly trace?: boolean;
}

/** Per-group tally of live workers, from a scan (independent of the core's counters). */
interface Tally {
  starting: number;
  ready: number;
  stopping: number;
  extras: number;
}

/** What the previous step knew of a worker. */
interface ShadowWorker {
  readonly group: string;
  readonly slot: number;
  readonly stopReason: StopReason | null;
  readonly holder: boolean;
  readonly successor: boolean;
  /** Its slot had a successor (which takes over if this holder goes). */
  readonly slotHasSuccessor: boolean;
  readonly slotRetiring: boolean;
  readonly groupRemoved: boolean;
}

const TIMER_KINDS = ["boot", "after", "live", "uptime", "kill"] as const;

/** A worker's timer of one kind (its `${kind}Timer` field); undefined without a worker. */
function timerOf(worker: Worker | undefined, kind: WorkerTimerKind): number | null | undefined {
  return worker?.[`${kind}Timer` as const];
}

/** More steps than this at one virtual time is a loop, not a busy moment. */
const MAX_STEPS_AT_ONE_TIME = 5000;

const UNPLANNED: ReadonlySet<StopReason | null> = new Set([null, "bootTimeout", "hang"]);

/** The simulated world plus the checkers; the `real` of `fc.modelRun`. */
export class World {
  readonly sim: Simulation;
  readonly config: Config;
  readonly model: Model;
  /** Effects of the latest step. */
  lastEffects: readonly Effect[] = [];
  /** Every `exit` effect: when, and with which code. */
  readonly exits: { at: number; code: number }[] = [];
  /** Times of every `restarting` record, oldest first. */
  readonly restartTimes: number[] = [];
  /** Ids of workers that exited, in order (for stale events). */
  readonly exitedIds: number[] = [];
  /** Timers armed, by id, with their deadline (from setTimer/cancelTimer effects and timer events). */
  readonly armed = new Map<number, number>();
  /** Every timer id ever armed (for stale events). */
  readonly timerIds: number[] = [];
  readonly #checks: ReadonlySet<Invariant>;
  readonly #groupConfigs: Map<string, GroupConfig>;
  /** A stop began or the supervisor gave up: no spawn may follow. */
  #noMoreSpawns = false;
  /** A `gaveUp` record was seen (the exit code must then be 1). */
  #sawGaveUp = false;
  #previousPhase: State["phase"] = "idle";
  /** Steps in a row at the same virtual time: a zero-delay loop never lets time move. */
  #sameTimeSteps = 0;
  #lastStepAt = -1;
  #shadow = new Map<number, ShadowWorker>();
  /** Invariant 9: consecutive crash restarts per `group/slot`, counted from records. */
  readonly #crashes = new Map<string, number>();
  /** Invariant 9: ready workers by id, with their slot and ready time. */
  readonly #readySince = new Map<number, { key: string; at: number }>();
  /** Invariant 9: crash restarts waiting for the next spawn of their slot. */
  readonly #pendingRestarts = new Map<string, { at: number; floorMs: number; attempt: number }>();
  /** Invariant 5: `group/slot` of temporary/transient groups where a worker finished for good. */
  readonly finished = new Set<string>();

  constructor(config: Config, options: WorldOptions = {}) {
    this.config = config;
    this.model = initialModel(config);
    this.#checks = new Set(options.checks ?? []);
    this.#groupConfigs = new Map(config.groups.map((group) => [group.name, group]));
    this.sim = new Simulation({ config, trace: options.trace ?? false });
    this.sim.onStep((observation) => this.#observe(observation));
    this.sim.start();
  }

  /** The core's current state. */
  get state(): State {
    return this.sim.state;
  }

  /** Ready workers per group (config order), by scan. */
  readyCounts(): number[] {
    const tallies = tally(this.state);
    return this.model.groups.map((name) => tallies.get(name)?.ready ?? 0);
  }

  /**
   * Per group (config order), the slots below `desired` whose holder is ready.
   *
   * @param desired Desired count per group.
   * @returns Slot indexes per group.
   */
  readySlots(desired: readonly number[]): number[][] {
    const { state } = this;
    return this.model.groups.map((name, index) => {
      const group = state.groups.get(name);
      if (group === undefined) return [];
      return group.slots.filter((slot) => slot.index < desired[index]! && slot.holder !== null && state.workers.get(slot.holder)?.phase === "ready").map((slot) => slot.index);
    });
  }

  /** A generous bound on the time the world needs to settle once faults stop. */
  quietBoundMs(): number {
    let cycle = 0;
    let slots = 0;
    for (const group of this.config.groups) {
      const readyMs = group.ready === "ipc" ? 51 : group.ready === "after" ? group.readyAfterMs + 1 : 1;
      const backoffMs = group.backoff.maxMs * (1 + group.backoff.jitter);
      cycle = Math.max(cycle, readyMs + group.readyTimeoutMs + group.killTimeoutMs + 2 * group.heartbeatTimeoutMs + backoffMs + 50);
      slots += Math.max(group.count, this.state.groups.get(group.name)?.slots.length ?? 0, 6);
    }
    return Math.ceil((2 * slots + this.model.spawnFailures + this.model.hangs + 4) * cycle);
  }

  /**
   * Let time pass (no faults) until the world has settled or the bound ran
   * out: every group at its desired count of ready workers of the latest
   * generation, the rollout finished; or, once stopped or given up, exited.
   *
   * @returns Whether it settled; `describe()` says how it did not.
   */
  settle(): boolean {
    const end = this.sim.now + this.quietBoundMs();
    while (this.sim.now < end) {
      if (this.settled()) return true;
      this.sim.advance(25);
    }
    return this.settled();
  }

  /** Whether the world has settled (see `settle`). */
  settled(): boolean {
    const { model, state } = this;
    if (!accepting(model)) return this.exits.length > 0;
    if (state.phase !== "running" || state.rollout !== null) return false;
    for (const [index, name] of model.groups.entries()) {
      const group = state.groups.get(name);
      if (group === undefined || group.slots.length !== model.desired[index]) return false;
      if (group.counts.starting > 0 || group.counts.stopping > 0) return false;
      for (const slot of group.slots) {
        if (this.#excluded(group.config, slot.index, slot.done)) continue;
        const holder = slot.holder === null ? undefined : state.workers.get(slot.holder);
        if (holder === undefined || holder.phase !== "ready" || holder.generation !== model.generation) return false;
      }
    }
    return true;
  }

  /** Graceful stop (unless one began or it gave up), then run until the core exits. */
  stopAndDrain(graceful = true): void {
    if (this.exits.length === 0 && accepting(this.model)) {
      this.model.stopBegan = true;
      this.sim.dispatch({ type: "stop", graceful });
    }
    this.sim.runToExit(this.quietBoundMs());
  }

  /** The state, one line per group, for failure messages. */
  describe(): string {
    const { state, model } = this;
    const lines = [`t=${this.sim.now} phase=${state.phase} generation=${state.generation} rollout=${JSON.stringify(state.rollout)} model=${JSON.stringify(model)}`];
    for (const group of state.groups.values()) {
      const slots = group.slots.map((slot) => {
        const worker = (id: number | null): string => {
          if (id === null) return "-";
          const w = state.workers.get(id);
          return w === undefined ? `?${id}` : `${id}:${w.phase}/g${w.generation}`;
        };
        const flags = [slot.retiring && "retiring", slot.done && "done", slot.rollPending && "rollPending", slot.backoffTimer && "backoff"].filter(Boolean).join(",");
        return `[${slot.index} ${worker(slot.holder)} succ=${worker(slot.successor)} crashes=${slot.crashes} ${flags}]`;
      });
      lines.push(`  ${group.config.name} count=${group.config.count} counts=${JSON.stringify(group.counts)} ${slots.join(" ")}`);
    }
    const extras = [...state.workers.values()].filter((w) => w.role === "extra").map((w) => `${w.id}:${w.group}/${w.slot}:${w.phase}`);
    if (extras.length > 0) lines.push(`  extras ${extras.join(" ")}`);
    return lines.join("\n");
  }

  #excluded(config: GroupConfig, slot: number, done: boolean): boolean {
    if (config.restart === "permanent") return false;
    return done || this.finished.has(`${config.name}/${slot}`);
  }

  // ------------------------------------------------------------ observing

  #observe(observation: StepObservation): void {
    const { at, event, effects, state } = observation;
    this.lastEffects = effects;
    const records: SupervisorRecord[] = [];
    for (const effect of effects) if (effect.type === "emit") records.push(effect.record);
    const where = (): string => `at t=${at} on ${JSON.stringify(event)}\n${this.describe()}`;
    this.#sameTimeSteps = at === this.#lastStepAt ? this.#sameTimeSteps + 1 : 0;
    this.#lastStepAt = at;
    if (this.#sameTimeSteps >= MAX_STEPS_AT_ONE_TIME) {
      assert.fail(`livelock: ${MAX_STEPS_AT_ONE_TIME} steps in a row at t=${at}, the last on ${JSON.stringify(event)} giving ${JSON.stringify(effects)}\n${this.describe()}`);
    }

    if (event.type === "timer") this.armed.delete(event.id);
    this.#checkSpawnsAndExit(observation, where);
    for (const effect of effects) {
      if (effect.type === "setTimer") {
        this.armed.set(effect.id, effect.at);
        this.timerIds.push(effect.id);
      } else if (effect.type === "cancelTimer") {
        this.armed.delete(effect.id);
      }
    }
    for (const record of records) if (record.type === "exited") this.exitedIds.push(record.id);

    const checks = this.#checks;
    if (checks.has(1)) this.#checkLiveWorkers(state, where);
    if (checks.has(2)) this.#checkReadyFloor(state, where);
    if (checks.has(3)) this.#checkDeadlines(state, at, where);
    if (checks.has(6)) this.#checkIntensity(records, at, where);
    if (checks.has(9)) this.#checkBackoff(records, state, at, where);
    this.#markFinished(records);

    for (const record of records) {
      if (record.type === "gaveUp") this.model.gaveUp = true;
      if (record.type === "rolloutFinished" || record.type === "gaveUp" || record.type === "stopRequested") this.model.rollout = null;
    }
    if (checks.has(6)) this.#updateShadow(state);
    this.#previousPhase = state.phase;
  }

  /** Invariant 4: no spawn once a stop began or it gave up; one exit, only with no worker left. */
  #checkSpawnsAndExit(observation: StepObservation, where: () => string): void {
    const check = this.#checks.has(4);
    const { state, effects } = observation;
    for (const effect of effects) {
      if (effect.type === "emit" && (effect.record.type === "stopRequested" || effect.record.type === "gaveUp")) this.#noMoreSpawns = true;
      if (effect.type === "emit" && effect.record.type === "gaveUp") this.#sawGaveUp = true;
      if (check && effect.type === "spawn") {
        expect(!this.#noMoreSpawns, () => `invariant 4: spawn of worker ${effect.spec.id} after the stop began or the supervisor gave up ${where()}`);
      }
      if (effect.type !== "exit") continue;
      this.exits.push({ at: observation.at, code: effect.code });
      if (!check) continue;
      expectEqual(this.exits.length, 1, () => `invariant 4: exit emitted ${this.exits.length} times ${where()}`);
      expect(this.#noMoreSpawns, () => `invariant 4: exit while no stop began and the supervisor had not given up ${where()}`);
      expectEqual(state.workers.size, 0, () => `invariant 4: exit with ${state.workers.size} workers left ${where()}`);
      expectDeepEqual(this.sim.livePids(), [], () => `invariant 4: exit with live processes ${where()}`);
      expectEqual(effect.code, this.#sawGaveUp ? 1 : 0, () => `invariant 4/6: exit code ${effect.code} (gave up: ${this.#sawGaveUp}) ${where()}`);
    }
  }

  /** Invariant 1: live <= slots + maxSurge, and <= desired + maxSurge with no scale-down draining. */
  #checkLiveWorkers(state: State, where: () => string): void {
    const tallies = tally(state);
    for (const [name, group] of state.groups) {
      const counted = tallies.get(name) ?? { starting: 0, ready: 0, stopping: 0, extras: 0 };
      expectDeepEqual(group.counts, counted, () => `invariant 1: group ${name}'s counters disagree with a scan of its workers ${where()}`);
      const live = counted.starting + counted.ready + counted.stopping;
      const surge = group.config.maxSurge;
      expect(live <= group.slots.length + surge, () => `invariant 1: group ${name} has ${live} live workers > ${group.slots.length} slots + maxSurge ${surge} ${where()}`);
      const index = this.model.groups.indexOf(name);
      if (state.phase !== "running" || index === -1) continue;
      const desired = this.model.desired[index]!;
      expectEqual(group.config.count, desired, () => `invariant 1: group ${name} wants ${group.config.count} workers, the model ${desired} ${where()}`);
      const draining = group.removed || group.slots.some((slot) => slot.retiring);
      if (draining) continue;
      expect(live <= desired + surge, () => `invariant 1: group ${name} has ${live} live workers > desired ${desired} + maxSurge ${surge} ${where()}`);
    }
  }

  /** Invariant 2: with no fault, a rollout never takes a group's ready count below its floor. */
  #checkReadyFloor(state: State, where: () => string): void {
    const { model } = this;
    if (model.rollout === null || model.faulted || state.phase !== "running") return;
    const ready = this.readyCounts();
    for (const [index, name] of model.groups.entries()) {
      const floor = readyFloor(model, index);
      expect(ready[index]! >= floor, () => `invariant 2: group ${name} has ${ready[index]} ready workers during a rollout, below its floor ${floor} ${where()}`);
    }
  }

  /** Invariant 3: boot and kill deadlines armed, and state.timers, worker/slot timers and the driver's timers agree. */
  #checkDeadlines(state: State, now: number, where: () => string): void {
    // Plain ifs, no message closures: this runs at every step of every run.
    if (state.timers.size !== this.armed.size) this.#timersDiffer(state, where);
    for (const [id, at] of this.armed) {
      if (!state.timers.has(id)) this.#timersDiffer(state, where);
      if (at < now) assert.fail(`invariant 3: timer ${id} armed for t=${at}, in the past ${where()}`);
    }
    for (const [id, purpose] of state.timers) {
      if (purpose.kind === "backoff") {
        const slot = state.groups.get(purpose.group)?.slots[purpose.slot];
        if (slot?.backoffTimer !== id) assert.fail(`invariant 3: backoff timer ${id} of ${purpose.group}/${purpose.slot} is not its slot's (${slot?.backoffTimer}) ${where()}`);
      } else if (timerOf(state.workers.get(purpose.worker), purpose.kind) !== id) {
        assert.fail(`invariant 3: ${purpose.kind} timer ${id} is not worker ${purpose.worker}'s ${where()}`);
      } else if (purpose.ref !== state.workers.get(purpose.worker)) {
        assert.fail(`invariant 3: ${purpose.kind} timer ${id} of worker ${purpose.worker} refers to another worker object ${where()}`);
      }
    }
    for (const group of state.groups.values()) {
      for (const slot of group.slots) {
        if (slot.backoffTimer === null) continue;
        const purpose = state.timers.get(slot.backoffTimer);
        if (purpose?.kind !== "backoff" || purpose.group !== group.config.name || purpose.slot !== slot.index) {
          assert.fail(`invariant 3: ${group.config.name}/${slot.index}'s backoff timer ${slot.backoffTimer} is not armed ${where()}`);
        }
      }
    }
    for (const worker of state.workers.values()) {
      for (const kind of TIMER_KINDS) {
        const id = worker[`${kind}Timer` as const];
        if (id === null) continue;
        const purpose = state.timers.get(id);
        if (purpose === undefined || purpose.kind !== kind || !("worker" in purpose) || purpose.worker !== worker.id) {
          assert.fail(`invariant 3: worker ${worker.id}'s ${kind} timer ${id} is not armed ${where()}`);
        }
      }
      const config = state.groups.get(worker.group)!.config;
      if (worker.phase === "starting") {
        if (worker.bootTimer === null) assert.fail(`invariant 3: starting worker ${worker.id} has no boot deadline ${where()}`);
        const at = this.armed.get(worker.bootTimer);
        if (at !== worker.startedAt + config.readyTimeoutMs) assert.fail(`invariant 3: worker ${worker.id}'s boot deadline t=${at} is not readyTimeoutMs after its start ${where()}`);
        if (config.ready === "after" && worker.pid !== null && worker.afterTimer === null) assert.fail(`invariant 3: started worker ${worker.id} (ready: after) has no after timer ${where()}`);
      } else if (worker.phase === "stopping") {
        if (worker.killTimer === null) assert.fail(`invariant 3: stopping worker ${worker.id} has no kill deadline ${where()}`);
      } else if (worker.phase === "ready" && config.ready === "ipc" && config.heartbeatTimeoutMs > 0 && worker.liveTimer === null) {
        assert.fail(`invariant 3: ready worker ${worker.id} has no heartbeat deadline ${where()}`);
      }
    }
  }

  #timersDiffer(state: State, where: () => string): never {
    assert.fail(`invariant 3: the core's timers [${[...state.timers.keys()].sort()}] differ from those the driver was asked to arm [${[...this.armed.keys()].sort()}] ${where()}`);
  }


  /**
   * Invariant 6: at most maxRestarts crash restarts in any window of periodMs;
   * a crash that must be restarted is, unless that would exceed it, and then
   * the supervisor gives up.
   */
  #checkIntensity(records: readonly SupervisorRecord[], now: number, where: () => string): void {
    const { maxRestarts, periodMs } = this.config;
    const restarts = records.filter((r) => r.type === "restarting");
    const gaveUp = records.some((r) => r.type === "gaveUp");
    const exited = records.find((r) => r.type === "exited");
    const inWindow = this.restartTimes.filter((t) => t > now - periodMs).length;
    let expected: "restart" | "giveUp" | "nothing" = "nothing";
    if (exited !== undefined && this.#previousPhase === "running") {
      const worker = this.#shadow.get(exited.id);
      expect(worker !== undefined, () => `invariant 6: worker ${exited.id} exited but was not known before ${where()}`);
      const planned = !UNPLANNED.has(worker.stopReason);
      expectEqual(exited.planned, planned, () => `invariant 6: worker ${exited.id} (stop reason ${worker.stopReason}) exited with planned=${exited.planned} ${where()}`);
      const restart = this.#groupConfigs.get(worker.group)!.restart;
      const abnormal = exited.code !== 0 || exited.signal !== null || worker.stopReason !== null;
      const restartable = restart === "permanent" || (restart === "transient" && abnormal);
      const takenOver = worker.holder && worker.slotHasSuccessor;
      if (!planned && (worker.holder || worker.successor) && !worker.slotRetiring && !worker.groupRemoved && restartable && !takenOver) {
        expected = inWindow >= maxRestarts ? "giveUp" : "restart";
      }
    }
    const seen = gaveUp ? "giveUp" : restarts.length > 0 ? "restart" : "nothing";
    expect(restarts.length <= 1 && !(gaveUp && restarts.length > 0), () => `invariant 6: ${restarts.length} restarts${gaveUp ? " and gave up" : ""} in one step ${where()}`);
    expectEqual(seen, expected, () => `invariant 6: expected ${expected} (${inWindow} restarts in the last ${periodMs} ms, maxRestarts ${maxRestarts}), saw ${seen} ${where()}`);
    for (const record of restarts) {
      this.restartTimes.push(record.at);
      const count = this.restartTimes.filter((t) => t > record.at - periodMs).length;
      expect(count <= maxRestarts, () => `invariant 6: ${count} restarts within ${periodMs} ms > maxRestarts ${maxRestarts} ${where()}`);
    }
    if (this.model.gaveUp || gaveUp) expectEqual(this.state.phase, "failed", () => `invariant 6: gave up but phase is ${this.state.phase} ${where()}`);
  }

  #updateShadow(state: State): void {
    const shadow = new Map<number, ShadowWorker>();
    for (const worker of state.workers.values()) {
      const group = state.groups.get(worker.group)!;
      const slot = group.slots[worker.slot];
      shadow.set(worker.id, {
        group: worker.group,
        slot: worker.slot,
        stopReason: worker.stopReason,
        holder: slot?.holder === worker.id,
        successor: slot?.successor === worker.id,
        slotHasSuccessor: slot !== undefined && slot.successor !== null,
        slotRetiring: slot === undefined || slot.retiring,
        groupRemoved: group.removed,
      });
    }
    this.#shadow = shadow;
  }

  /**
   * Invariant 9: the k-th consecutive crash restart of a slot waits at least
   * backoffFloorMs(k), by its record and by the time to the slot's next spawn.
   * k is counted from records: restarts since a worker of the slot was seen
   * ready for minUptimeMs (seen at any step, so k never exceeds the core's).
   */
  #checkBackoff(records: readonly SupervisorRecord[], state: State, now: number, where: () => string): void {
    for (const [, ready] of this.#readySince) {
      const minUptime = this.#groupConfigs.get(ready.key.slice(0, ready.key.indexOf("/")))!.minUptimeMs;
      if (now - ready.at >= minUptime) this.#crashes.delete(ready.key);
    }
    for (const record of records) {
      if (record.type === "ready") this.#readySince.set(record.id, { key: `${record.group}/${record.slot}`, at: record.at });
      else if (record.type === "stopping" || record.type === "exited") this.#readySince.delete(record.id);
      else if (record.type === "restarting") {
        const key = `${record.group}/${record.slot}`;
        const backoff = this.#groupConfigs.get(record.group)!.backoff;
        const attempt = (this.#crashes.get(key) ?? 0) + 1;
        this.#crashes.set(key, attempt);
        const floorMs = backoffFloorMs(backoff, attempt);
        expect(record.attempt >= attempt, () => `invariant 9: ${key} restart recorded as attempt ${record.attempt}, but it is at least the ${attempt}th consecutive one ${where()}`);
        expect(record.inMs >= floorMs, () => `invariant 9: ${key}'s restart #${attempt} waits ${record.inMs} ms < backoff floor ${floorMs} ms ${where()}`);
        expect(record.inMs <= backoffFloorMs(backoff, record.attempt) * (1 + backoff.jitter), () => `invariant 9: ${key}'s restart waits ${record.inMs} ms, beyond floor plus jitter ${where()}`);
        // The latest restart governs the slot's next spawn (a holder's crash
        // supersedes a successor's pending restart, after an uptime reset too).
        this.#pendingRestarts.set(key, { at: record.at, floorMs, attempt });
      } else if (record.type === "spawning") {
        const key = `${record.group}/${record.slot}`;
        const pending = this.#pendingRestarts.get(key);
        if (pending === undefined) continue;
        expect(record.at - pending.at >= pending.floorMs, () => `invariant 9: ${key} respawned ${record.at - pending.at} ms after its restart #${pending.attempt}, < backoff floor ${pending.floorMs} ms ${where()}`);
        this.#pendingRestarts.delete(key);
      }
    }
    // A scale-down cancels a pending restart (the refill on scale-up is not a
    // crash restart); a dropped slot comes back as a new slot, with no crashes.
    for (const [name, group] of state.groups) {
      for (const slot of group.slots) if (slot.retiring) this.#pendingRestarts.delete(`${name}/${slot.index}`);
      for (const key of [...this.#crashes.keys(), ...this.#pendingRestarts.keys()]) {
        const [keyGroup, keySlot] = key.split("/");
        if (keyGroup === name && Number(keySlot) >= group.slots.length) {
          this.#crashes.delete(key);
          this.#pendingRestarts.delete(key);
        }
      }
    }
  }

  /** Invariant 5: note slots of temporary/transient groups where a worker finished and was not restarted. */
  #markFinished(records: readonly SupervisorRecord[]): void {
    const exited = records.find((r) => r.type === "exited");
    if (exited === undefined || records.some((r) => r.type === "restarting")) return;
    if (this.#groupConfigs.get(exited.group)?.restart === "permanent" || exited.planned) return;
    this.finished.add(`${exited.group}/${exited.slot}`);
  }
}

/** Live workers per group and phase, and extras, by scanning every worker. */
function tally(state: State): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  for (const worker of state.workers.values()) {
    let counts = tallies.get(worker.group);
    if (counts === undefined) {
      counts = { starting: 0, ready: 0, stopping: 0, extras: 0 };
      tallies.set(worker.group, counts);
    }
    if (worker.phase !== "exited") counts[worker.phase] += 1;
    if (worker.role !== "holder") counts.extras += 1;
  }
  for (const name of state.groups.keys()) if (!tallies.has(name)) tallies.set(name, { starting: 0, ready: 0, stopping: 0, extras: 0 });
  return tallies;
}

/**
 * A state as JSON, Maps as entry lists, for byte-for-byte comparison.
 *
 * @param state Any state.
 * @returns Its JSON.
 */
export function serialize(state: State): string {
  // Its Maps sit at the top level; no replacer function keeps this fast.
  return JSON.stringify({ ...state, groups: [...state.groups], workers: [...state.workers], timers: [...state.timers] });
}

/** Fail with a message built only on failure (messages describe the whole state). */
function expect(ok: boolean, message: () => string): asserts ok {
  if (!ok) assert.fail(message());
}

function expectEqual<T>(actual: T, expected: T, message: () => string): void {
  if (!Object.is(actual, expected)) assert.fail(`${message()}\nactual: ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`);
}

function expectDeepEqual<T>(actual: T, expected: T, message: () => string): void {
  try {
    assert.deepEqual(actual, expected);
  } catch {
    assert.fail(`${message()}\nactual: ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`);
  }
}
