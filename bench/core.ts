/**
 * Throughput of the pure core: events per second through `step` for 10 to
 * 10,000 workers, printed as a markdown table.
 *
 * A workload is recorded first in the virtual-time simulator
 * (`adapters/memory.ts`): every worker heartbeats at the interval its spawn
 * spec asks for (mostly heartbeats, then), liveness and uptime timers fire
 * as they come due, and about one event in a hundred is followed by a crash,
 * which the core answers with spawn -> spawned -> ready (and, for a slot
 * that crashed recently, a backoff timer). The core is deterministic, so replaying the recorded
 * events against a copy of the steady-state snapshot reproduces the same
 * run; only that replay is timed, so the driver's own cost is not measured.
 *
 * The recording is cut into 6 consecutive rounds replayed on one state: the
 * first warms up (and lets the copied state settle in the old generation,
 * as a supervisor's long-lived state would), the median of the other 5 is
 * reported.
 *
 * Recording leaves the simulator's garbage behind: hundreds of MB of
 * events, agenda entries and worker scripts. Where the runtime lets a
 * script ask for a full collection (Node and Deno with `--expose-gc`, Bun
 * always), it is asked for after recording and before the warm-up round, so
 * the timed rounds run on a heap holding the workload and the state, as a
 * supervisor's heap holds its state. Without it, the workers the core
 * allocates while repairing crashes land in the holes of that garbage, and
 * the 10,000-worker row cost about a third more; the footnote says which
 * way a run went.
 *
 * Rows run one after another, each with only its own workload in memory.
 * Recording every row first and interleaving their rounds was tried: with
 * all the recorded events alive each young-generation collection took about
 * three times as long, which adds the same GC time to every row and hides
 * part of the difference between them.
 *
 * Run:
 *   node_modules/.bin/deno run -A --v8-flags=--expose-gc bench/core.ts
 *   node_modules/.bin/bun bench/core.ts
 *   npm run build:test && node --expose-gc .build/bench/core.js
 *
 * @module
 */

import { Simulation } from "../adapters/memory.ts";
import { validateConfig } from "../src/core/config.ts";
import { randomSource } from "../src/core/prng.ts";
import { cloneState, step } from "../src/core/step.ts";
import type { Config, Event, State } from "../src/core/types.ts";

/** Events per round; each row records a warm-up round and `ROUNDS` timed ones. */
const EVENTS = 300_000;
const ROUNDS = 5;
/** Chance that an event is followed by the crash of a random live worker (the simulator boots each in 51 ms). */
const CRASH_RATE = 0.01;

/** One row of the table: how many workers, in how many groups. */
interface Layout {
  readonly workers: number;
  readonly groups: number;
}

const LAYOUTS: readonly Layout[] = [
  { workers: 10, groups: 1 },
  { workers: 100, groups: 1 },
  { workers: 1_000, groups: 1 },
  { workers: 10_000, groups: 1 },
  { workers: 10_000, groups: 10 },
];

/** An event the core saw, and when. */
interface Timed {
  readonly at: number;
  readonly event: Event;
}

/** A recorded workload: the steady state it starts from and the rounds of events after it. */
interface Workload {
  readonly snapshot: State;
  readonly rounds: readonly (readonly Timed[])[];
}

/** One measured row. */
interface Row {
  readonly label: string;
  readonly events: number;
  /** Median of the timed rounds. */
  readonly seconds: number;
  /** Fastest and slowest timed round. */
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

// -------------------------------------------------------------- workload

function configFor(layout: Layout): Config {
  const perGroup = layout.workers / layout.groups;
  const result = validateConfig({
    maxRestarts: 1_000_000,
    periodMs: 60_000,
    groups: Array.from({ length: layout.groups }, (_, index) => ({
      name: `g${index}`,
      command: ["app"],
      count: perGroup,
      ready: "ipc",
      heartbeatTimeoutMs: 3000,
    })),
  });
  if (!result.ok) throw new Error(`bench config: ${JSON.stringify(result.problems)}`);
  return result.config;
}

/** Bring every worker up, snapshot the steady state, then record the rounds of the mix. */
function record(layout: Layout): Workload {
  const simulation = new Simulation({ config: configFor(layout), trace: false });
  const stream: Timed[] = [];
  simulation.onStep(({ at, event }) => stream.push({ at, event }));
  simulation.start();
  while (readyCount(simulation.state) < layout.workers) simulation.advance(10);
  const snapshot = cloneState(simulation.state);
  stream.length = 0;
  const draw = randomSource(42);
  const wanted = EVENTS * (ROUNDS + 1);
  while (stream.length < wanted) {
    const before = stream.length;
    simulation.advance(1);
    for (let i = before; i < stream.length; i++) {
      if (draw() < CRASH_RATE) simulation.crash(Math.floor(draw() * layout.workers), 1);
    }
  }
  // The stream is cut into rounds replayed back to back, so nothing is lost at a cut.
  const rounds = Array.from({ length: ROUNDS + 1 }, (_, round) => stream.slice(round * EVENTS, (round + 1) * EVENTS));
  return { snapshot, rounds };
}

function readyCount(state: State): number {
  let ready = 0;
  for (const group of state.groups.values()) ready += group.counts.ready;
  return ready;
}

// ------------------------------------------------------------ measuring

/** A full garbage collection, if the runtime gives scripts one; null if not. */
function fullCollection(): (() => void) | null {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return () => bun.gc(true);
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? () => gc() : null;
}

/** Replay one round on `state`; returns the state after it and the seconds it took. */
function replay(state: State, events: readonly Timed[]): { state: State; seconds: number } {
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const timed = events[i]!;
    state = step(state, timed.event, timed.at).state;
  }
  return { state, seconds: (performance.now() - t0) / 1000 };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(layout: Layout, workload: Workload): Row {
  const [warmUp, ...timed] = workload.rounds;
  let state = replay(cloneState(workload.snapshot), warmUp!).state;
  const seconds = timed.map((events) => {
    const result = replay(state, events);
    state = result.state;
    return result.seconds;
  });
  const label = layout.groups === 1 ? `${layout.workers}` : `${layout.workers} (${layout.groups} groups)`;
  return { label, events: EVENTS, seconds: median(seconds), minSeconds: Math.min(...seconds), maxSeconds: Math.max(...seconds) };
}

/** How a round's events divide by type, for the table's footnote. */
function mixOf(events: readonly Timed[]): string {
  const counts = new Map<string, number>();
  for (const { event } of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  const total = events.length;
  return [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${((100 * n) / total).toFixed(1)}%`).join(", ");
}

function table(rows: readonly Row[]): string {
  const base = rows[0]!.seconds / rows[0]!.events;
  const lines = ["| workers | events | seconds | events/s | ns/event | ns/event of the rounds (min-max) | ratio vs 10 workers |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"];
  const ns = (seconds: number, row: Row): string => ((seconds / row.events) * 1e9).toFixed(1);
  for (const row of rows) {
    const perEvent = row.seconds / row.events;
    const rate = Math.round(row.events / row.seconds).toLocaleString("en-US");
    lines.push(`| ${row.label} | ${row.events.toLocaleString("en-US")} | ${row.seconds.toFixed(4)} | ${rate} | ${ns(row.seconds, row)} | ${ns(row.minSeconds, row)}-${ns(row.maxSeconds, row)} | ${(perEvent / base).toFixed(2)} |`);
  }
  return lines.join("\n");
}

function main(): void {
  const rows: Row[] = [];
  const mixes: string[] = [];
  const collect = fullCollection();
  for (const layout of LAYOUTS) {
    const workload = record(layout);
    collect?.();
    rows.push(measure(layout, workload));
    // Every row replays the same mix; shown for the two rows the size target compares.
    if (layout.groups === 1 && (layout.workers === 10 || layout.workers === 10_000)) {
      mixes.push(`Event mix at ${layout.workers.toLocaleString("en-US")} workers: ${mixOf(workload.rounds[1]!)}.`);
    }
  }
  console.log(table(rows));
  console.log(`\n${mixes.join("\n")}`);
  console.log(`Median of ${ROUNDS} timed rounds of ${EVENTS.toLocaleString("en-US")} events after one warm-up round, on one state.`);
  console.log(
    collect === null
      ? "No full garbage collection between recording and timing (run Node with --expose-gc, Deno with --v8-flags=--expose-gc): the recording's garbage stays in the heap while the rows are timed."
      : "A full garbage collection ran between recording each row's workload and timing it.",
  );
}

main();
