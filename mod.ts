/**
 * steward: a process supervisor kit for Node, Deno and Bun. `supervise`
 * forks N workers per group, replaces the ones that die (with backoff and an
 * intensity limit), reloads them without dropping capacity, and stops them
 * gracefully with a deadline. The policy lives in a pure state machine
 * (`steward/core`); this entry point runs it with the adapter of the
 * runtime it is imported on.
 *
 * @example Four supervised HTTP workers
 * ```ts
 * import { supervise } from "steward";
 * const sup = supervise({ groups: [{ name: "web", command: ["node", "server.js"], count: 4, ready: "ipc" }] });
 * await sup.ready;
 * await sup.reload();
 * console.log(await sup.stop()); // { code: 0, reason: "stopped" }
 * ```
 *
 * @module
 */

import { createRuntimeAdapter } from "./adapters/_detect.ts";
import type { Adapter } from "./src/adapter.ts";
import { createSupervisor, type Supervisor, type SupervisorOptions } from "./src/supervisor.ts";

export type { Adapter } from "./src/adapter.ts";
export type { Config, GroupConfig, SupervisorRecord } from "./src/core/types.ts";
export { validateConfig } from "./src/core/config.ts";
export { ConfigError, createSupervisor, SupervisorError } from "./src/supervisor.ts";
export type { Outcome, OutputLine, Supervisor, SupervisorOptions } from "./src/supervisor.ts";

/** Options of `supervise`: those of `createSupervisor`, with the adapter optional. */
export type SuperviseOptions = Omit<SupervisorOptions, "adapter"> & {
  /** @default the adapter of the running runtime (node, deno or bun) */
  readonly adapter?: Adapter;
};

/**
 * Start supervising `config` with the adapter of the running runtime.
 *
 * @param config Groups and policies, validated here (see `validateConfig`).
 * @param options Observers, and an adapter to use instead of the detected one.
 * @returns The running supervisor.
 * @throws {ConfigError} When the config does not validate; nothing is started.
 *
 * @example
 * ```ts
 * import { supervise } from "steward";
 * const sup = supervise({ groups: [{ name: "jobs", command: ["node", "consumer.js"], count: 2 }] });
 * for await (const record of sup.records()) console.log(record.type);
 * ```
 */
export function supervise(config: unknown, options: SuperviseOptions = {}): Supervisor {
  return createSupervisor(config, { ...options, adapter: options.adapter ?? createRuntimeAdapter() });
}
