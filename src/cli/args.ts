/**
 * Command-line parsing for `steward run` and `steward ctl`, on
 * `node:util`'s `parseArgs`. Nothing here validates policy values: flags are
 * turned into raw config fields and `validateConfig` judges them, so a flag
 * and the same key in a config file get the same rule and message. This
 * module only rejects what is not a config field: unknown flags, missing
 * values, a missing command.
 *
 * Rules:
 * - Numbers stay raw when they do not look like numbers (`--workers a`
 *   reaches `validateConfig` as `"a"`, so the message shows what was typed).
 * - A negative number is a value, not a flag: `--workers -1` means `-1`.
 * - Everything after `--` is the worker's command, untouched.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { closestName } from "../core/suggest.ts";

/** A parse result: the value, or the one-line message for the user. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** Formats of the master's own log. */
export type LogFormat = "text" | "json";

/** What `steward run` was asked to do. */
export interface RunArgs {
  readonly help: boolean;
  readonly version: boolean;
  /** `--config`: a JSON config file. @default null */
  readonly configPath: string | null;
  /** `--log-format`. @default "text" */
  readonly logFormat: LogFormat;
  /** `--socket`: the control socket's path. @default null (a per-user default) */
  readonly socketPath: string | null;
  /** `--metrics`: `<port>` or `<host>:<port>` of the health and metrics endpoint. @default null (off) */
  readonly metrics: string | null;
  /** The worker's argv, after `--`; empty when none was given. */
  readonly command: readonly string[];
  /** Options of the single (or first) group set by flags, as raw config fields. */
  readonly group: Readonly<Record<string, unknown>>;
  /** Supervisor-wide options set by flags, as raw config fields. */
  readonly top: Readonly<Record<string, unknown>>;
  /** Config field (`count`, `maxRestarts`, ...) -> the flag that set it, for messages. */
  readonly flags: Readonly<Record<string, string>>;
}

/** What `steward ctl` was asked to do. */
export interface CtlArgs {
  readonly help: boolean;
  readonly socketPath: string | null;
  readonly json: boolean;
  /** How long to wait for the reply, in ms. @default 60000 */
  readonly timeoutMs: number;
  /** The subcommand and its arguments, e.g. `["scale", "web", "4"]`. */
  readonly words: readonly string[];
}

/** One command-line flag: what `parseArgs` needs, and its documentation. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** The value's placeholder in the usage text, e.g. `<n>`; only for string flags. */
  readonly value?: string;
  /** What it does, for `--help` and the README; `\n` starts a continuation line. */
  readonly doc: string;
}

/**
 * The flags of `steward run`, in usage order. `--help` and the README's CLI
 * reference are generated from this table, so a flag without a `doc` does
 * not compile.
 *
 * @example
 * ```ts
 * import { RUN_OPTIONS } from "./args.ts";
 * console.log(RUN_OPTIONS.workers.doc); // "workers (default: available parallelism)"
 * ```
 */
export const RUN_OPTIONS = {
  workers: { type: "string", short: "w", value: "<n>", doc: "workers (default: available parallelism)" },
  name: { type: "string", short: "n", value: "<name>", doc: 'group name (default "app")' },
  ready: { type: "string", value: "<mode>", doc: "ipc | after:<ms> | after | none (default after:1000)\nipc: the worker calls ready() from steward/worker" },
  "ready-timeout": { type: "string", value: "<ms>", doc: "not ready by then: killed and restarted (default 30000)" },
  "kill-timeout": { type: "string", value: "<ms>", doc: "graceful stop, then SIGKILL (default 10000)" },
  "heartbeat-timeout": { type: "string", value: "<ms>", doc: "ipc workers silent this long are replaced (default 0: off)" },
  "max-restarts": { type: "string", value: "<n>", doc: "more crash restarts than this within --period: give up (default 10)" },
  period: { type: "string", value: "<ms>", doc: "the restart intensity window (default 60000)" },
  "max-surge": { type: "string", value: "<n>", doc: "extra workers a rolling reload may run at once (default 1)" },
  port: {
    type: "string",
    short: "p",
    value: "<port>",
    doc: "one TCP port all workers share: they call listen() from\nsteward/worker (reloads and stops drain, dropping nothing)",
  },
  host: { type: "string", value: "<addr>", doc: "address of --port (default 127.0.0.1; 0.0.0.0 for all)" },
  config: {
    type: "string",
    short: "c",
    value: "<file>",
    doc: "JSON config: { groups: [...], strategy, maxRestarts, ... };\nflags override the first group and the top-level options\n(without a command or --config, ./steward.config.json if present)",
  },
  "log-format": { type: "string", value: "<fmt>", doc: "text | json (one object per line) (default text)" },
  socket: {
    type: "string",
    short: "s",
    value: "<path>",
    doc: "control socket (default $XDG_RUNTIME_DIR/steward/<pid>.sock,\nelse <tmpdir>/steward-<uid>/<pid>.sock; on Windows the named pipe\n\\\\.\\pipe\\steward-<user>-<pid>, and <name> means \\\\.\\pipe\\<name>);\nsee steward ctl --help",
  },
  metrics: {
    type: "string",
    value: "<[host:]port>",
    doc: "serve /healthz, /readyz and /metrics (Prometheus) over HTTP\n(default off; a port alone listens on 127.0.0.1)",
  },
  help: { type: "boolean", short: "h", doc: "this help" },
  version: { type: "boolean", short: "V", doc: "print the version" },
} as const satisfies Record<string, FlagSpec>;

/**
 * The flags of `steward ctl`, in usage order (see `RUN_OPTIONS`).
 *
 * @example
 * ```ts
 * import { CTL_OPTIONS } from "./args.ts";
 * console.log(Object.keys(CTL_OPTIONS)); // ["socket", "timeout", "json", "help"]
 * ```
 */
export const CTL_OPTIONS = {
  socket: {
    type: "string",
    short: "s",
    value: "<path>",
    doc: "the master's control socket (default: the only master\nrunning under $XDG_RUNTIME_DIR/steward or <tmpdir>/steward-<uid>,\non Windows this user's only \\\\.\\pipe\\steward-<user>-<pid>)",
  },
  timeout: { type: "string", value: "<ms>", doc: "how long to wait for the reply (default 60000)" },
  json: { type: "boolean", doc: "print the reply as JSON" },
  help: { type: "boolean", short: "h", doc: "this help" },
} as const satisfies Record<string, FlagSpec>;

/**
 * The option lines of a usage text, aligned: `  -w, --workers <n>   doc`.
 *
 * @param flags A flag table such as `RUN_OPTIONS`.
 * @returns The lines, joined with newlines.
 *
 * @example
 * ```ts
 * import { flagLines, RUN_OPTIONS } from "./args.ts";
 * console.log(flagLines(RUN_OPTIONS));
 * ```
 */
export function flagLines(flags: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const short = spec.short === undefined ? "    " : `-${spec.short}, `;
    return { left: `  ${short}--${name}${spec.value === undefined ? "" : ` ${spec.value}`}`, doc: spec.doc.split("\n") };
  });
  const width = Math.max(...rows.map((row) => row.left.length)) + 3;
  return rows
    .flatMap((row) => row.doc.map((line, index) => `${(index === 0 ? row.left : "").padEnd(width)}${line}`))
    .join("\n");
}

/** Duration flags: flag -> group config field. */
const DURATION_FLAGS: readonly (readonly [string, string])[] = [
  ["ready-timeout", "readyTimeoutMs"],
  ["kill-timeout", "killTimeoutMs"],
  ["heartbeat-timeout", "heartbeatTimeoutMs"],
];

/**
 * Parses the arguments of `steward run`.
 *
 * @param argv The arguments after `run`.
 * @returns The parsed flags and command, or a one-line message (exit 2).
 *
 * @example Four workers of a command
 * ```ts
 * import { parseRunArgs } from "./args.ts";
 * const parsed = parseRunArgs(["-w", "4", "--", "node", "server.js"]);
 * if (parsed.ok) console.log(parsed.value.group.count, parsed.value.command); // 4 ["node", "server.js"]
 * ```
 */
export function parseRunArgs(argv: readonly string[]): Parsed<RunArgs> {
  const split = argv.indexOf("--");
  const own = split === -1 ? argv : argv.slice(0, split);
  const parsed = parse(own, RUN_OPTIONS);
  // `steward run node app.js --bind 3`: the worker's own flag, meant for after `--`.
  if (!parsed.ok && split === -1 && own.some((arg) => !arg.startsWith("-"))) return { ok: false, message: `${parsed.message}; put the command after --` };
  if (!parsed.ok) return parsed;
  const { values, positionals } = parsed.value;
  const command = [...positionals, ...(split === -1 ? [] : argv.slice(split + 1))];
  const group: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  const flags: Record<string, string> = {};
  const set = (target: Record<string, unknown>, key: string, value: unknown, flag: string): void => {
    target[key] = value;
    flags[key] = flag;
  };
  const text = (key: keyof typeof RUN_OPTIONS): string | undefined => values[key] as string | undefined;
  if (text("workers") !== undefined) set(group, "count", toNumber(text("workers")!), "--workers");
  if (text("name") !== undefined) set(group, "name", text("name"), "--name");
  const ready = text("ready");
  if (ready !== undefined) {
    const after = /^after:(.*)$/.exec(ready);
    if (after === null) set(group, "ready", ready, "--ready");
    else {
      set(group, "ready", "after", "--ready");
      set(group, "readyAfterMs", toNumber(after[1]!), "--ready");
    }
  }
  for (const [flag, key] of DURATION_FLAGS) {
    const raw = text(flag as keyof typeof RUN_OPTIONS);
    if (raw !== undefined) set(group, key, toNumber(raw), `--${flag}`);
  }
  if (text("max-surge") !== undefined) set(group, "maxSurge", toNumber(text("max-surge")!), "--max-surge");
  if (text("port") !== undefined) set(group, "port", toNumber(text("port")!), "--port");
  if (text("host") !== undefined) set(group, "host", text("host"), "--host");
  if (text("max-restarts") !== undefined) set(top, "maxRestarts", toNumber(text("max-restarts")!), "--max-restarts");
  if (text("period") !== undefined) set(top, "periodMs", toNumber(text("period")!), "--period");
  const logFormat = text("log-format") ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    return { ok: false, message: `--log-format: expected one of "text", "json", got ${JSON.stringify(logFormat)}` };
  }
  return {
    ok: true,
    value: {
      help: values.help === true,
      version: values.version === true,
      configPath: text("config") ?? null,
      logFormat,
      socketPath: text("socket") ?? null,
      metrics: text("metrics") ?? null,
      command,
      group,
      top,
      flags,
    },
  };
}

/**
 * Parses the arguments of `steward ctl`.
 *
 * @param argv The arguments after `ctl`.
 * @returns The flags and the subcommand's words, or a one-line message (exit 2).
 *
 * @example Scale a group
 * ```ts
 * import { parseCtlArgs } from "./args.ts";
 * const parsed = parseCtlArgs(["scale", "web", "4"]);
 * if (parsed.ok) console.log(parsed.value.words); // ["scale", "web", "4"]
 * ```
 */
export function parseCtlArgs(argv: readonly string[]): Parsed<CtlArgs> {
  const parsed = parse(argv, CTL_OPTIONS);
  if (!parsed.ok) return parsed;
  const { values, positionals } = parsed.value;
  const rawTimeout = values.timeout as string | undefined;
  const timeoutMs = rawTimeout === undefined ? 60_000 : Number(rawTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    return { ok: false, message: `--timeout: expected a positive integer of ms, got ${JSON.stringify(rawTimeout)}` };
  }
  return {
    ok: true,
    value: {
      help: values.help === true,
      socketPath: (values.socket as string | undefined) ?? null,
      json: values.json === true,
      timeoutMs,
      words: positionals,
    },
  };
}

type OptionTable = Readonly<Record<string, FlagSpec>>;

function parse(argv: readonly string[], options: OptionTable): Parsed<{ values: Record<string, unknown>; positionals: string[] }> {
  try {
    const { values, positionals } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
    return { ok: true, value: { values: values as Record<string, unknown>, positionals } };
  } catch (error) {
    return { ok: false, message: explain(error, options) };
  }
}

/** `--workers -1` -> `--workers=-1`: parseArgs would read `-1` as a flag and call the value missing. */
function joinNegativeValues(argv: readonly string[], options: OptionTable): string[] {
  const out: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const next = argv[index + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : Object.keys(options).find((key) => `-${options[key]!.short}` === arg);
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      index += 1;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' multi-sentence errors as one line naming the flag. */
function explain(error: unknown, options: OptionTable): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const known = Object.keys(options).map((key) => `--${key}`);
    return `${flag}: unknown option${suggest(flag, known)}; see --help`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const long = /--[a-z-]+/.exec(message)?.[0] ?? flag;
    return options[long.slice(2)]?.type === "boolean" ? `${long}: takes no value` : `${long}: expected a value`;
  }
  return message.split("\n")[0]!;
}

/** A number when the text is one (so validateConfig can judge its range), else the text itself. */
function toNumber(raw: string): number | string {
  return /^[+-]?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
}

function suggest(value: string, known: readonly string[]): string {
  const best = closestName(value, known);
  return best === null ? "" : ` (did you mean ${best}?)`;
}
