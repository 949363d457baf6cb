/**
 * Configuration: the option table, defaults applied in one place, and
 * `validateConfig`, which returns every problem at once as
 * `{ path, value, message }` instead of stopping at the first.
 *
 * The option table is data so the CLI reference and the README's config
 * reference can be generated from it and cannot drift.
 *
 * @module
 */

import { closestName } from "./suggest.ts";
import type { BackoffConfig, Config, ConfigProblem, GroupConfig, SignalName } from "./types.ts";

/** Most workers one group may ask for. */
export const MAX_WORKERS = 10_000;
/** Longest duration accepted, about 24.8 days (the largest timer delay runtimes honour). */
export const MAX_DURATION_MS = 2_147_483_647;

/** How one option is checked and documented. */
export type OptionRule =
  | { readonly kind: "integer"; readonly min: number; readonly max: number }
  | { readonly kind: "number"; readonly min: number; readonly max: number }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "string" }
  | { readonly kind: "argv" }
  | { readonly kind: "env" }
  | { readonly kind: "backoff" };

/** One documented option. */
export interface OptionSpec {
  readonly key: string;
  readonly rule: OptionRule;
  /** Undefined for required options. */
  readonly default: unknown;
  readonly doc: string;
}

const SIGNALS: readonly SignalName[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGKILL"];
const duration = (min: number): OptionRule => ({ kind: "integer", min, max: MAX_DURATION_MS });

/** Default backoff: immediate first restart, then 100 ms doubling to 30 s, 10 % jitter. */
export const DEFAULT_BACKOFF: BackoffConfig = { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.1 };

/** The per-group options, in documentation order. */
export const GROUP_OPTIONS: readonly OptionSpec[] = [
  { key: "name", rule: { kind: "string" }, default: undefined, doc: "Group name: letters, digits, `_` and `-`, unique." },
  { key: "command", rule: { kind: "argv" }, default: undefined, doc: "The worker's argv: program, then arguments." },
  { key: "count", rule: { kind: "integer", min: 1, max: MAX_WORKERS }, default: 1, doc: "Desired number of workers." },
  { key: "cwd", rule: { kind: "string" }, default: null, doc: "Working directory of the workers (default: the supervisor's)." },
  { key: "env", rule: { kind: "env" }, default: {}, doc: "Extra environment variables." },
  { key: "ready", rule: { kind: "enum", values: ["ipc", "after", "none"] }, default: "after", doc: "How a worker shows it is up: `ipc` (the worker helper's `ready()`), `after` (alive for `readyAfterMs`), `none` (at once)." },
  { key: "readyAfterMs", rule: duration(0), default: 1000, doc: "With `ready: after`, how long a worker must live to count as up." },
  { key: "readyTimeoutMs", rule: duration(1), default: 30_000, doc: "A worker not up by then failed its boot: it is killed and restarted." },
  { key: "killTimeoutMs", rule: duration(0), default: 10_000, doc: "Grace period of a graceful stop before SIGKILL." },
  { key: "heartbeatTimeoutMs", rule: duration(0), default: 0, doc: "With `ready: ipc`, a worker silent this long is killed and replaced; 0 turns it off." },
  { key: "restart", rule: { kind: "enum", values: ["permanent", "transient", "temporary"] }, default: "permanent", doc: "Which exits are restarted: all, abnormal only, or none." },
  { key: "backoff", rule: { kind: "backoff" }, default: DEFAULT_BACKOFF, doc: "`{ initialMs, maxMs, factor, jitter }`: delay between consecutive crash restarts of a slot." },
  { key: "minUptimeMs", rule: duration(0), default: 5000, doc: "A worker ready this long resets its slot's backoff." },
  { key: "maxSurge", rule: { kind: "integer", min: 1, max: MAX_WORKERS }, default: 1, doc: "Extra workers a rolling reload may run at once." },
  { key: "stopSignal", rule: { kind: "enum", values: SIGNALS }, default: "SIGTERM", doc: "Signal of a graceful stop for workers without IPC." },
  { key: "port", rule: { kind: "integer", min: 1, max: 65_535 }, default: null, doc: "TCP port all workers of the group share (the worker helper's `listen()` binds it); none by default." },
  { key: "host", rule: { kind: "string" }, default: "127.0.0.1", doc: "Address the shared `port` is bound on; `0.0.0.0` or `::` for every interface." },
];

/** The supervisor-wide options, in documentation order. */
export const SUPERVISOR_OPTIONS: readonly OptionSpec[] = [
  { key: "strategy", rule: { kind: "enum", values: ["one_for_one", "one_for_all", "rest_for_one"] }, default: "one_for_one", doc: "Who restarts with a crashed worker: itself, everyone, or the groups listed after its own." },
  { key: "maxRestarts", rule: { kind: "integer", min: 0, max: 1_000_000 }, default: 10, doc: "More crash restarts than this within `periodMs` and the supervisor gives up (exit 1)." },
  { key: "periodMs", rule: duration(1), default: 60_000, doc: "The intensity window." },
  { key: "seed", rule: { kind: "integer", min: 0, max: 4_294_967_295 }, default: 0, doc: "Seed of the backoff jitter." },
];

const BACKOFF_RULES: Record<keyof BackoffConfig, OptionRule> = {
  initialMs: duration(0),
  maxMs: duration(0),
  factor: { kind: "number", min: 1, max: 100 },
  jitter: { kind: "number", min: 0, max: 1 },
};

/** What `validateConfig` returns. */
export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/**
 * Check a configuration and apply its defaults. Every problem is reported,
 * each naming the field, the value received and what is expected.
 *
 * @param input Anything, typically parsed JSON or a library caller's object.
 * @returns The complete `Config`, or every problem found.
 *
 * @example A valid config gets its defaults
 * ```ts
 * import { validateConfig } from "./config.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: ["node", "server.js"], count: 4 }] });
 * if (result.ok) console.log(result.config.groups[0]!.killTimeoutMs); // 10000
 * ```
 *
 * @example Every problem at once
 * ```ts
 * import { validateConfig } from "./config.ts";
 * const result = validateConfig({ groups: [{ name: "web", command: [], count: 0 }] });
 * if (!result.ok) console.log(result.problems.map((p) => p.path)); // ["groups[0].command", "groups[0].count"]
 * ```
 */
export function validateConfig(input: unknown): ValidationResult {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(input)) {
    problems.push({ path: "", value: input, message: "expected an object with a `groups` array" });
    return { ok: false, problems };
  }
  checkUnknownKeys(input, [...SUPERVISOR_OPTIONS.map((o) => o.key), "groups"], "", problems);
  const top = readOptions(input, SUPERVISOR_OPTIONS, "", problems);
  const groups: GroupConfig[] = [];
  const rawGroups = input.groups;
  if (!Array.isArray(rawGroups) || rawGroups.length === 0) {
    problems.push({ path: "groups", value: rawGroups, message: "expected a non-empty array of groups" });
  } else {
    const seen = new Set<string>();
    rawGroups.forEach((raw: unknown, index) => {
      const path = `groups[${index}]`;
      if (!isPlainObject(raw)) {
        problems.push({ path, value: raw, message: "expected an object" });
        return;
      }
      checkUnknownKeys(raw, GROUP_OPTIONS.map((o) => o.key), path, problems);
      const group = readOptions(raw, GROUP_OPTIONS, path, problems);
      if (group.ready === "after" && typeof group.readyAfterMs === "number" && typeof group.readyTimeoutMs === "number" && group.readyAfterMs >= group.readyTimeoutMs) {
        problems.push({ path: `${path}.readyAfterMs`, value: group.readyAfterMs, message: `expected less than readyTimeoutMs (${group.readyTimeoutMs}), or every worker would time out` });
      }
      if (typeof group.name === "string") {
        if (seen.has(group.name)) problems.push({ path: `${path}.name`, value: group.name, message: "duplicate group name" });
        seen.add(group.name);
      }
      groups.push(group as unknown as GroupConfig);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { ...(top as unknown as Omit<Config, "groups">), groups } };
}

/**
 * One problem as the one-line message users see.
 *
 * @param problem A problem from `validateConfig`.
 * @returns e.g. `groups[0].count: expected an integer from 1 to 10000, got 0`.
 *
 * @example
 * ```ts
 * import { formatProblem } from "./config.ts";
 * console.log(formatProblem({ path: "groups[0].count", value: 0, message: "expected an integer from 1 to 10000" }));
 * ```
 */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path || "config"}: ${problem.message}, got ${describeValue(problem.value)}`;
}

function readOptions(
  raw: Record<string, unknown>,
  specs: readonly OptionSpec[],
  path: string,
  problems: ConfigProblem[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const value = raw[spec.key];
    const at = path ? `${path}.${spec.key}` : spec.key;
    if (value === undefined || (value === null && spec.default === null)) {
      if (spec.default === undefined) problems.push({ path: at, value, message: "is required" });
      out[spec.key] = spec.default;
      continue;
    }
    const problem = checkRule(spec.rule, value);
    if (problem === null) out[spec.key] = spec.rule.kind === "backoff" ? { ...DEFAULT_BACKOFF, ...(value as object) } : value;
    else if (spec.rule.kind === "backoff") problems.push(...checkBackoff(value, at));
    else problems.push({ path: at, value, message: problem });
  }
  if (typeof out.name === "string" && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(out.name)) {
    problems.push({ path: `${path}.name`, value: out.name, message: "expected letters, digits, `_` or `-`, starting with a letter or digit" });
  }
  return out;
}

function checkRule(rule: OptionRule, value: unknown): string | null {
  switch (rule.kind) {
    case "integer":
      return Number.isInteger(value) && (value as number) >= rule.min && (value as number) <= rule.max
        ? null
        : `expected an integer from ${rule.min} to ${rule.max}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value) && value >= rule.min && value <= rule.max
        ? null
        : `expected a number from ${rule.min} to ${rule.max}`;
    case "enum":
      return typeof value === "string" && rule.values.includes(value)
        ? null
        : `expected one of ${rule.values.map((v) => `"${v}"`).join(", ")}${suggest(value, rule.values)}`;
    case "string":
      return typeof value === "string" && value.length > 0 ? null : "expected a non-empty string";
    case "argv":
      return Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === "string") && value[0] !== ""
        ? null
        : "expected a non-empty array of strings: the program, then its arguments";
    case "env":
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === "string")
        ? null
        : "expected an object of string values";
    case "backoff":
      return isPlainObject(value) && checkBackoff(value, "").length === 0 ? null : "invalid backoff";
  }
}

function checkBackoff(value: unknown, path: string): ConfigProblem[] {
  if (!isPlainObject(value)) return [{ path, value, message: "expected an object { initialMs, maxMs, factor, jitter }" }];
  const problems: ConfigProblem[] = [];
  checkUnknownKeys(value, Object.keys(BACKOFF_RULES), path, problems);
  for (const [key, rule] of Object.entries(BACKOFF_RULES)) {
    if (value[key] === undefined) continue;
    const message = checkRule(rule, value[key]);
    if (message !== null) problems.push({ path: `${path}.${key}`, value: value[key], message });
  }
  const merged = { ...DEFAULT_BACKOFF, ...value } as BackoffConfig;
  if (problems.length === 0 && merged.maxMs < merged.initialMs) {
    problems.push({ path: `${path}.maxMs`, value: merged.maxMs, message: `expected at least initialMs (${merged.initialMs})` });
  }
  return problems;
}

function checkUnknownKeys(raw: Record<string, unknown>, known: readonly string[], path: string, problems: ConfigProblem[]): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    problems.push({ path: path ? `${path}.${key}` : key, value: raw[key], message: `unknown option${suggest(key, known)}` });
  }
}

/** A ` (did you mean "x"?)` hint when a known name is within two edits. */
function suggest(value: unknown, known: readonly string[]): string {
  const best = typeof value === "string" ? closestName(value, known) : null;
  return best === null ? "" : ` (did you mean "${best}"?)`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
