/**
 * A driver for a master that prints its workers' lifecycle as JSON lines
 * (`{ t, kind: "spawned" | "ready" | "exited", slot, pid, code?, signal?,
 * planned? }`, `t` from `Date.now()`) and stops on SIGTERM: the throng
 * primary here, the bare parent of the benchmarks. Reload and scale are
 * refused (such masters have neither).
 *
 * @module
 */

import type { Driver, LaunchOptions, Lifecycle, Pids } from "../driver.ts";
import { jsonLine, MasterProcess, masterControls } from "./_child.ts";

/** What a facts driver runs. */
export interface FactsDriverOptions {
  /** Name in reports. */
  readonly name: string;
  /** The master's argv and environment for a launch. */
  readonly master: (launch: LaunchOptions) => { readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> };
  /**
   * The master takes `{ cmd: "reload" }` and `{ cmd: "scale", count }` as JSON lines on stdin.
   * @default false (`reload` and `scale` reject)
   */
  readonly commands?: boolean;
}

/**
 * Creates a driver for a master speaking the lifecycle-line protocol.
 *
 * @param options Its name and how to start its master.
 * @returns A driver; its `reload` and `scale` reject unless `commands` is set.
 *
 * @example
 * ```ts
 * import { factsDriver } from "./_facts.ts";
 * const driver = factsDriver({ name: "bare", master: () => ({ argv: ["node", "parent.js"], env: {} }) });
 * ```
 */
export function factsDriver(options: FactsDriverOptions): Driver {
  let master: MasterProcess | null = null;
  let epoch = 0;
  const lifecycle: Lifecycle[] = [];
  const onLine = (line: string): void => {
    const fact = jsonLine(line);
    if (fact === null || typeof fact.t !== "number") return;
    const at = fact.t - epoch;
    const slot = fact.slot as number;
    const pid = fact.pid as number;
    if (fact.kind === "spawned" || fact.kind === "ready") lifecycle.push({ kind: fact.kind, at, slot, pid });
    else if (fact.kind === "exited") {
      const planned = typeof fact.planned === "boolean" ? fact.planned : null;
      lifecycle.push({ kind: "exited", at, slot, pid, code: fact.code as number | null, signal: fact.signal as string | null, planned });
    }
  };
  const command = (message: Readonly<Record<string, unknown>>): Promise<void> => {
    master?.write(JSON.stringify(message));
    return Promise.resolve();
  };
  const refuse = (what: string): Promise<void> => Promise.reject(new Error(`${options.name} driver: ${what} is not supported by this launcher`));
  return {
    name: options.name,
    async start(launch: LaunchOptions): Promise<void> {
      epoch = launch.epoch;
      const { argv, env } = options.master(launch);
      master = new MasterProcess(argv, env, onLine);
      await master.until("the first worker", () => lifecycle.length > 0, 30_000);
    },
    pids(): Promise<Pids> {
      return Promise.resolve({ master: master?.exit === null ? master.pid ?? null : null, workers: liveWorkers(lifecycle) });
    },
    reload: () => (options.commands === true ? command({ cmd: "reload" }) : refuse("reload")),
    scale: (count: number) => (options.commands === true ? command({ cmd: "scale", count }) : refuse("scale")),
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
 * import { liveWorkers } from "./_facts.ts";
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
