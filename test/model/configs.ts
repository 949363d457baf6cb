/**
 * Config arbitraries for the model tests: 1-3 groups of 1-6 workers, every
 * readiness mode, restart type and strategy, maxSurge 1-3, heartbeat on or
 * off, small timeouts and backoffs so runs stay short in virtual time.
 *
 * Readiness always fits inside `readyTimeoutMs` (by at least 10 ms), so with
 * no fault injected no boot times out: a boot timeout is a fault, and
 * invariants 2 and 5 hold only without faults.
 *
 * @module
 */

import fc from "fast-check";
import { validateConfig } from "../../src/core/config.ts";
import type { Config } from "../../src/core/types.ts";

/** How restart intensity is drawn. */
export type Intensity =
  /** maxRestarts so large the supervisor practically never gives up. */
  | "lenient"
  /** maxRestarts 0-4 in a window of 200-3000 ms: giving up is common. */
  | "strict";

/** The simulated worker's boot time over IPC (the memory adapter's default) plus its 1 ms spawn. */
const IPC_READY_MS = 51;

const groupInput = (name: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.record({
    count: fc.integer({ min: 1, max: 6 }),
    ready: fc.constantFrom("ipc", "after", "none"),
    readyAfterMs: fc.integer({ min: 0, max: 200 }),
    readyMarginMs: fc.integer({ min: 10, max: 1000 }),
    killTimeoutMs: fc.integer({ min: 0, max: 500 }),
    heartbeatTimeoutMs: fc.oneof(fc.constant(0), fc.integer({ min: 150, max: 600 })),
    restart: fc.constantFrom("permanent", "permanent", "transient", "temporary"),
    initialMs: fc.integer({ min: 0, max: 200 }),
    spanMs: fc.integer({ min: 0, max: 500 }),
    factor: fc.constantFrom(1, 1.5, 2, 3),
    jitter: fc.constantFrom(0, 0.1, 0.5, 1),
    minUptimeMs: fc.integer({ min: 0, max: 1000 }),
    maxSurge: fc.integer({ min: 1, max: 3 }),
  }).map((g) => {
    const readyMs = g.ready === "ipc" ? IPC_READY_MS : g.ready === "after" ? g.readyAfterMs + 1 : 1;
    return {
      name,
      command: ["app"],
      count: g.count,
      ready: g.ready,
      readyAfterMs: g.readyAfterMs,
      readyTimeoutMs: readyMs + g.readyMarginMs,
      killTimeoutMs: g.killTimeoutMs,
      heartbeatTimeoutMs: g.heartbeatTimeoutMs,
      restart: g.restart,
      backoff: { initialMs: g.initialMs, maxMs: g.initialMs + g.spanMs, factor: g.factor, jitter: g.jitter },
      minUptimeMs: g.minUptimeMs,
      maxSurge: g.maxSurge,
    };
  });

/**
 * Validated supervisor configs.
 *
 * @param intensity How likely giving up is.
 * @returns An arbitrary of configs with every default applied.
 */
export function configArbitrary(intensity: Intensity = "lenient"): fc.Arbitrary<Config> {
  const limits = intensity === "lenient"
    ? fc.record({ maxRestarts: fc.constant(1_000_000), periodMs: fc.integer({ min: 1, max: 60_000 }) })
    : fc.record({ maxRestarts: fc.integer({ min: 0, max: 4 }), periodMs: fc.integer({ min: 200, max: 3000 }) });
  return fc.record({
    groups: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => groupInput(`g${i}`)))),
    strategy: fc.constantFrom("one_for_one", "one_for_all", "rest_for_one"),
    limits,
    seed: fc.nat({ max: 0xffff_ffff }),
  }).map(({ groups, strategy, limits, seed }) => {
    const result = validateConfig({ groups, strategy, ...limits, seed });
    if (!result.ok) throw new Error(`the config arbitrary drew an invalid config: ${JSON.stringify(result.problems)}`);
    return result.config;
  });
}
