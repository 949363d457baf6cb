/**
 * `steward run`: a master process supervising one command (or the groups of
 * a config file), driven by signals and by its control socket.
 *
 * Rules:
 * - Everything that can be wrong with the input is found before anything
 *   starts: bad flags, a bad config file, a program not found, an
 *   unusable socket path or a `--metrics` address that cannot be bound give
 *   one line on stderr and exit 2, with no worker started.
 * - Signals: HUP reloads (re-reading the config file; an invalid one is
 *   reported in one line and the running workers are kept), TERM and INT
 *   stop gracefully (a second one stops at once), TTIN and TTOU scale the
 *   first group by +1 and -1. On Windows only Ctrl-C (INT) and Ctrl-Break
 *   (BREAK) are listened to, both a stop: nothing can send TERM, TTIN or
 *   TTOU there, and HUP means the console is closing, not "reload" (some
 *   runtimes also refuse or warn on a listener for a signal Windows lacks).
 * - Exit status: 0 after a clean stop, 1 when the supervisor gave up (the
 *   reason on stderr, with the last crash it saw), 2 for usage or config errors.
 * - The control socket is removed on every way out this process controls.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import process from "node:process";
import { detectRuntime, loadAdapter } from "../../adapters/_detect.ts";
import type { Adapter } from "../adapter.ts";
import type { Config, SupervisorRecord } from "../core/types.ts";
import { createSupervisor, type OutputLine, type Supervisor } from "../supervisor.ts";
import { flagLines, type Parsed, parseRunArgs, RUN_OPTIONS, type RunArgs } from "./args.ts";
import { buildConfig, readConfigFile } from "./config_file.ts";
import { type ControlHandlers, type ControlServer, startControlServer } from "./control.ts";
import { createLogger, type Logger, wantsColor } from "./log.ts";
import { openObservers } from "./observers.ts";
import { missingProgram } from "./programs.ts";
import { defaultSocketPath, prepareSocketDir, resolveSocketPath } from "./socket_path.ts";
import { VERSION } from "./version.ts";

/** Where `run` writes and what it reads. */
export interface RunIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stdout is a terminal (colour, unless `NO_COLOR`). */
  readonly isTTY: boolean;
}

/**
 * The usage text of `steward run`.
 *
 * @example
 * ```ts
 * import { RUN_HELP } from "./run.ts";
 * console.log(RUN_HELP);
 * ```
 */
export const RUN_HELP = `usage: steward run [options] -- <command...>
       steward run --config steward.config.json [options] [-- <command...>]

Starts <command> as supervised workers: replaces the ones that die (with
backoff), reloads them without dropping capacity, stops them gracefully.

options (durations are integers of milliseconds):
${flagLines(RUN_OPTIONS)}

signals: HUP reload (re-reads --config), TERM/INT graceful stop (a second one: at once),
         TTIN/TTOU one more / one fewer worker in the first group;
         on Windows only Ctrl-C (INT) and Ctrl-Break (BREAK), both a stop

exit status: 0 stopped cleanly, 1 gave up (reason on stderr), 2 usage or config error`;

/**
 * The config file `run` uses when given neither a command nor `--config`.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG_FILE } from "./run.ts";
 * console.log(DEFAULT_CONFIG_FILE); // "steward.config.json"
 * ```
 */
export const DEFAULT_CONFIG_FILE = "steward.config.json";

/**
 * Runs `steward run` until the supervisor exits.
 *
 * @param argv The arguments after `run`.
 * @param io Output, environment and terminal.
 * @returns The exit status: 0, 1 or 2.
 *
 * @example
 * ```ts
 * import { runMaster } from "./run.ts";
 * const code = await runMaster(["-w", "2", "--", "node", "server.js"], { out: console.log, err: console.error, env: process.env, isTTY: false });
 * process.exit(code);
 * ```
 */
export async function runMaster(argv: readonly string[], io: RunIo): Promise<number> {
  const usage = (message: string): number => {
    io.err(`steward run: ${message}`);
    return 2;
  };
  const parsed = parseRunArgs(argv);
  if (!parsed.ok) return usage(parsed.message);
  const args = withDefaultConfigFile(parsed.value);
  if (args.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (args.version) {
    io.out(VERSION);
    return 0;
  }
  if (args.command.length === 0 && args.configPath === null) return usage("missing command: steward run [options] -- <command...>");
  const loaded = loadConfig(args, io.env);
  if (!loaded.ok) return usage(loaded.message);
  let socketPath: string;
  try {
    socketPath = args.socketPath === null ? defaultSocketPath({ env: io.env, pid: process.pid }) : resolveSocketPath(args.socketPath);
  } catch (error) {
    return usage(`--socket: ${(error as Error).message}`);
  }
  const log = createLogger({
    format: args.logFormat,
    color: wantsColor(io.isTTY, io.env),
    write: (stream, line) => (stream === "stderr" ? io.err(line) : io.out(line)),
  });

  let sup: Supervisor | null = null;
  let adapter: Adapter | null = null;
  const handlers = controlHandlers(() => sup!, () => adapter, args, io.env, log);
  let server: ControlServer;
  try {
    prepareSocketDir({ path: socketPath, owned: args.socketPath === null });
    server = await startControlServer(socketPath, handlers);
  } catch (error) {
    return usage(`--socket: ${(error as Error).message}`);
  }

  const observers = await openObservers({ metrics: args.metrics, env: io.env, pid: process.pid, log, version: VERSION, runtime: detectRuntime() });
  if (!observers.ok) {
    await server.close();
    return usage(observers.message);
  }
  adapter = await loadAdapter();
  const bound = await bindPorts(adapter, loaded.value, args);
  if (bound !== null) {
    await adapter.close();
    await observers.value.close();
    await server.close();
    return usage(bound);
  }

  const risk = reusePortRisk(adapter, loaded.value);
  if (risk !== null) log.error("sharedPortRisk", risk);
  const crashes = new CrashMemory();
  sup = createSupervisor(loaded.value, {
    adapter,
    onRecord: (record) => {
      crashes.record(record);
      observers.value.record(record);
      log.record(record);
    },
    onOutput: (line) => {
      crashes.output(line);
      log.output(line);
    },
  });
  observers.value.attach(sup, adapter.clock);
  log.info("listening", `control socket ${socketPath} (master pid ${process.pid})`, { socket: socketPath, pid: process.pid });
  const removeSignals = installSignals(sup, handlers, log);
  const outcome = await sup.done;
  removeSignals();
  await observers.value.close();
  await server.close();
  if (outcome.code !== 0) io.err(`steward run: gave up: ${outcome.reason}${crashes.describe()}`);
  return outcome.code;
}

function withDefaultConfigFile(args: RunArgs): RunArgs {
  if (args.command.length > 0 || args.configPath !== null || args.help || args.version) return args;
  return readConfigFile(DEFAULT_CONFIG_FILE).ok ? { ...args, configPath: DEFAULT_CONFIG_FILE } : args;
}

/** Reads the config file (if any) and merges the flags over it; called at start and on every reload. */
function loadConfig(args: RunArgs, env: RunIo["env"]): Parsed<Config> {
  const workers = Math.max(1, typeof availableParallelism === "function" ? availableParallelism() : cpus().length);
  let built: Parsed<Config>;
  if (args.configPath === null) built = buildConfig(args, null, workers);
  else {
    const file = readConfigFile(args.configPath);
    if (!file.ok) return file;
    built = buildConfig(args, { path: args.configPath, json: file.value }, workers);
  }
  if (!built.ok) return built;
  const missing = missingProgram(built.value, env, process.cwd());
  if (missing === null) return built;
  const where = missing.group === 0 && args.command.length > 0 ? "command" : `${args.configPath}: groups[${missing.group}].command`;
  return { ok: false, message: `${where}: ${missing.message}` };
}

/**
 * Binds every group's shared `port` before any worker starts (or before a
 * reload), so a port in use is a config error, not a crash loop.
 * Returns the one-line problem, or `null` when every port is bound.
 */
async function bindPorts(adapter: Adapter, config: Config, args: RunArgs): Promise<string | null> {
  for (const [index, group] of config.groups.entries()) {
    if (group.port === null) continue;
    try {
      await adapter.listen({ host: group.host, port: group.port });
    } catch (error) {
      const where = index === 0 && args.flags.port !== undefined ? "--port" : `${args.configPath ?? "config"}: groups[${index}].port`;
      return `${where}: ${(error as Error).message}`;
    }
  }
  return null;
}

/**
 * With SO_REUSEPORT (a Deno or Bun master), Linux resets the connections
 * queued on a worker's listener at the instant it closes, unless
 * `net.ipv4.tcp_migrate_req` is 1. Returns the warning, or `null`.
 */
function reusePortRisk(adapter: Adapter, config: Config): string | null {
  if (adapter.runtime === "node" || process.platform !== "linux" || config.groups.every((group) => group.port === null)) return null;
  let setting: string;
  try {
    setting = readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim();
  } catch {
    return null;
  }
  if (setting !== "0") return null;
  return `the shared port is shared with SO_REUSEPORT on ${adapter.runtime}: a reload may reset a connection queued on a closing worker; set net.ipv4.tcp_migrate_req=1, or run the master on Node`;
}

function controlHandlers(sup: () => Supervisor, adapter: () => Adapter | null, args: RunArgs, env: RunIo["env"], log: Logger): ControlHandlers {
  return {
    status: () => ({ pid: process.pid, status: sup().status() }),
    reload: async () => {
      if (args.configPath === null) return sup().reload();
      let loaded = loadConfig(args, env);
      if (loaded.ok) {
        const problem = await bindPorts(adapter()!, loaded.value, args);
        if (problem !== null) loaded = { ok: false, message: problem };
      }
      if (!loaded.ok) {
        log.error("reloadRejected", `reload rejected, workers kept: ${loaded.message}`);
        throw new Error(loaded.message);
      }
      return sup().reload(loaded.value);
    },
    scale: (group, count) => sup().scale(group, count),
    restart: (target) => sup().restart(target),
    stop: (graceful) => void sup().stop({ graceful }),
  };
}

/** Signals as requests; returns the function that removes the listeners. */
function installSignals(sup: Supervisor, handlers: ControlHandlers, log: Logger): () => void {
  let stops = 0;
  const complain = (what: string) => (error: unknown): void => log.error("requestFailed", `${what} failed: ${(error as Error).message}`);
  const stop = (signal: string) => (): void => {
    stops += 1;
    log.info("signal", `${signal}: ${stops === 1 ? "stopping gracefully" : "stopping now"}`, { signal });
    void sup.stop({ graceful: stops === 1 });
  };
  const scaleBy = (signal: string, delta: number) => (): void => {
    const group = sup.status().groups.find((g) => g.desired > 0);
    if (group === undefined) return;
    const count = group.desired + delta;
    if (count < 1) {
      log.error("requestFailed", `${signal}: ${group.name} already has 1 worker; not scaling to 0`);
      return;
    }
    log.info("signal", `${signal}: scaling ${group.name} to ${count}`, { signal, group: group.name, count });
    sup.scale(group.name, count).catch(complain(`${signal} scale`));
  };
  const listeners: [string, () => void][] = process.platform === "win32" ? [["SIGINT", stop("SIGINT")], ["SIGBREAK", stop("SIGBREAK")]] : [
    ["SIGHUP", () => {
      log.info("signal", "SIGHUP: reloading", { signal: "SIGHUP" });
      handlers.reload().catch(complain("SIGHUP reload"));
    }],
    ["SIGTERM", stop("SIGTERM")],
    ["SIGINT", stop("SIGINT")],
    ["SIGTTIN", scaleBy("SIGTTIN", 1)],
    ["SIGTTOU", scaleBy("SIGTTOU", -1)],
  ];
  for (const [signal, listener] of listeners) process.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

/** The last unplanned exit and the last stderr line per worker, to say why the supervisor gave up. */
class CrashMemory {
  #lastExit: Extract<SupervisorRecord, { type: "exited" }> | Extract<SupervisorRecord, { type: "spawnFailed" }> | null = null;
  readonly #stderr = new Map<string, string>();

  record(record: SupervisorRecord): void {
    if ((record.type === "exited" && !record.planned) || record.type === "spawnFailed") this.#lastExit = record;
  }

  output(line: OutputLine): void {
    if (line.stream === "stderr" && line.text.trim() !== "") this.#stderr.set(`${line.group}.${line.slot}`, line.text.slice(0, 200));
  }

  describe(): string {
    const last = this.#lastExit;
    if (last === null) return "";
    const worker = `${last.group}.${last.slot}`;
    const how = last.type === "spawnFailed"
      ? `failed to spawn: ${last.error}`
      : last.signal !== null ? `killed by ${last.signal}` : `exited with code ${last.code}`;
    const said = this.#stderr.get(worker);
    return `; last crash: ${worker}${last.type === "exited" && last.pid !== null ? ` (pid ${last.pid})` : ""} ${how}${said === undefined ? "" : `, its last stderr line: ${JSON.stringify(said)}`}`;
  }
}
