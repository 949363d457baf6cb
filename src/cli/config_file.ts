/**
 * The CLI's config: a JSON file (`steward.config.json`: several groups and
 * every policy option, in the shape `validateConfig` takes), merged with the
 * flags of `steward run`, which override the single (or first) group and the
 * supervisor-wide options.
 *
 * Rules:
 * - Without a file, one group is made from the flags and the command; its
 *   count defaults to the machine's available parallelism.
 * - Every problem is one line; a field set by a flag is named by the flag
 *   (`--workers: expected an integer from 1 to 10000, got 0`), one from the
 *   file by the file and its path (`steward.config.json: groups[1].count: ...`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { formatProblem, validateConfig } from "../core/config.ts";
import type { Config, ConfigProblem } from "../core/types.ts";
import type { Parsed, RunArgs } from "./args.ts";

/**
 * The group name when neither a flag nor a file names one.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_NAME } from "./config_file.ts";
 * console.log(DEFAULT_GROUP_NAME); // "app"
 * ```
 */
export const DEFAULT_GROUP_NAME = "app";

/**
 * Reads and parses a JSON config file; does not validate it.
 *
 * @param path The file's path.
 * @returns The parsed JSON, or a one-line message naming the file.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./config_file.ts";
 * const file = readConfigFile("steward.config.json");
 * if (!file.ok) console.error(file.message);
 * ```
 */
export function readConfigFile(path: string): Parsed<unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, message: `${path}: cannot read the config file (${code ?? (error as Error).message})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${path}: not valid JSON: ${(error as Error).message.split("\n")[0]}` };
  }
}

/**
 * Merges the flags of `steward run` over a config file (or over nothing) and
 * validates the result.
 *
 * @param args The parsed flags and command.
 * @param file The config file's parsed JSON, or null when there is none.
 * @param defaultCount Workers of the group made from flags when `--workers` is absent.
 * @returns The validated config, or the first problem as one line (with a count of the others).
 *
 * @example Flags only
 * ```ts
 * import { parseRunArgs } from "./args.ts";
 * import { buildConfig } from "./config_file.ts";
 * const args = parseRunArgs(["-w", "2", "--", "node", "app.js"]);
 * if (args.ok) console.log(buildConfig(args.value, null, 4)); // { ok: true, value: { groups: [{ name: "app", count: 2, ... }], ... } }
 * ```
 */
export function buildConfig(args: RunArgs, file: { readonly path: string; readonly json: unknown } | null, defaultCount: number): Parsed<Config> {
  const raw = merge(args, file?.json ?? null, defaultCount);
  const result = validateConfig(raw);
  if (result.ok) return { ok: true, value: result.config };
  const problems = result.problems;
  const first = describe(problems[0]!, args, file?.path ?? null);
  return { ok: false, message: problems.length > 1 ? `${first} (and ${problems.length - 1} more)` : first };
}

function merge(args: RunArgs, json: unknown, defaultCount: number): unknown {
  const command = args.command.length > 0 ? { command: args.command } : {};
  if (json === null) {
    return { ...args.top, groups: [{ name: DEFAULT_GROUP_NAME, count: defaultCount, ...command, ...args.group }] };
  }
  // A file of the wrong shape is left for validateConfig to describe.
  if (typeof json !== "object" || Array.isArray(json) || !Array.isArray((json as { groups?: unknown }).groups)) return json;
  const { groups, ...top } = json as { groups: unknown[] };
  const [first, ...rest] = groups;
  const head = typeof first === "object" && first !== null && !Array.isArray(first) ? { ...first, ...command, ...args.group } : first;
  return { ...top, ...args.top, groups: groups.length === 0 ? [] : [head, ...rest] };
}

/** A problem as the user sees it: named by the flag that set the field, or by the file and path. */
function describe(problem: ConfigProblem, args: RunArgs, path: string | null): string {
  const match = /^(?:groups\[0\]\.)?([A-Za-z]+)$/.exec(problem.path);
  const key = match?.[1];
  const inFirstGroup = problem.path.startsWith("groups[0].");
  const flagKeys = inFirstGroup ? args.group : args.top;
  if (key !== undefined && key in flagKeys) return formatProblem({ ...problem, path: args.flags[key]! });
  if (inFirstGroup && key === "command" && args.command.length > 0) return formatProblem({ ...problem, path: "command" });
  if (path === null) {
    // No file: every field came from a flag or a default.
    if (key === "command") return "missing command: steward run [options] -- <command...>";
    return formatProblem(problem);
  }
  return `${path}: ${formatProblem(problem)}`;
}
