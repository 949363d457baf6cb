/**
 * The core as a reference model: replay a supervisor's records through the
 * pure core (`src/core/step.ts`) and report the first place where what the
 * supervisor did differs from what the core would have done, plus the
 * architecture's invariants on every replayed state.
 *
 * Records are outputs; the replay recovers the inputs that explain them:
 * - facts name their event: `spawned`, `spawnFailed`, `ready` (ipc
 *   groups), `exited`, `stopRequested`;
 * - requests are found by their own record later in the same step (a
 *   step's records share one `at`): `scaled` for a scale, `rolloutStarted`
 *   for a reload or a restart (every target that exists is tried);
 * - timers the replayed core armed fire on demand: a pending boot, after,
 *   kill, backoff or liveness timer due by the record's `at` is tried when
 *   the facts do not explain it (a real timer never fires early, so one that
 *   would have to is a divergence);
 * - silent timers (`uptime`, which only resets a slot's crash count, or a
 *   backoff that finds its slot refilled) fire when due; near the boundary
 *   both orders are tried;
 * - heartbeats leave no record and need none: a liveness timer is only
 *   fired to explain a `killing` record for a hang.
 * A step is accepted when it emits exactly the next observed records
 * (`ignored` records, for stale events, are left out on both sides).
 *
 * @module
 */

import { cloneState, initialState, step } from "../src/core/step.ts";
import type { Config, Effect, Event, State, SupervisorRecord } from "../src/core/types.ts";

/** Options of `replayRecords`. */
export interface ReplayOptions {
  /** The config the supervisor started with. */
  readonly config: Config;
  /** Its records, in order, with their `at`. */
  readonly records: readonly SupervisorRecord[];
  /** The config a reload carries (the CLI re-reads its file); undefined for a reload without one. @default undefined */
  readonly reloadConfig?: Config;
  /** How late a real timer may fire before its silence is a divergence. @default 5_000 */
  readonly lateMs?: number;
}

/** Where the supervisor and the reference model parted. */
export interface Divergence {
  /** Index in the records (without `ignored` ones). */
  readonly index: number;
  readonly observed: SupervisorRecord;
  /** What the model did instead, for the first candidate tried; empty when nothing explains the record. */
  readonly expected: readonly SupervisorRecord[];
  readonly message: string;
}

/** What `replayRecords` returns. */
export interface ReplayResult {
  /** Core steps replayed. */
  readonly steps: number;
  /** Records explained. */
  readonly matched: number;
  readonly divergence: Divergence | null;
  /** Invariant violations on replayed states, each one line. */
  readonly violations: readonly string[];
  /** The model's state after the last explained record. */
  readonly state: State;
}

/** Timers that may fire without a record: a slot's uptime, a backoff whose slot was meanwhile refilled or retired. */
const SILENT_KINDS = new Set(["uptime", "backoff"]);
const FACTS = new Set(["started", "spawned", "spawnFailed", "exited", "stopRequested"]);
const OVERDUE_KINDS = new Set(["boot", "after", "kill", "backoff"]);

/**
 * Replays records through the core.
 *
 * @param options The config, the records and the reload config.
 * @returns Steps, the first divergence (or null) and invariant violations.
 *
 * @example A simulated run replays exactly
 * ```ts
 * import { simulate } from "../adapters/memory.ts";
 * import { validateConfig } from "../src/core/config.ts";
 * import { recordsOfTrace, replayRecords } from "./replay.ts";
 * const checked = validateConfig({ groups: [{ name: "web", command: ["app"], count: 2, ready: "ipc" }], maxRestarts: 100 });
 * if (!checked.ok) throw new Error("bad config");
 * const { trace } = simulate({ seed: 1, config: checked.config });
 * console.log(replayRecords({ config: checked.config, records: recordsOfTrace(trace) }).divergence); // null
 * ```
 */
export function replayRecords(options: ReplayOptions): ReplayResult {
  const lateMs = options.lateMs ?? 5_000;
  const observed = options.records.filter((r) => r.type !== "ignored");
  let model: Model = { state: initialState(options.config), due: new Map(), steps: 0, exits: 0, violations: [] };
  let index = 0;

  const matches = (records: readonly SupervisorRecord[], at: number): boolean =>
    records.length > 0 && records.every((record, k) => observed[at + k] !== undefined && sameRecord(record, observed[at + k]!));
  /** Fires silent timers due in (after, now], in due order. */
  const fireSilent = (from: Model, now: number, after: number): Model => {
    let current = from;
    const ready = [...from.due].filter(([id, at]) => at <= now && at > after && SILENT_KINDS.has(from.state.timers.get(id)?.kind ?? "")).sort((a, b) => a[1] - b[1]);
    for (const [id, at] of ready) {
      const result = attempt(current, { type: "timer", id }, at);
      if (result !== null && result.records.length === 0) current = result.model;
    }
    return current;
  };
  const finish = (divergence: Divergence | null): ReplayResult =>
    ({ steps: model.steps, matched: index, divergence, violations: model.violations, state: model.state });

  /** Every explanation of the record at `at` in `from`, best first; a string when there is none. */
  const explain = (from: Model, at: number): { model: Model; records: readonly SupervisorRecord[] }[] | Divergence => {
    const record = observed[at]!;
    if (record.type === "reloadRejected" || record.type === "rejected") return [{ model: from, records: [record] }]; // the core changes nothing
    const overdue = [...from.due].find(([id, due]) => due < record.at - lateMs && OVERDUE_KINDS.has(from.state.timers.get(id)?.kind ?? ""));
    if (overdue !== undefined) {
      const purpose = from.state.timers.get(overdue[0])!;
      return { index: at, observed: record, expected: [], message: `the ${purpose.kind} timer ${overdue[0]} was due at ${round(overdue[1])} ms but nothing acted on it by ${round(record.at)} ms` };
    }
    const early = fireSilent(from, record.at - lateMs, Number.NEGATIVE_INFINITY);
    const late = fireSilent(early, record.at, record.at - lateMs);
    const found: { model: Model; records: SupervisorRecord[] }[] = [];
    let firstTry: SupervisorRecord[] | null = null;
    for (const base of late === early ? [early] : [late, early]) {
      for (const event of candidates(base, record, observed, at, options.reloadConfig)) {
        const result = attempt(base, event, record.at);
        if (result === null) continue;
        firstTry ??= result.records;
        if (matches(result.records, at)) found.push(result);
      }
      // A fact opening a step names its event: no need to look further.
      if (found.length > 0 && FACTS.has(record.type)) break;
    }
    if (found.length === 0) {
      return { index: at, observed: record, expected: firstTry ?? [], message: `no event the core accepts explains ${record.type} at ${round(record.at)} ms` };
    }
    // Steps may share an `at`: the explanation covering the most records is tried first.
    return found.sort((a, b) => b.records.length - a.records.length);
  };

  // Depth-first with backtracking: two requests can explain the same records
  // (a restart of a group or of a slot) and only a later record tells them apart.
  const stack: { at: number; options: { model: Model; records: readonly SupervisorRecord[] }[] }[] = [];
  let furthest: Divergence | null = null;
  let budget = 2_000;
  for (;;) {
    if (index >= observed.length) return finish(null);
    const options = explain(model, index);
    if (!Array.isArray(options)) {
      if (furthest === null || options.index >= furthest.index) furthest = options;
      let resumed = false;
      while (stack.length > 0 && budget-- > 0) {
        const frame = stack[stack.length - 1]!;
        const next = frame.options.shift();
        if (next === undefined) {
          stack.pop();
          continue;
        }
        model = next.model;
        index = frame.at + next.records.length;
        resumed = true;
        break;
      }
      if (!resumed) return finish(furthest);
      continue;
    }
    const first = options.shift()!;
    if (options.length > 0) stack.push({ at: index, options });
    model = first.model;
    index += first.records.length;
  }
}

/** The replayed world: the core's state, the due time of each timer it armed, and what was found so far. */
interface Model {
  readonly state: State;
  readonly due: Map<number, number>;
  readonly steps: number;
  readonly exits: number;
  readonly violations: readonly string[];
}

/** One step on a copy of `from`; null when the core refuses the event there. */
function attempt(from: Model, event: Event, now: number): { model: Model; records: SupervisorRecord[] } | null {
  let result;
  try {
    result = step(cloneState(from.state), event, now);
  } catch {
    return null;
  }
  const due = new Map(from.due);
  if (event.type === "timer") due.delete(event.id);
  const violations = [...from.violations];
  let exits = from.exits;
  const stopBegun = from.state.phase !== "idle" && from.state.phase !== "running";
  const records: SupervisorRecord[] = [];
  for (const effect of result.effects) {
    if (effect.type === "emit" && effect.record.type !== "ignored") records.push(effect.record);
    else if (effect.type === "setTimer") due.set(effect.id, effect.at);
    else if (effect.type === "cancelTimer") due.delete(effect.id);
    else if (effect.type === "spawn" && stopBegun) violations.push(`invariant 4: spawn of worker ${effect.spec.id} after the stop began`);
    else if (effect.type === "exit") {
      exits += 1;
      if (exits > 1) violations.push("invariant 4: exit emitted twice");
      if (result.state.workers.size > 0) violations.push(`invariant 4: exit with ${result.state.workers.size} workers left`);
    }
  }
  checkState(result.state, violations);
  return { model: { state: result.state, due, steps: from.steps + 1, exits, violations }, records };
}

/** The events that could have produced `record`, most likely first. */
function candidates(
  model: Model,
  record: SupervisorRecord,
  observed: readonly SupervisorRecord[],
  index: number,
  reloadConfig: Config | undefined,
): Event[] {
  const { state, due } = model;
  const out: Event[] = [];
  switch (record.type) {
    case "started":
      out.push({ type: "start" });
      break;
    case "spawned":
      out.push({ type: "spawned", id: record.id, pid: record.pid });
      break;
    case "spawnFailed":
      out.push({ type: "spawnFailed", id: record.id, error: record.error });
      break;
    case "exited":
      out.push({ type: "exited", id: record.id, code: record.code, signal: record.signal });
      break;
    case "stopRequested":
      out.push({ type: "stop", graceful: record.graceful });
      break;
    case "ready":
      if (readyByIpc(state, record.id)) out.push({ type: "ready", id: record.id });
      break;
  }
  const kind = timerKindFor(record);
  if (kind !== null) {
    const timers = [...due].filter(([id, at]) => {
      const purpose = state.timers.get(id);
      return at <= record.at && purpose?.kind === kind && (kind === "backoff" || (purpose as { worker: number }).worker === (record as { id: number }).id);
    });
    for (const [id] of timers.sort((a, b) => a[1] - b[1])) out.push({ type: "timer", id });
  }
  // Requests whose first record is not their own: found later in the same step.
  for (let j = index; j < observed.length && observed[j]!.at === record.at; j++) {
    const later = observed[j]!;
    if (later.type === "scaled") out.push({ type: "scale", group: later.group, count: later.to });
    else if (later.type === "rolloutStarted" && later.reason === "reload") out.push(reloadConfig === undefined ? { type: "reload" } : { type: "reload", config: reloadConfig });
    else if (later.type === "stopRequested") out.push({ type: "stop", graceful: later.graceful });
    else if (later.type === "rolloutStarted" && later.reason === "restart") {
      // The record does not name the target: every target that exists.
      out.push({ type: "restart", target: { scope: "all" } });
      for (const group of state.groups.values()) {
        out.push({ type: "restart", target: { scope: "group", group: group.config.name } });
        for (const slot of group.slots) out.push({ type: "restart", target: { scope: "slot", group: group.config.name, slot: slot.index } });
      }
    }
  }
  return out;
}

/** Whether worker `id` reports ready over IPC (else a timer makes it ready). */
function readyByIpc(state: State, id: number): boolean {
  const worker = state.workers.get(id);
  return worker !== undefined && state.groups.get(worker.group)?.config.ready === "ipc";
}

/** The kind of timer whose step opens with `record`, if any. */
function timerKindFor(record: SupervisorRecord): "boot" | "after" | "kill" | "backoff" | "live" | null {
  if (record.type === "spawning") return "backoff";
  if (record.type === "ready") return "after";
  if (record.type !== "killing") return null;
  return record.reason === "bootTimeout" ? "boot" : record.reason === "hang" ? "live" : record.reason === "killTimeout" ? "kill" : null;
}

/** Invariants 1 and 3 on one state. */
function checkState(state: State, violations: string[]): void {
  for (const group of state.groups.values()) {
    const live = group.counts.starting + group.counts.ready + group.counts.stopping;
    if (live > group.slots.length + group.config.maxSurge) {
      violations.push(`invariant 1: group ${group.config.name} has ${live} live workers for ${group.slots.length} slots + maxSurge ${group.config.maxSurge}`);
    }
  }
  for (const worker of state.workers.values()) {
    if (worker.phase === "starting" && worker.bootTimer === null) violations.push(`invariant 3: starting worker ${worker.id} has no ready deadline`);
    if (worker.phase === "stopping" && worker.killTimer === null) violations.push(`invariant 3: stopping worker ${worker.id} has no kill deadline`);
  }
}

/**
 * The records of a simulator trace (`adapters/memory.ts`), in order.
 *
 * @param trace A `simulate()` or `Simulation` trace.
 * @returns Every emitted record.
 *
 * @example
 * ```ts
 * import { simulate } from "../adapters/memory.ts";
 * import { recordsOfTrace } from "./replay.ts";
 * const { trace } = simulate({ seed: 3, config: { groups: [{ name: "web", command: ["app"] }] } });
 * console.log(recordsOfTrace(trace)[0]!.type); // "started"
 * ```
 */
export function recordsOfTrace(trace: readonly { readonly kind: string; readonly effect?: Effect }[]): SupervisorRecord[] {
  return trace.flatMap((line) => (line.kind === "effect" && line.effect!.type === "emit" ? [line.effect!.record] : []));
}

/** Field-by-field equality, so records parsed from a log compare equal to the core's whatever their key order. */
function sameRecord(a: SupervisorRecord, b: SupervisorRecord): boolean {
  if (a.type !== b.type) return false;
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    const x = left[key];
    const y = right[key];
    if (x === y) continue;
    // Only `started.groups` and `reloadRejected.problems` nest, and keep their key order.
    if (typeof x !== "object" || x === null || typeof y !== "object" || y === null || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

function round(ms: number): number {
  return Math.round(ms);
}
