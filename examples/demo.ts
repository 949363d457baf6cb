/**
 * The demo behind `npm start`: `steward run` supervising four workers of
 * `examples/http_server.ts` that share one port, on the runtime the demo
 * runs on. Once they are ready it prints the URL, the master's pid and how
 * to drive it with `steward ctl` from another terminal; the master's own
 * log follows.
 *
 * The same as typing:
 * `steward run --name web -w 4 --ready ipc --port 8080 -- node examples/http_server.js`
 *
 * @module
 */

import { basename, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../adapters/_detect.ts";
import { runMaster } from "../src/cli/run.ts";

const WORKERS = 4;
const PORT = process.env.PORT ?? "8080";
const here = fileURLToPath(import.meta.url);
const server = here.replace(/demo\.(ts|js)$/, (_match, ext: string) => `http_server.${ext}`);
const steward = here.replace(/examples\/demo\.(ts|js)$/, (_match, ext: string) => `bin/steward.${ext}`);

/** How to run a script file on the runtime this demo runs on. */
function runtimeCommand(script: string): string[] {
  return detectRuntime() === "deno" ? [process.execPath, "run", "-A", script] : [process.execPath, script];
}

function guide(): string {
  const [runtime, ...rest] = runtimeCommand(steward);
  const ctl = [basename(runtime!), ...rest.map((part) => relative(process.cwd(), part) || part), "ctl"].join(" ");
  const rows = [
    [`curl http://127.0.0.1:${PORT}/`, "any of the 4 workers answers"],
    [`${ctl} status`, "the workers: pid, phase, generation, uptime"],
    [`${ctl} reload`, "rolling reload, no request dropped"],
    [`kill <worker pid>`, "the worker is replaced at once"],
    [`${ctl} stop   (or Ctrl-C)`, "graceful stop"],
  ];
  const width = Math.max(...rows.map(([command]) => command!.length));
  return [
    "",
    `steward master pid ${process.pid}: ${WORKERS} workers ready on http://127.0.0.1:${PORT}/`,
    "from another terminal:",
    ...rows.map(([command, effect]) => `  ${command!.padEnd(width)}  ${effect}`),
    "",
  ].join("\n");
}

let ready = 0;
const code = await runMaster(
  ["--name", "web", "-w", String(WORKERS), "--ready", "ipc", "--port", PORT, "--kill-timeout", "5000", "--", ...runtimeCommand(server)],
  {
    out: (line) => {
      console.log(line);
      // Once, when the first generation is up; reloads print their own progress.
      if (ready < WORKERS && / ready pid \d+ \(generation 1\)/.test(line) && ++ready === WORKERS) console.log(guide());
    },
    err: (line) => console.error(line),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  },
);
process.exit(code);
