/**
 * The node `cluster` driver: a respawn-on-exit primary
 * (`chaos/drivers/_cluster_primary.ts`) run on Node, its workers forked by
 * `cluster` (so they run on Node too: `worker[0]` is ignored and
 * `worker[1..]` are the script and its arguments). With `respawn: "never"`
 * it is a deliberately broken launcher.
 *
 * @module
 */

import type { Driver } from "../driver.ts";
import { built } from "../_proc.ts";
import { factsDriver } from "./_facts.ts";

/** Options of the cluster driver. */
export interface ClusterDriverOptions {
  /** `"never"`: a launcher that forgets to respawn. @default "always" */
  readonly respawn?: "always" | "never";
  /** Name in reports. @default "cluster" */
  readonly name?: string;
}

/**
 * Creates a node `cluster` driver.
 *
 * @param options Respawn behaviour and name.
 * @returns A driver.
 *
 * @example
 * ```ts
 * import { clusterDriver } from "./cluster.ts";
 * const driver = clusterDriver();
 * await driver.start({ workers: 2, worker: ["node", "server.js"], dir: "/tmp/x", epoch: Date.now() });
 * await driver.stop();
 * ```
 */
export function clusterDriver(options: ClusterDriverOptions = {}): Driver {
  return factsDriver({
    name: options.name ?? "cluster",
    commands: true,
    master: (launch) => {
      const primary = {
        workers: launch.workers,
        exec: launch.worker[1],
        args: launch.worker.slice(2),
        port: launch.port ?? null,
        killTimeoutMs: launch.killTimeoutMs ?? 5_000,
        respawn: options.respawn ?? "always",
      };
      return { argv: ["node", built("chaos/drivers/_cluster_primary.ts")], env: { ...launch.env, CHAOS_PRIMARY: JSON.stringify(primary) } };
    },
  });
}

export { liveWorkers } from "./_facts.ts";
