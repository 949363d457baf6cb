/**
 * A node `cluster` primary in the way such primaries are usually written:
 * fork N workers, fork a new one whenever one exits (no backoff, no give-up),
 * roll through the slots on `reload`. It prints one JSON lifecycle line per
 * fact (`{ t, kind, slot, pid, code?, signal?, planned? }`, `t` from
 * `Date.now()`) and takes JSON commands on stdin: `{ cmd: "reload" }`,
 * `{ cmd: "scale", count }`, `{ cmd: "stop" }` (SIGTERM works too).
 *
 * Its options come as JSON in `CHAOS_PRIMARY`: `{ workers, exec, args,
 * port, killTimeoutMs, respawn }`, where `respawn: "never"` makes it the
 * broken launcher the checkers must catch.
 *
 * @module
 */

import cluster, { type Worker } from "node:cluster";
import process from "node:process";
import { createInterface } from "node:readline";

interface PrimaryOptions {
  readonly workers: number;
  readonly exec: string;
  readonly args: readonly string[];
  readonly port: number | null;
  readonly killTimeoutMs: number;
  readonly respawn: "always" | "never";
}

const options = JSON.parse(process.env.CHAOS_PRIMARY ?? "null") as PrimaryOptions | null;
if (options === null) {
  console.error("cluster primary: CHAOS_PRIMARY must hold the options as JSON");
  process.exit(2);
}

const say = (fact: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ t: Date.now(), ...fact })}\n`);
cluster.setupPrimary({ exec: options.exec, args: [...options.args], silent: true });

let count = options.workers;
let stopping = false;
/** The worker holding each slot. */
const holders = new Map<number, Worker>();
const planned = new WeakSet<Worker>();

function fork(slot: number): Worker {
  const worker = cluster.fork({ CHAOS_SLOT: String(slot) });
  worker.process.stdout?.resume();
  worker.process.stderr?.resume();
  const pid = worker.process.pid!;
  say({ kind: "spawned", slot, pid });
  worker.once(options!.port === null ? "online" : "listening", () => say({ kind: "ready", slot, pid }));
  worker.once("exit", (code, signal) => {
    say({ kind: "exited", slot, pid, code: signal ? null : code, signal: signal || null, planned: planned.has(worker) });
    if (holders.get(slot) !== worker) return;
    holders.delete(slot);
    if (!stopping && slot < count && options!.respawn === "always") holders.set(slot, fork(slot));
    if (stopping && holders.size === 0) process.exit(0);
  });
  return worker;
}

function retire(worker: Worker): void {
  planned.add(worker);
  worker.kill("SIGTERM");
  setTimeout(() => worker.process.kill("SIGKILL"), options!.killTimeoutMs).unref();
}

async function reload(): Promise<void> {
  for (const [slot, old] of [...holders]) {
    const next = fork(slot);
    holders.set(slot, next);
    await new Promise<void>((resolve) => {
      next.once(options!.port === null ? "online" : "listening", () => resolve());
      next.once("exit", () => resolve());
    });
    retire(old);
  }
}

function scale(to: number): void {
  count = to;
  for (const [slot, worker] of holders) {
    if (slot < to) continue;
    holders.delete(slot);
    retire(worker);
  }
  for (let slot = 0; slot < to; slot++) if (!holders.has(slot)) holders.set(slot, fork(slot));
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (holders.size === 0) process.exit(0);
  for (const worker of holders.values()) retire(worker);
}

for (let slot = 0; slot < count; slot++) holders.set(slot, fork(slot));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
const commands = createInterface({ input: process.stdin });
commands.on("line", (line) => {
  let command: { cmd?: string; count?: number };
  try {
    command = JSON.parse(line);
  } catch {
    return;
  }
  if (command.cmd === "reload") void reload();
  else if (command.cmd === "scale" && Number.isInteger(command.count) && command.count! > 0) scale(command.count!);
  else if (command.cmd === "stop") stop();
});
// stdin ends when the harness is gone (even SIGKILLed): stop rather than outlive it.
commands.on("close", stop);
