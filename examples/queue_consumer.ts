/**
 * A queue-consumer-style worker: it takes jobs one at a time and, when asked
 * to stop, finishes the job in hand before exiting. The queue is simulated
 * (a counter and a timer) so the example needs no broker.
 *
 * `JOB_MS` sets how long a job takes (default 200).
 *
 * @module
 */

import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { onStop, ready } from "../src/worker.ts";

const jobMs = Number(process.env.JOB_MS ?? 200);
let stopping = false;
let done = 0;

async function consume(): Promise<void> {
  while (!stopping) {
    const job = done + 1;
    await sleep(jobMs);
    done = job;
    console.log(`job ${job} done`);
  }
}

const loop = consume();
ready();
onStop(async () => {
  stopping = true;
  await loop;
  console.log(`drained after ${done} jobs`);
});
