/**
 * An idle worker for the start-up, stop and master-overhead benchmarks: it
 * says it is ready (to a steward master over IPC, and as a `ready` line on
 * stdout for a bare parent), then does nothing; asked to stop, it drains
 * for 200 ms and exits 0 (on SIGINT too, which is how PM2 stops its
 * workers). Runs on Node, Deno and Bun.
 *
 * @module
 */

import process from "node:process";
import { setTimeout as delay } from "node:timers/promises";
import { onStop, ready } from "../../src/worker.ts";

/** How long a stop drains. */
const DRAIN_MS = 200;

const idle = setInterval(() => undefined, 60_000);
onStop(async () => {
  await delay(DRAIN_MS);
  clearInterval(idle);
});
process.once("SIGINT", () => process.kill(process.pid, "SIGTERM"));
ready();
process.stdout.write("ready\n");
