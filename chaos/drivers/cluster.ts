/**
 * The node `cluster` driver: a respawn-on-exit primary
 * (`chaos/drivers/_cluster_primary.ts`) run on Node, its workers forked by
 * `cluster` (so they run on Node too: `worker[0]` is ignored and
 * `worker[1..]` are the script and its arguments). With `respawn: "never"`
 * it is a deliberately broken launcher.
 *
 * @module
 */

import type { Driver, LaunchOptions, Lifecycle, Pids } from "../driver.ts";
import { built } from "../_proc.ts";
import { MasterProcess, masterControls } from "./_child.ts";

/** Options of the cluster driver. */
export interface ClusterDriverOptions {
  /** `"never"`: a launcher that forgets to respawn. @default "always" */
  readonly respawn?: "always" | "never";
  /** Name in reports. @default "cluster" */
  readonly name?: string;
}

/**
 * Creates a node `cluster` driver.
 *
 * @param options Respawn behaviour and name.
 * @returns A driver.
 *
 * @example
 * ```ts
 * import { clusterDriver } from "./cluster.ts";
 * const driver = clusterDriver();
 * await driver.start({ workers: 2, worker: ["node", "server.js"], dir: "/tmp/x", epoch: Date.now() });
 * await driver.stop();
 * ```
 */
export function clusterDriver(options: ClusterDriverOptions = {}): Driver {
  let master: MasterProcess | null = null;
  let epoch = 0;
  const lifecycle: Lifecycle[] = [];
  const onLine = (line: string): void => {
    let fact: Record<string, unknown>;
    try {
      fact = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const at = (fact.t as number) - epoch;
    const slot = fact.slot as number;
    const pid = fact.pid as number;
    if (fact.kind === "spawned" || fact.kind === "ready") lifecycle.push({ kind: fact.kind, at, slot, pid });
    else if (fact.kind === "exited") {
      lifecycle.push({ kind: "exited", at, slot, pid, code: fact.code as number | null, signal: fact.signal as string | null, planned: fact.planned as boolean });
    }
  };
  return {
    name: options.name ?? "cluster",
    async start(launch: LaunchOptions): Promise<void> {
      epoch = launch.epoch;
      const primary = {
        workers: launch.workers,
        exec: launch.worker[1],
        args: launch.worker.slice(2),
        port: launch.port ?? null,
        killTimeoutMs: launch.killTimeoutMs ?? 5_000,
        respawn: options.respawn ?? "always",
      };
      master = new MasterProcess(["node", built("chaos/drivers/_cluster_primary.ts")], { ...launch.env, CHAOS_PRIMARY: JSON.stringify(primary) }, onLine);
      await master.until("the first worker", () => lifecycle.length > 0, 30_000);
    },
    pids(): Promise<Pids> {
      return Promise.resolve({ master: master?.exit === null ? master.pid ?? null : null, workers: liveWorkers(lifecycle) });
    },
    reload(): Promise<void> {
      master?.write(JSON.stringify({ cmd: "reload" }));
      return Promise.resolve();
    },
    scale(count: number): Promise<void> {
      master?.write(JSON.stringify({ cmd: "scale", count }));
      return Promise.resolve();
    },
    ...masterControls(() => master, lifecycle),
  };
}

/**
 * Live workers from a lifecycle: spawned and not exited, ready once reported.
 *
 * @param lifecycle Lifecycle events in order.
 * @returns The live workers by slot.
 *
 * @example
 * ```ts
 * import { liveWorkers } from "./cluster.ts";
 * console.log(liveWorkers([{ kind: "spawned", at: 0, slot: 0, pid: 7 }])); // [{ slot: 0, pid: 7, ready: false }]
 * ```
 */
export function liveWorkers(lifecycle: readonly Lifecycle[]): { slot: number; pid: number; ready: boolean }[] {
  const live = new Map<number, { slot: number; pid: number; ready: boolean }>();
  for (const event of lifecycle) {
    if (event.kind === "spawned") live.set(event.pid, { slot: event.slot, pid: event.pid, ready: false });
    else if (event.kind === "ready") {
      const worker = live.get(event.pid);
      if (worker !== undefined) worker.ready = true;
    } else live.delete(event.pid);
  }
  return [...live.values()];
}
