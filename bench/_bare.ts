/**
 * The bare baseline as a driver: `bench/_bare_parent.ts` on a runtime,
 * spawning the workers on that runtime, respawning on exit when asked.
 * With a port, the single worker listens on it through `PORT`.
 *
 * @module
 */

import type { Driver } from "../chaos/driver.ts";
import { built, type Runtime, runScript } from "../chaos/_proc.ts";
import { factsDriver } from "../chaos/drivers/_facts.ts";

/** Options of the bare driver. */
export interface BareDriverOptions {
  readonly runtime: Runtime;
  /** Respawn a worker that exits. @default false */
  readonly respawn?: boolean;
}

/**
 * Creates a bare-parent driver.
 *
 * @param options Runtime and respawning.
 * @returns A driver.
 *
 * @example
 * ```ts
 * import { bareDriver } from "./_bare.ts";
 * const driver = bareDriver({ runtime: "bun", respawn: true });
 * ```
 */
export function bareDriver(options: BareDriverOptions): Driver {
  return factsDriver({
    name: `bare ${options.runtime}`,
    master: (launch) => {
      if (launch.port !== undefined && launch.workers !== 1) throw new Error("bare driver: a port needs exactly one worker");
      return {
        argv: runScript(options.runtime, built("bench/_bare_parent.ts")),
        env: {
          ...launch.env,
          ...(launch.port === undefined ? {} : { PORT: String(launch.port) }),
          BENCH_BARE: JSON.stringify({ workers: launch.workers, argv: launch.worker, respawn: options.respawn ?? false }),
        },
      };
    },
  });
}
