/**
 * The throng driver: a throng 5 app (`chaos/drivers/_throng_primary.ts`)
 * on Node, its workers forked by throng through `cluster` (so they run on
 * Node too: `worker[0]` is ignored, `worker[1]` is the script). throng has
 * no reload and no scale: those reject. Stop is SIGTERM, which throng
 * forwards, killing what is left after its grace (`killTimeoutMs`).
 *
 * @module
 */

import type { Driver } from "../driver.ts";
import { built } from "../_proc.ts";
import { factsDriver } from "./_facts.ts";

/**
 * Creates a throng driver.
 *
 * @returns A driver.
 *
 * @example
 * ```ts
 * import { throngDriver } from "./throng.ts";
 * const driver = throngDriver();
 * await driver.start({ workers: 2, worker: ["node", "server.js"], port: 8080, dir: "/tmp/x", epoch: Date.now() });
 * await driver.stop();
 * ```
 */
export function throngDriver(): Driver {
  return factsDriver({
    name: "throng",
    master: (launch) => ({
      argv: ["node", built("chaos/drivers/_throng_primary.ts")],
      env: {
        ...launch.env,
        ...(launch.port === undefined ? {} : { PORT: String(launch.port) }),
        CHAOS_THRONG: JSON.stringify({ workers: launch.workers, exec: launch.worker[1], port: launch.port ?? null, graceMs: launch.killTimeoutMs ?? 5_000 }),
      },
    }),
  });
}
