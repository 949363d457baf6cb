/**
 * An HTTP server that runs unchanged on Node, Deno and Bun, supervised or
 * not. It answers `ok <pid>`, reports ready once it listens, and on stop
 * closes its listener and finishes the requests in flight.
 *
 * Port: `PORT` (default 8080) plus the worker's slot, so N workers listen on
 * N consecutive ports (a shared port is the zero-downtime HTTP feature's job).
 *
 * Run: `steward`'s demo (`npm start`), or alone: `deno run -A examples/http_server.ts`.
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";
import { onStop, ready } from "../src/worker.ts";

const port = Number(process.env.PORT ?? 8080) + Number(process.env.STEWARD_SLOT ?? 0);
const server = createServer((_request, response) => {
  response.setHeader("content-type", "text/plain");
  response.end(`ok ${process.pid}\n`);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${port}`);
  ready();
});

onStop(() =>
  new Promise<void>((resolve) => {
    console.log("draining");
    server.close(() => resolve());
    server.closeIdleConnections?.();
  })
);
