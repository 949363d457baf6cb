/**
 * Test rig for real `steward run` masters: the command a user runs on the
 * runtime running the tests (node runs the build, deno and bun run
 * `bin/steward.ts`), its JSON log parsed as it arrives, every worker pid it
 * reports adopted by the `withProcesses` rig for cleanup, and `steward ctl`.
 *
 * @module
 */

import { keepersOf, ROOT, RUNTIME, type Rig, type Started } from "./_harness.ts";

/** How a user runs steward on this runtime. */
export const STEWARD: readonly string[] = RUNTIME === "node"
  ? ["node", `${ROOT}/.build/bin/steward.js`]
  : RUNTIME === "deno"
  ? [`${ROOT}/node_modules/.bin/deno`, "run", "-A", `${ROOT}/bin/steward.ts`]
  : [`${ROOT}/node_modules/.bin/bun`, `${ROOT}/bin/steward.ts`];

/** One parsed line of the master's JSON log. */
export type Entry = Record<string, unknown> & { type: string };

/** A master started with `--log-format json`, its log parsed as it arrives; every worker pid is adopted by the rig. */
export class Master {
  readonly entries: Entry[] = [];
  #parsed = 0;
  readonly #rig: Rig;
  readonly started: Started;

  constructor(rig: Rig, started: Started) {
    this.#rig = rig;
    this.started = started;
  }

  get pid(): number {
    return this.started.handle.pid;
  }

  /** Parses new log lines; adopts the pid of every spawned worker. */
  sync(): void {
    const lines = this.started.record.out();
    for (; this.#parsed < lines.length; this.#parsed++) {
      let entry: Entry;
      try {
        entry = JSON.parse(lines[this.#parsed]!) as Entry;
      } catch {
        continue;
      }
      this.entries.push(entry);
      if (entry.type === "spawned") this.#rig.adopt([entry.pid as number]);
    }
  }

  /** Resolves with the first entry from index `from` on that matches; fails after `ms` or when the master exits first. */
  async until(what: string, match: (entry: Entry) => boolean, from = 0, ms = 10_000): Promise<Entry> {
    let hit: Entry | undefined;
    await this.started.record.until(what, () => {
      this.sync();
      hit = this.entries.slice(from).find(match);
      return hit !== undefined;
    }, ms);
    return hit!;
  }

  /** Resolves once `n` entries from `from` on match. */
  async count(what: string, n: number, match: (entry: Entry) => boolean, from = 0, ms = 10_000): Promise<Entry[]> {
    let hits: Entry[] = [];
    await this.started.record.until(what, () => {
      this.sync();
      hits = this.entries.slice(from).filter(match);
      return hits.length >= n;
    }, ms);
    return hits;
  }

  /** Its exit status; fails after `ms`. */
  async exited(ms = 15_000): Promise<{ code: number | null; signal: string | null }> {
    const exit = await this.started.record.exited(ms);
    this.sync();
    return exit;
  }

  stderr(): string[] {
    return this.started.record.out("stderr");
  }
}

/** Starts `steward run --log-format json ...args` and waits for its first worker. */
export async function startMaster(rig: Rig, args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Master> {
  const started = await rig.spawn([...STEWARD, "run", "--log-format", "json", ...args], options);
  const master = new Master(rig, started);
  // Its orphan keeper exists before its first spawn: adopt it too, so cleanup sees it gone.
  await master.until("the first spawned worker", (e) => e.type === "spawned", 0, 15_000);
  rig.adopt(await keepersOf(master.pid));
  return master;
}

/** Runs `steward ctl ...` to its end. */
export async function ctl(rig: Rig, args: readonly string[], env?: Record<string, string>): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const started = await rig.spawn([...STEWARD, "ctl", ...args], env === undefined ? {} : { env });
  const exit = await started.record.exited(15_000);
  return { code: exit.code, out: started.record.out(), err: started.record.out("stderr") };
}
