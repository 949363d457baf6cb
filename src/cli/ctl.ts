/**
 * `steward ctl`: the client of a master's control socket. One request, one
 * reply, printed for people (a table for `status`) or as JSON (`--json`).
 *
 * Exit status: 0 when the master replied `ok`, 1 when it replied with an
 * error or could not be reached, 2 for usage errors.
 *
 * @module
 */

import { connect } from "node:net";
import type { WorkerStatus } from "../core/status.ts";
import { CTL_OPTIONS, type CtlArgs, flagLines, parseCtlArgs } from "./args.ts";
import { type ControlReply, CONTROL_VERSION } from "./control.ts";
import { defaultSocketDir, liveSockets, resolveSocketPath } from "./socket_path.ts";

/** Where `ctl` writes and what it reads. */
export interface CtlIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The usage text of `steward ctl`.
 *
 * @example
 * ```ts
 * import { CTL_HELP } from "./ctl.ts";
 * console.log(CTL_HELP);
 * ```
 */
export const CTL_HELP = `usage: steward ctl [--socket <path>] [--timeout <ms>] <command>

commands:
  status [--json]              workers: group, slot, pid, phase, generation, uptime, restarts
  reload                       rolling reload (re-reads the master's --config file)
  scale <group> <n>            set a group's worker count
  restart [<group>[.<slot>]]   rolling restart of everything, a group or one slot
  stop                         graceful stop of the master and its workers; returns
                               once every worker has exited

options:
${flagLines(CTL_OPTIONS)}

exit status: 0 done, 1 the master refused or could not be reached, 2 usage error`;

/**
 * Runs `steward ctl`.
 *
 * @param argv The arguments after `ctl`.
 * @param io Output and environment.
 * @returns The exit status.
 *
 * @example
 * ```ts
 * import { runCtl } from "./ctl.ts";
 * const code = await runCtl(["status"], { out: console.log, err: console.error, env: process.env });
 * ```
 */
export async function runCtl(argv: readonly string[], io: CtlIo): Promise<number> {
  const parsed = parseCtlArgs(argv);
  if (!parsed.ok) return usage(io, parsed.message);
  const args = parsed.value;
  if (args.help) {
    io.out(CTL_HELP);
    return 0;
  }
  const request = requestOf(args);
  if (typeof request === "string") return usage(io, request);
  let socketPath: string | null;
  try {
    socketPath = args.socketPath === null ? findSocket(io) : resolveSocketPath(args.socketPath);
  } catch (error) {
    return usage(io, `--socket: ${(error as Error).message}`);
  }
  if (socketPath === null) return 1;
  let reply: ControlReply;
  try {
    reply = await sendRequest(socketPath, request, args.timeoutMs);
  } catch (error) {
    io.err(`steward ctl: ${(error as Error).message}`);
    return 1;
  }
  if (!reply.ok) {
    if (args.json) io.out(JSON.stringify(reply));
    io.err(`steward ctl: ${request.cmd} failed: ${reply.error}`);
    return 1;
  }
  if (args.json) io.out(JSON.stringify(request.cmd === "status" ? { pid: reply.pid, ...(reply.status as object) } : reply));
  else if (request.cmd === "status") io.out(statusTable((reply.status as { workers: readonly WorkerStatus[] }).workers));
  else if (request.cmd !== "stop") io.out(`${request.cmd}: done`);
  if (request.cmd === "stop") {
    // The master closes its socket once every worker has exited: stop returns when the stop is over.
    if (!(await socketClosed(socketPath, args.timeoutMs))) {
      io.err(`steward ctl: stop: the master still runs after ${args.timeoutMs} ms`);
      return 1;
    }
    if (!args.json) io.out("stop: done; every worker has exited");
  }
  return 0;
}

/** Polls until nothing accepts on `socketPath` any more; false if it still does after `timeoutMs`. */
async function socketClosed(socketPath: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const accepted = await new Promise<boolean>((resolve) => {
      const probe = connect(socketPath);
      probe.once("connect", () => {
        probe.destroy();
        resolve(true);
      });
      probe.once("error", () => resolve(false));
    });
    if (!accepted) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * Sends one request and resolves with its reply line, parsed.
 *
 * @param socketPath The master's control socket.
 * @param request The request, without `v` (it is added).
 * @param timeoutMs How long to wait for the reply.
 * @returns The reply.
 * @throws {Error} One line when the socket cannot be reached, closes early or the reply is late.
 *
 * @example
 * ```ts
 * import { sendRequest } from "./ctl.ts";
 * const reply = await sendRequest("/tmp/steward-1000/1234.sock", { cmd: "status" }, 5000);
 * ```
 */
export function sendRequest(socketPath: string, request: Readonly<Record<string, unknown>>, timeoutMs: number): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = "";
    const timer = setTimeout(() => fail(new Error(`no reply from ${socketPath} within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(`${JSON.stringify({ v: CONTROL_VERSION, ...request })}\n`));
    socket.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline === -1) return;
      clearTimeout(timer);
      socket.end();
      try {
        resolve(JSON.parse(text.slice(0, newline)) as ControlReply);
      } catch {
        reject(new Error(`${socketPath}: the reply is not JSON`));
      }
    });
    socket.once("error", (error: Error & { code?: string }) => fail(new Error(`cannot reach ${socketPath}: ${error.code ?? error.message}`)));
    socket.once("close", () => fail(new Error(`${socketPath} closed the connection without a reply`)));
  });
}

/**
 * The status table `ctl status` prints.
 *
 * @param workers The workers of a status reply.
 * @returns Aligned columns, one worker per line after the header.
 *
 * @example
 * ```ts
 * import { statusTable } from "./ctl.ts";
 * console.log(statusTable([{ group: "web", slot: 0, id: 1, pid: 42, phase: "ready", generation: 1, uptimeMs: 5300, restarts: 0 }]));
 * ```
 */
export function statusTable(workers: readonly WorkerStatus[]): string {
  const rows = [["GROUP", "SLOT", "PID", "PHASE", "GENERATION", "UPTIME", "RESTARTS"]];
  for (const w of workers) {
    rows.push([w.group, String(w.slot), w.pid === null ? "-" : String(w.pid), w.phase, String(w.generation), formatUptime(w.uptimeMs), String(w.restarts)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()).join("\n");
}

function formatUptime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(1)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${String(Math.floor(seconds / 60) % 60).padStart(2, "0")}m`;
  return `${Math.floor(seconds / 86_400)}d${String(Math.floor(seconds / 3600) % 24).padStart(2, "0")}h`;
}

type Request = { readonly cmd: string } & Record<string, unknown>;

function requestOf(args: CtlArgs): Request | string {
  const [cmd, ...rest] = args.words;
  const extra = (max: number): string | null => (rest.length > max ? `${cmd}: unexpected argument ${JSON.stringify(rest[max])}` : null);
  switch (cmd) {
    case undefined:
      return "missing command: status, reload, scale, restart or stop";
    case "status":
    case "reload":
    case "stop":
      return extra(0) ?? { cmd };
    case "scale": {
      const [group, count] = rest;
      if (group === undefined || count === undefined) return "scale: expected <group> <n>";
      if (!/^\d+$/.test(count) || Number(count) < 1) return `scale: <n>: expected an integer from 1, got ${JSON.stringify(count)}`;
      return extra(2) ?? { cmd, group, count: Number(count) };
    }
    case "restart":
      return extra(1) ?? (rest[0] === undefined ? { cmd } : { cmd, target: rest[0] });
    default:
      return `unknown command ${JSON.stringify(cmd)}; expected status, reload, scale, restart or stop`;
  }
}

function findSocket(io: CtlIo): string | null {
  const found = liveSockets({ env: io.env });
  if (found.length === 1) return found[0]!;
  const dir = defaultSocketDir({ env: io.env });
  if (found.length === 0) io.err(`steward ctl: no steward master running (no live socket in ${dir}); pass --socket <path>`);
  else io.err(`steward ctl: ${found.length} steward masters running (${found.join(", ")}); pick one with --socket <path>`);
  return null;
}

function usage(io: CtlIo, message: string): number {
  io.err(`steward ctl: ${message}; see steward ctl --help`);
  return 2;
}
