/**
 * The vocabulary of the pure supervision core: configuration, state, events
 * in and effects out. Every union is tagged by `type` (or `phase`), so a
 * `switch` over it is exhaustive and a trace serialises to plain JSON.
 *
 * Nothing here may refer to a runtime: `src/core/` is type-checked with an
 * ES-only `lib` and no `@types`, so `process`, `Deno`, `Bun` and
 * `setTimeout` do not compile in it.
 *
 * @module
 */

/** How a worker tells the supervisor it is up. */
export type ReadyMode =
  /** The worker sends `{ type: "ready" }` over IPC (the worker helper's `ready()`). */
  | "ipc"
  /** A plain command counts as up once it has lived `readyAfterMs`. */
  | "after"
  /** Up as soon as the process exists. */
  | "none";

/** Which exits bring a replacement, after OTP's restart types. */
export type RestartType =
  /** Always replaced. */
  | "permanent"
  /** Replaced only after an abnormal exit (non-zero code or a signal). */
  | "transient"
  /** Never replaced; its slot stays empty until a reload or restart. */
  | "temporary";

/** Which other workers restart with a crashed one, after OTP's strategies. */
export type RestartStrategy =
  /** Only the crashed worker. */
  | "one_for_one"
  /** Every worker of every group. */
  | "one_for_all"
  /** The crashed worker and every worker of the groups listed after its group. */
  | "rest_for_one";

/** Signal names the core may ask the driver to deliver. */
export type SignalName = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGUSR1" | "SIGUSR2";

/** Exponential backoff between consecutive crash restarts of one slot. */
export interface BackoffConfig {
  /** Delay before the second consecutive restart (the first one is immediate). */
  readonly initialMs: number;
  /** Upper bound of the delay before jitter. */
  readonly maxMs: number;
  /** Growth per further consecutive crash. */
  readonly factor: number;
  /** Extra random delay, as a fraction of the delay, drawn from the seeded PRNG (0..1). */
  readonly jitter: number;
}

/** One kind of worker and its policy, with every default applied. */
export interface GroupConfig {
  readonly name: string;
  /** argv of the worker: program then arguments. */
  readonly command: readonly string[];
  readonly count: number;
  readonly cwd: string | null;
  readonly env: Readonly<Record<string, string>>;
  readonly ready: ReadyMode;
  readonly readyAfterMs: number;
  readonly readyTimeoutMs: number;
  readonly killTimeoutMs: number;
  /** 0 turns liveness checking off. */
  readonly heartbeatTimeoutMs: number;
  readonly restart: RestartType;
  readonly backoff: BackoffConfig;
  /** A worker ready this long resets its slot's consecutive-crash count. */
  readonly minUptimeMs: number;
  /** Extra workers a rollout may run at once beyond `count`. */
  readonly maxSurge: number;
  /** Signal for a graceful stop of a worker without IPC. */
  readonly stopSignal: SignalName;
  /** TCP port the group's workers share, or `null` when each worker binds its own. */
  readonly port: number | null;
  /** Address the shared port is bound on. */
  readonly host: string;
}

/** A listening address the supervisor shares with a group's workers. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A whole supervisor's configuration, with every default applied. */
export interface Config {
  readonly groups: readonly GroupConfig[];
  readonly strategy: RestartStrategy;
  /** More crash restarts than this within `periodMs` and the supervisor gives up. */
  readonly maxRestarts: number;
  readonly periodMs: number;
  /** Seed of the PRNG that draws backoff jitter. */
  readonly seed: number;
}

/** One problem found by `validateConfig`. */
export interface ConfigProblem {
  /** Where, e.g. `groups[0].count`. */
  readonly path: string;
  /** The value received there. */
  readonly value: unknown;
  /** What is wrong and what is expected. */
  readonly message: string;
}

/** Worker phases, in order; `exited` workers leave the state. */
export type WorkerPhase = "starting" | "ready" | "stopping" | "exited";

/** Supervisor phases. `failed` means it gave up and is stopping or has stopped every worker. */
export type SupervisorPhase = "idle" | "running" | "stopping" | "stopped" | "failed";

/** Why a worker was asked to stop; a planned stop is never counted as a crash. */
export type StopReason =
  | "replaced"
  | "scaledDown"
  | "restart"
  | "strategy"
  | "shutdown"
  | "bootTimeout"
  | "hang"
  | "removed";

/** Where a worker stands in its slot. */
export type WorkerRole =
  /** It holds the slot. */
  | "holder"
  /** A rollout's replacement, not yet ready. */
  | "successor"
  /** It no longer holds its slot and is on its way out. */
  | "extra";

/** One incarnation in a slot. */
export interface Worker {
  readonly id: number;
  readonly group: string;
  readonly slot: number;
  readonly generation: number;
  pid: number | null;
  phase: WorkerPhase;
  role: WorkerRole;
  startedAt: number;
  readyAt: number | null;
  lastBeatAt: number;
  stopReason: StopReason | null;
  /** A stop was requested before the pid was known: deliver it on `spawned`. */
  stopPending: boolean;
  /** SIGKILL rather than a graceful stop (boot timeout, hang, immediate stop). */
  killRequested: boolean;
  /**
   * Ids of the timers the worker holds, null when not armed; one field per
   * `WorkerTimerKind`, named `${kind}Timer`. They sit in the worker itself
   * rather than in a record of their own, so a liveness check reaches the
   * live timer without another dependent memory load.
   */
  bootTimer: number | null;
  afterTimer: number | null;
  liveTimer: number | null;
  uptimeTimer: number | null;
  killTimer: number | null;
}

/** The timers a worker can hold. */
export type WorkerTimerKind = "boot" | "after" | "live" | "uptime" | "kill";

/** A position `0..count-1` of a group that the supervisor keeps filled. */
export interface Slot {
  readonly index: number;
  holder: number | null;
  successor: number | null;
  /** Consecutive crash restarts since a worker of this slot stayed ready for `minUptimeMs`. */
  crashes: number;
  /** Armed backoff timer before a crash restart. */
  backoffTimer: number | null;
  /** Spawn a fresh holder as soon as the current one has exited (planned restarts). */
  respawnOnExit: boolean;
  /** Waiting in the rollout queue for a replacement. */
  rollPending: boolean;
  /** Above the desired count: drained, then removed. */
  retiring: boolean;
  /** A temporary or transient worker finished; nothing is restarted here. */
  done: boolean;
}

/** A group's live state. */
export interface GroupState {
  config: GroupConfig;
  /** Index = slot number; retiring slots sit above `config.count`. */
  slots: Slot[];
  /** Generation new workers of this group get. */
  generation: number;
  /** Slots waiting for a rollout replacement, in order; `rolloutCursor` walks it. */
  rolloutQueue: number[];
  rolloutCursor: number;
  /** Active slots with `rollPending` set. */
  rollPendingCount: number;
  /** Dropped from the config by a reload: drained, then forgotten. */
  removed: boolean;
  /** Workers of this group per phase and role, kept incrementally so no event scans. */
  counts: { starting: number; ready: number; stopping: number; extras: number };
}

/** A timer's purpose, looked up when it fires. */
export type TimerPurpose =
  | {
    readonly kind: WorkerTimerKind;
    readonly worker: number;
    /**
     * The worker itself, `workers.get(worker)` for as long as the timer is
     * armed (a worker's timers are cancelled when it leaves): the liveness
     * check, a third of all events, reaches it without a `workers` lookup.
     */
    readonly ref: Worker;
  }
  | { readonly kind: "backoff"; readonly group: string; readonly slot: number };

/**
 * The crash restarts of the intensity window, oldest first, as a queue:
 * `times[start]` onwards are in the window. Times that leave it only move
 * `start`; the dropped prefix is cut off once it is at least half the array,
 * so each restart is copied at most once on average, however many the
 * window holds (`maxRestarts` may be a million).
 */
export interface RestartWindow {
  /** Restart times, oldest first; those before `start` have left the window. */
  readonly times: number[];
  /** Index of the oldest restart still in the window. */
  start: number;
}

/** The whole supervisor. `step` takes ownership: it may update and return the same object. */
export interface State {
  phase: SupervisorPhase;
  config: Config;
  groups: Map<string, GroupState>;
  /**
   * `initialState` and `cloneState` make `workers` and `timers` a `WorkerMap`
   * and a `TimerMap` (`indexed_map.ts`): Maps with an index for the
   * heartbeat and the liveness check. `step` works with any Map there.
   */
  workers: Map<number, Worker>;
  timers: Map<number, TimerPurpose>;
  nextWorkerId: number;
  nextTimerId: number;
  /** Supervisor generation: bumped by every reload. */
  generation: number;
  /** The crash restarts inside the intensity window (`intensity.ts`). */
  restarts: RestartWindow;
  /** PRNG state (32 bits). */
  rng: number;
  /** The rollout under way (reload or restart), if any. */
  rollout: { generation: number; reason: "reload" | "restart"; total: number } | null;
  /** Set once `exit` was emitted. */
  exited: boolean;
  /** Exit code and reason once the outcome is known. */
  outcome: { code: number; reason: string } | null;
}

/** Which workers a `restart` request names. */
export type RestartTarget =
  | { readonly scope: "all" }
  | { readonly scope: "group"; readonly group: string }
  | { readonly scope: "slot"; readonly group: string; readonly slot: number };

/** Events into the core: facts in the past tense, requests as verbs. */
export type Event =
  | { readonly type: "start" }
  | { readonly type: "spawned"; readonly id: number; readonly pid: number }
  | { readonly type: "spawnFailed"; readonly id: number; readonly error: string }
  | { readonly type: "ready"; readonly id: number }
  | { readonly type: "heartbeat"; readonly id: number }
  | { readonly type: "exited"; readonly id: number; readonly code: number | null; readonly signal: string | null }
  | { readonly type: "timer"; readonly id: number }
  | { readonly type: "reload"; readonly config?: unknown }
  | { readonly type: "scale"; readonly group: string; readonly count: number }
  | { readonly type: "restart"; readonly target: RestartTarget }
  | { readonly type: "stop"; readonly graceful: boolean };

/** The event type names. */
export type EventType = Event["type"];

/** What the driver needs to start one worker. */
export interface SpawnSpec {
  readonly id: number;
  readonly group: string;
  readonly slot: number;
  readonly generation: number;
  readonly command: readonly string[];
  readonly cwd: string | null;
  readonly env: Readonly<Record<string, string>>;
  /** Open an IPC channel (the worker helper's). */
  readonly ipc: boolean;
  /** Interval at which the worker helper should send heartbeats, 0 for none. */
  readonly heartbeatMs: number;
  /** The shared listening address, absent when the group has no `port`. */
  readonly listen?: ListenAddress;
}

/** Messages from master to worker over IPC. */
export type MasterMessage = { readonly type: "stop"; readonly deadlineMs: number };

/** Effects out of the core, for the driver to execute in order. */
export type Effect =
  | { readonly type: "spawn"; readonly spec: SpawnSpec }
  | { readonly type: "send"; readonly id: number; readonly message: MasterMessage }
  | { readonly type: "signal"; readonly id: number; readonly signal: SignalName }
  /** Arm timer `id` to fire at `at`; an id that is still armed is moved, not duplicated. */
  | { readonly type: "setTimer"; readonly id: number; readonly at: number }
  | { readonly type: "cancelTimer"; readonly id: number }
  | { readonly type: "emit"; readonly record: SupervisorRecord }
  | { readonly type: "exit"; readonly code: number; readonly reason: string };

/** Observable records for logs and metrics; `at` is the `now` of the step. */
export type SupervisorRecord =
  | { readonly type: "started"; readonly at: number; readonly groups: readonly { name: string; count: number }[] }
  | { readonly type: "spawning"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly generation: number }
  | { readonly type: "spawned"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly pid: number }
  | { readonly type: "spawnFailed"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly error: string }
  | { readonly type: "ready"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly generation: number; readonly pid: number | null }
  | { readonly type: "stopping"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly reason: StopReason }
  | { readonly type: "killing"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly reason: "killTimeout" | "bootTimeout" | "hang" | "immediate" }
  | { readonly type: "exited"; readonly at: number; readonly id: number; readonly group: string; readonly slot: number; readonly pid: number | null; readonly code: number | null; readonly signal: string | null; readonly planned: boolean }
  | { readonly type: "restarting"; readonly at: number; readonly group: string; readonly slot: number; readonly inMs: number; readonly attempt: number }
  | { readonly type: "gaveUp"; readonly at: number; readonly group: string; readonly reason: string }
  | { readonly type: "rolloutStarted"; readonly at: number; readonly generation: number; readonly reason: "reload" | "restart"; readonly total: number }
  | { readonly type: "reloadRejected"; readonly at: number; readonly problems: readonly ConfigProblem[] }
  | { readonly type: "rolloutProgress"; readonly at: number; readonly group: string; readonly slot: number; readonly generation: number; readonly remaining: number }
  | { readonly type: "rolloutFinished"; readonly at: number; readonly generation: number; readonly reason: "reload" | "restart" }
  | { readonly type: "scaled"; readonly at: number; readonly group: string; readonly from: number; readonly to: number }
  | { readonly type: "rejected"; readonly at: number; readonly event: EventType; readonly reason: string }
  | { readonly type: "ignored"; readonly at: number; readonly event: EventType; readonly reason: string }
  | { readonly type: "stopRequested"; readonly at: number; readonly graceful: boolean }
  | { readonly type: "stopped"; readonly at: number; readonly code: number; readonly reason: string };

/** What `step` returns. */
export interface StepResult {
  readonly state: State;
  readonly effects: readonly Effect[];
}
