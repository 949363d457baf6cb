/**
 * The master's log: supervisor records, worker output and the CLI's own
 * notices, as text lines with a timestamp or as one JSON object per line.
 *
 * Rules:
 * - Records and notices go to stdout; a worker's stdout to stdout and its
 *   stderr to stderr; errors (a rejected reload, giving up) to stderr.
 * - Text: `<ISO time> <what>`; a worker's line is
 *   `<ISO time> [group.slot pid] <its text>`. Colour only when asked (a TTY without
 *   `NO_COLOR`, decided by the caller).
 * - JSON: `{ time, type, ... }` with the record's own fields, `at` (the
 *   master's monotonic clock, in ms) included so a log can be replayed
 *   through the core; worker lines are
 *   `{ time, type: "output", group, slot, pid, stream, text }`.
 *
 * @module
 */

import type { SupervisorRecord } from "../core/types.ts";
import type { OutputLine } from "../supervisor.ts";
import type { LogFormat } from "./args.ts";

/** Where a log line goes. */
export type LogStream = "stdout" | "stderr";

/** Options of `createLogger`. */
export interface LoggerOptions {
  readonly format: LogFormat;
  /** ANSI colour in text lines. @default false */
  readonly color?: boolean;
  /** Writes one line (without its newline). */
  readonly write: (stream: LogStream, line: string) => void;
  /** Wall-clock time of a line. @default () => new Date() */
  readonly now?: () => Date;
}

/** The master's logger. */
export interface Logger {
  /** A supervisor record. */
  record(record: SupervisorRecord): void;
  /** A line a worker wrote. */
  output(line: OutputLine): void;
  /** A notice of the CLI (`type` names it in JSON), on stdout. */
  info(type: string, message: string, fields?: Readonly<Record<string, unknown>>): void;
  /** An error of the CLI, on stderr. */
  error(type: string, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

const COLORS = { dim: "\x1b[2m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m", cyan: "\x1b[36m", reset: "\x1b[0m" } as const;

/**
 * Whether text logs are coloured: only on a terminal, and never when
 * `NO_COLOR` is set to a non-empty value (https://no-color.org).
 *
 * @param isTTY The log goes to a terminal.
 * @param env The environment.
 * @returns True for colour.
 *
 * @example
 * ```ts
 * import { wantsColor } from "./log.ts";
 * console.log(wantsColor(true, { NO_COLOR: "1" })); // false
 * ```
 */
export function wantsColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && (env.NO_COLOR ?? "") === "";
}

/**
 * Creates the logger of one master.
 *
 * @param options Format, colour and where lines go.
 * @returns A logger.
 *
 * @example JSON lines to the console
 * ```ts
 * import { createLogger } from "./log.ts";
 * const log = createLogger({ format: "json", write: (stream, line) => (stream === "stderr" ? console.error : console.log)(line) });
 * log.info("listening", "control socket ready", { socket: "/tmp/s.sock" });
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const now = options.now ?? ((): Date => new Date());
  const paint = (color: keyof typeof COLORS, text: string): string => (options.color === true ? `${COLORS[color]}${text}${COLORS.reset}` : text);
  const json = (stream: LogStream, type: string, fields: Readonly<Record<string, unknown>>): void =>
    options.write(stream, JSON.stringify({ time: now().toISOString(), ...fields, type }));
  const text = (stream: LogStream, line: string): void => options.write(stream, `${paint("dim", now().toISOString())} ${line}`);
  return {
    record(record) {
      const stream: LogStream = record.type === "gaveUp" || record.type === "reloadRejected" ? "stderr" : "stdout";
      if (options.format === "json") return json(stream, record.type, record);
      const line = describeRecord(record);
      if (line !== null) text(stream, paint(colorOf(record), line));
    },
    output(line) {
      if (options.format === "json") {
        return json(line.stream, "output", { group: line.group, slot: line.slot, pid: line.pid, stream: line.stream, text: line.text });
      }
      text(line.stream, `${paint("cyan", `[${line.group}.${line.slot} ${line.pid}]`)} ${line.text}`);
    },
    info(type, message, fields = {}) {
      if (options.format === "json") json("stdout", type, { message, ...fields });
      else text("stdout", message);
    },
    error(type, message, fields = {}) {
      if (options.format === "json") json("stderr", type, { message, ...fields });
      else text("stderr", paint("red", message));
    },
  };
}

function colorOf(record: SupervisorRecord): keyof typeof COLORS {
  switch (record.type) {
    case "ready":
    case "rolloutFinished":
      return "green";
    case "exited":
      return record.planned ? "reset" : "yellow";
    case "restarting":
    case "killing":
    case "rejected":
      return "yellow";
    case "gaveUp":
    case "spawnFailed":
    case "reloadRejected":
      return "red";
    default:
      return "reset";
  }
}

/** One record as a text line; null for records only JSON logs carry. */
function describeRecord(record: SupervisorRecord): string | null {
  switch (record.type) {
    case "started":
      return `started ${record.groups.map((g) => `${g.name} x${g.count}`).join(", ")}`;
    case "spawning":
      return null;
    case "spawned":
      return `${record.group}.${record.slot} spawned pid ${record.pid}`;
    case "spawnFailed":
      return `${record.group}.${record.slot} failed to spawn: ${record.error}`;
    case "ready":
      return `${record.group}.${record.slot} ready pid ${record.pid} (generation ${record.generation})`;
    case "stopping":
      return `${record.group}.${record.slot} stopping (${record.reason})`;
    case "killing":
      return `${record.group}.${record.slot} killing (${record.reason})`;
    case "exited": {
      const how = record.signal !== null ? `killed by ${record.signal}` : `exited with code ${record.code}`;
      return `${record.group}.${record.slot} pid ${record.pid} ${how}${record.planned ? "" : " (unplanned)"}`;
    }
    case "restarting":
      return `${record.group}.${record.slot} restarting in ${record.inMs} ms (attempt ${record.attempt})`;
    case "gaveUp":
      return `gave up: ${record.reason}`;
    case "rolloutStarted":
      return `${record.reason} started: generation ${record.generation}, ${record.total} workers`;
    case "rolloutProgress":
      return null;
    case "rolloutFinished":
      return `${record.reason} finished: generation ${record.generation}`;
    case "reloadRejected":
      return `reload rejected: ${record.problems.length} problem(s)`;
    case "scaled":
      return `${record.group} scaled from ${record.from} to ${record.to}`;
    case "rejected":
      return `${record.event} rejected: ${record.reason}`;
    case "ignored":
      return null;
    case "stopRequested":
      return record.graceful ? "stopping gracefully" : "stopping now";
    case "stopped":
      return record.reason === "stopped" ? `stopped (exit ${record.code})` : `stopped: ${record.reason} (exit ${record.code})`;
  }
}
