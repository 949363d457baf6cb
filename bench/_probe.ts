/**
 * HTTP probes to 127.0.0.1 for the benchmarks: one GET on a fresh
 * connection that the caller can cancel, and `awaitServed`, which overlaps
 * such probes until a worker answers, so a connection a launcher holds
 * without answering costs only that probe.
 *
 * @module
 */

import http from "node:http";
import { pause } from "../chaos/_proc.ts";

/** How one probe ended; `at` is `performance.now()` then. */
export type ProbeResult =
  | { readonly answered: true; readonly body: string; readonly at: number }
  | { readonly answered: false; readonly reason: string; readonly at: number };

/** One probe under way. */
export interface Probe {
  /** `performance.now()` when it was started. */
  readonly startedAt: number;
  /** Settles once answered, refused, reset, or cancelled; never rejects. */
  readonly done: Promise<ProbeResult>;
  /** Still neither answered nor failed. */
  readonly pending: () => boolean;
  /** Destroys the connection; `done` then says `cancelled`. */
  cancel(): void;
}

/**
 * One GET to `http://127.0.0.1:<port>/` on a fresh connection, with no
 * timeout of its own: the caller cancels it. A 2xx answer gives its body;
 * another status, a refused or reset connection gives the reason.
 *
 * @example
 * ```ts
 * import { probe } from "./_probe.ts";
 * const attempt = probe(8080);
 * setTimeout(() => attempt.cancel(), 1_000);
 * console.log(await attempt.done); // { answered: true, body: "ok 1234\n", at: ... }
 * ```
 */
export function probe(port: number): Probe {
  const startedAt = performance.now();
  let settled = false;
  let cancelled = false;
  let finish: (result: ProbeResult) => void = () => undefined;
  const done = new Promise<ProbeResult>((resolve) => {
    finish = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
  });
  const failed = (reason: string): void => finish({ answered: false, reason: cancelled ? "cancelled" : reason, at: performance.now() });
  const request = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (response) => {
    let body = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => (body += chunk));
    response.on("end", () => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) finish({ answered: true, body, at: performance.now() });
      else failed(`HTTP ${status}`);
    });
    response.on("error", (error: NodeJS.ErrnoException) => failed(error.code ?? error.message));
  });
  request.on("error", (error: NodeJS.ErrnoException) => failed(error.code ?? error.message));
  return {
    startedAt,
    done,
    pending: () => !settled,
    cancel: () => {
      if (settled) return;
      cancelled = true;
      request.destroy();
      failed("cancelled");
    },
  };
}

/**
 * How `awaitServed` probes: a new probe every `everyMs` while fewer than
 * `atOnce` are pending; a probe started before the answered one and still
 * pending `hungAfterMs` after that answer is counted as hung.
 *
 * @example
 * ```ts
 * import { PROBING } from "./_probe.ts";
 * console.log(`a probe every ${PROBING.everyMs} ms, at most ${PROBING.atOnce} pending`);
 * ```
 */
export const PROBING = { everyMs: 2, atOnce: 64, hungAfterMs: 1_000 } as const;

/** What `awaitServed` found. */
export interface Served {
  /** The pid that answered. */
  readonly pid: number;
  /** `performance.now()` when that answer arrived. */
  readonly at: number;
  /** Probes started. */
  readonly probes: number;
  /**
   * Probes started before the answered one, still neither answered nor
   * closed `PROBING.hungAfterMs` after that answer: connections the launcher
   * accepted and then neither served nor closed.
   */
  readonly hung: number;
}

/**
 * Probes `port` until a worker other than `not` answers: a new probe on a
 * fresh connection every `PROBING.everyMs` while earlier ones are still
 * pending (at most `PROBING.atOnce`), none with a timeout of its own, so a
 * connection the launcher holds without answering costs only that probe.
 * The first answer from a pid other than `not` wins; then the probes
 * started before it get up to `PROBING.hungAfterMs` to settle, those still
 * pending are counted as hung, and every probe left is destroyed.
 * Rejects after `ms`, or with `signal`'s reason once it aborts.
 *
 * @example
 * ```ts
 * import { awaitServed } from "./_probe.ts";
 * const { pid, hung } = await awaitServed(8080, { ms: 10_000 });
 * ```
 */
export async function awaitServed(port: number, options: { ms: number; not?: number; signal?: AbortSignal }): Promise<Served> {
  const deadline = performance.now() + options.ms;
  const pending = new Set<Probe>();
  let probes = 0;
  let found: { pid: number; at: number; startedAt: number } | null = null;
  // `found` is set in a callback; read through a function so the loop condition is not narrowed to null.
  const winner = (): typeof found => found;
  try {
    while (winner() === null) {
      options.signal?.throwIfAborted();
      if (performance.now() > deadline) {
        const not = options.not === undefined ? "" : ` from a worker other than ${options.not}`;
        throw new Error(`port ${port}: no answer${not} within ${options.ms} ms (${probes} probes, ${pending.size} still pending)`);
      }
      if (pending.size < PROBING.atOnce) {
        const attempt = probe(port);
        probes += 1;
        pending.add(attempt);
        void attempt.done.then((result) => {
          pending.delete(attempt);
          if (found !== null || !result.answered) return;
          const pid = Number(/^ok (\d+)/.exec(result.body)?.[1]);
          if (Number.isInteger(pid) && pid !== options.not) found = { pid, at: result.at, startedAt: attempt.startedAt };
        });
      }
      await pause(PROBING.everyMs);
    }
    const served = winner()!;
    const earlier = [...pending].filter((attempt) => attempt.startedAt < served.startedAt);
    while (earlier.some((attempt) => attempt.pending()) && performance.now() < served.at + PROBING.hungAfterMs) await pause(10);
    return { pid: served.pid, at: served.at, probes, hung: earlier.filter((attempt) => attempt.pending()).length };
  } finally {
    for (const attempt of pending) attempt.cancel();
  }
}
