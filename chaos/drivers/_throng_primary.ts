/**
 * A throng 5 app as throng's README writes one: `throng({ count, worker })`,
 * the worker importing the workload script. The master callback prints the
 * lifecycle lines of `chaos/drivers/_facts.ts` (slot: cluster worker id;
 * ready: `listening` with a port, else `online`); respawning, signals and
 * the stop grace are throng's own.
 *
 * Options as JSON in `CHAOS_THRONG`: `{ workers, exec, port, graceMs }`.
 *
 * @module
 */

import cluster from "node:cluster";
import { createRequire } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";

interface ThrongOptions {
  readonly workers: number;
  readonly exec: string;
  readonly port: number | null;
  readonly graceMs: number;
}

const options = JSON.parse(process.env.CHAOS_THRONG ?? "null") as ThrongOptions | null;
if (options === null) {
  console.error("throng primary: CHAOS_THRONG must hold the options as JSON");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const throng = require("throng") as (options: Record<string, unknown>) => Promise<void>;
const say = (fact: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ t: Date.now(), ...fact })}\n`);

await throng({
  count: options.workers,
  grace: options.graceMs,
  master: () => {
    cluster.setupPrimary({ silent: true });
    // stdin ends when the harness is gone (even SIGKILLed): throng's own SIGTERM shutdown, rather than outliving it.
    process.stdin.on("end", () => process.kill(process.pid, "SIGTERM"));
    process.stdin.resume();
    cluster.on("fork", (worker) => {
      worker.process.stdout?.resume();
      worker.process.stderr?.resume();
      say({ kind: "spawned", slot: worker.id, pid: worker.process.pid });
    });
    cluster.on(options.port === null ? "online" : "listening", (worker) => say({ kind: "ready", slot: worker.id, pid: worker.process.pid }));
    cluster.on("exit", (worker, code, signal) => {
      say({ kind: "exited", slot: worker.id, pid: worker.process.pid, code: signal ? null : code, signal: signal || null });
    });
  },
  worker: async () => {
    await import(pathToFileURL(options.exec).href);
  },
});
