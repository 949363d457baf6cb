/**
 * An HTTP server that runs unchanged on Node, Deno and Bun, supervised or
 * not. It answers `ok <pid>` (after `?delay=<ms>` milliseconds, to play a
 * slow request, which it logs), and leaves the port, readiness and draining to the worker
 * helper's `listen()`:
 *
 * - under `steward run --port 8080 -w 4`, all four workers share port 8080,
 *   and a reload or stop drains each one without dropping a request;
 * - alone, it listens on `PORT` (default 8080): `deno run -A examples/http_server.ts`.
 *
 * @module
 */

import process from "node:process";
import { setTimeout } from "node:timers";
import { listen } from "../src/worker.ts";

await listen((request, response) => {
  const delay = Number(new URL(request.url ?? "/", "http://x").searchParams.get("delay") ?? 0);
  const answer = (): void => {
    response.setHeader("content-type", "text/plain");
    response.end(`ok ${process.pid}\n`);
  };
  if (delay > 0) {
    console.log(`slow request: answering in ${delay} ms`);
    setTimeout(answer, Math.min(delay, 60_000));
  }
  else answer();
});
