/**
 * The `steward` command: `run` starts a master, `ctl` talks to one.
 * `bin/steward.ts` calls `main` with the process's arguments and exits with
 * what it returns.
 *
 * @module
 */

import { CTL_HELP, runCtl } from "./ctl.ts";
import { RUN_HELP, runMaster, type RunIo } from "./run.ts";
import { VERSION } from "./version.ts";

/**
 * The top-level usage text: `steward --help`.
 *
 * @example
 * ```ts
 * import { HELP } from "./main.ts";
 * console.log(HELP);
 * ```
 */
export const HELP = `usage: steward run [options] -- <command...>    supervise a command (steward run --help)
       steward ctl [options] <command>           control a running master (steward ctl --help)
       steward --version

${RUN_HELP}

${CTL_HELP}`;

/**
 * Runs the `steward` command line.
 *
 * @param argv The arguments after the program name.
 * @param io Output, environment and terminal.
 * @returns The exit status.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { main } from "./main.ts";
 * const io = { out: console.log, err: console.error, env: process.env, isTTY: process.stdout.isTTY === true };
 * process.exit(await main(process.argv.slice(2), io));
 * ```
 */
export async function main(argv: readonly string[], io: RunIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run":
      return runMaster(rest, io);
    case "ctl":
      return runCtl(rest, io);
    case "--version":
    case "-V":
      io.out(VERSION);
      return 0;
    case "--help":
    case "-h":
    case "help":
      io.out(HELP);
      return 0;
    case undefined:
      io.err("steward: missing command: run or ctl; see steward --help");
      return 2;
    default:
      io.err(`steward: unknown command ${JSON.stringify(command)}; expected run or ctl; see steward --help`);
      return 2;
  }
}
