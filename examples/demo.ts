/**
 * The demo behind `npm start`: steward supervises four workers of
 * `examples/http_server.ts` on the runtime it runs on, prints where they
 * listen and how to drive it, and narrates what the supervisor does.
 *
 * - `kill <worker pid>`: the worker is replaced at once;
 * - Ctrl-C (or `kill <master pid>`): graceful stop; a second Ctrl-C kills at once.
 *
 * Each worker listens on its own port (`PORT` + slot). A rolling reload
 * starts the new worker before the old one stops, so it needs the workers to
 * share one port; until steward provides that, SIGHUP is not offered here.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../adapters/_detect.ts";
import { supervise } from "../mod.ts";
import type { SupervisorRecord } from "../src/core/types.ts";

const WORKERS = 4;
const PORT = Number(process.env.PORT ?? 8080);
const source = fileURLToPath(import.meta.url);
const server = source.replace(/demo\.(ts|js)$/, (_match, ext: string) => `http_server.${ext}`);

/** How to run a script file on the runtime this demo runs on. */
function runtimeCommand(script: string): string[] {
  return detectRuntime() === "deno" ? [process.execPath, "run", "-A", script] : [process.execPath, script];
}

function narrate(record: SupervisorRecord): void {
  const at = `${(record.at / 1000).toFixed(3).padStart(8)}s`;
  switch (record.type) {
    case "spawned":
      return console.log(`${at}  ${record.group}.${record.slot} started as pid ${record.pid}`);
    case "exited":
      return console.log(`${at}  ${record.group}.${record.slot} pid ${record.pid} ${record.signal ?? `exited ${record.code}`}${record.planned ? "" : " (unplanned)"}`);
    case "restarting":
      return console.log(`${at}  ${record.group}.${record.slot} restarting in ${record.inMs} ms (attempt ${record.attempt})`);
    case "rolloutStarted":
      return console.log(`${at}  ${record.reason} to generation ${record.generation}`);
    case "rolloutFinished":
      return console.log(`${at}  ${record.reason} finished`);
    case "gaveUp":
      return console.log(`${at}  gave up: ${record.reason}`);
    case "stopRequested":
      return console.log(`${at}  stopping${record.graceful ? " gracefully" : " now"}`);
    default:
      return;
  }
}

const sup = supervise(
  { groups: [{ name: "web", command: runtimeCommand(server), count: WORKERS, ready: "ipc", env: { PORT: String(PORT) }, killTimeoutMs: 5000 }] },
  { onRecord: narrate },
);

let interrupts = 0;
process.on("SIGINT", () => void sup.stop({ graceful: interrupts++ === 0 }));
process.on("SIGTERM", () => void sup.stop());
process.on("SIGHUP", () => console.log("this demo's workers each own a port, so a rolling reload cannot start their replacements; not reloading"));

sup.ready.then(
  () => {
    console.log(`\nsteward master pid ${process.pid}: ${WORKERS} workers ready`);
    for (let slot = 0; slot < WORKERS; slot++) console.log(`  http://127.0.0.1:${PORT + slot}/`);
    const rows = [["kill <worker pid>", "the worker is replaced"], [`Ctrl-C, or kill ${process.pid}`, "graceful stop"]];
    console.log("");
    for (const [command, effect] of rows) console.log(`  ${command!.padEnd(24)} ${effect}`);
    console.log("");
  },
  () => {},
);

const outcome = await sup.done;
console.log(`steward exited: ${outcome.reason}`);
process.exit(outcome.code);
