/**
 * Replaying a failed property. `STEWARD_SEED` and `STEWARD_PATH` from the
 * environment become fast-check's `{ seed, path }` (with `endOnFailure`, so a
 * replay runs the one counterexample and does not shrink again), and every
 * failure message ends with the command that replays it:
 *
 *   STEWARD_SEED=<seed> STEWARD_PATH=<path> STEWARD_REPLAY_PATH=<replayPath> npm test -- test/model/<file>_test.ts
 *
 * `STEWARD_REPLAY_PATH` is `fc.commands`' own replay hint: a command list
 * shrinks by what ran, so walking a path without it fails ("Unable to
 * replay, got wrong path"). It is printed whenever the counterexample holds
 * a command list. `STEWARD_RUNS` overrides the number of runs (default 1000)
 * for a soak.
 * The environment is read through `node:process`, which node, deno and bun
 * all provide.
 *
 * @module
 */

import process from "node:process";
import fc from "fast-check";

/** Runs per property when `STEWARD_RUNS` is not set. */
export const DEFAULT_RUNS = 1000;

/**
 * fast-check parameters from the environment.
 *
 * @returns `{ numRuns }`, plus `{ seed, path, endOnFailure: true }` when `STEWARD_SEED` is set.
 */
export function replayParameters<T>(): fc.Parameters<T> {
  const env = process.env;
  const runs = env.STEWARD_RUNS === undefined || env.STEWARD_RUNS === "" ? DEFAULT_RUNS : Number(env.STEWARD_RUNS);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`STEWARD_RUNS must be a positive integer, got "${env.STEWARD_RUNS}"`);
  const parameters: fc.Parameters<T> = { numRuns: runs };
  if (env.STEWARD_SEED === undefined || env.STEWARD_SEED === "") return parameters;
  const seed = Number(env.STEWARD_SEED);
  if (!Number.isInteger(seed)) throw new RangeError(`STEWARD_SEED must be an integer, got "${env.STEWARD_SEED}"`);
  const path = env.STEWARD_PATH;
  return { ...parameters, seed, endOnFailure: true, ...(path === undefined || path === "" ? {} : { path }) };
}

/**
 * The command lists' replay hint from the environment, for `fc.commands`.
 *
 * @returns `STEWARD_REPLAY_PATH`, or undefined when unset.
 */
export function replayPath(): string | undefined {
  const path = process.env.STEWARD_REPLAY_PATH;
  return path === undefined || path === "" ? undefined : path;
}

/**
 * The repo-relative path of a test file from its `import.meta.url`, the same
 * on every runtime (node runs `.build/test/x_test.js`, deno and bun `test/x_test.ts`).
 *
 * @param url The test file's `import.meta.url`.
 * @returns e.g. `test/model/live_workers_test.ts`.
 */
export function testFile(url: string): string {
  const path = decodeURIComponent(new URL(url).pathname);
  const at = path.lastIndexOf("/test/");
  return (at === -1 ? path : path.slice(at + 1)).replace(/\.js$/, ".ts");
}

/**
 * Check a property with the environment's parameters; on failure throw
 * fast-check's report followed by the replay command.
 *
 * @param property The property.
 * @param file The test file, for the replay command (see `testFile`).
 * @param overrides Parameters that win over the environment's (never `numRuns` below 1000 in CI).
 */
export function assertProperty<T>(property: fc.IProperty<T>, file: string, overrides: fc.Parameters<T> = {}): void {
  const details = fc.check(property, { ...replayParameters<T>(), ...overrides });
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? "property failed";
  const hint = /replayPath="([^"]*)"/.exec(fc.stringify(details.counterexample))?.[1];
  const command = `STEWARD_SEED=${details.seed} STEWARD_PATH=${details.counterexamplePath ?? ""}${hint === undefined ? "" : ` STEWARD_REPLAY_PATH='${hint}'`} npm test -- ${file}`;
  const lines = [`seed: ${details.seed}`, `path: ${details.counterexamplePath}`, ...(hint === undefined ? [] : [`replayPath: ${hint}`]), `replay: ${command}`];
  throw new Error(`${report}\n\n${lines.join("\n")}`, { cause: details.errorInstance });
}
