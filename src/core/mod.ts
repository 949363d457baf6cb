/**
 * steward's pure supervision core: `step(state, event, now)` returns the
 * next state and the effects to execute. No I/O, no clock, no randomness of
 * its own, so it runs the same in a test, a simulator, a real supervisor or
 * as a reference model for other launchers.
 *
 * @example Drive the core by hand
 * ```ts
 * import { initialState, step, validateConfig } from "steward/core";
 * const result = validateConfig({ groups: [{ name: "web", command: ["node", "server.js"], count: 2 }] });
 * if (!result.ok) throw new Error(result.problems.map((p) => p.path).join(", "));
 * const { state, effects } = step(initialState(result.config), { type: "start" }, 0);
 * console.log(state.phase, effects.filter((e) => e.type === "spawn").length); // "running" 2
 * ```
 *
 * @module
 */

export * from "./types.ts";
export { formatProblem, GROUP_OPTIONS, SUPERVISOR_OPTIONS, validateConfig } from "./config.ts";
export type { OptionRule, OptionSpec, ValidationResult } from "./config.ts";
export { cloneState, initialState, ProtocolError, step } from "./step.ts";
export { statusOf } from "./status.ts";
export type { GroupStatus, SupervisorStatus, WorkerStatus } from "./status.ts";
export { backoffDelayMs, backoffFloorMs } from "./backoff.ts";
export { SUPERVISOR_EDGES, TRANSITIONS, WORKER_EDGES } from "./transitions.ts";
