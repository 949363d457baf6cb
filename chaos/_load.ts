/**
 * The bounded HTTP load of the HTTP workload: autocannon at a fixed rate
 * on 127.0.0.1, counted per 100 ms. Runs as its own Node process (the
 * harness may run on Deno or Bun) and prints one JSON line per bucket:
 * `{ "at": <Date.now() of the bucket>, "ok": n, "errors": n, "errorAt": [ms, ...] }`,
 * where an error is a failed request or a non-2xx answer and `errorAt`
 * holds the `Date.now()` of each, so a checker can tell which fault it
 * followed.
 *
 * Usage: `node .build/chaos/_load.js <url> <durationSeconds> <requestsPerSecond>`
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>) => {
  on(event: "response", listener: (client: unknown, status: number) => void): void;
  on(event: "reqError", listener: (error: Error) => void): void;
  on(event: "done", listener: () => void): void;
  stop(): void;
};

const [url, seconds, rate] = process.argv.slice(2);
if (url === undefined || !url.startsWith("http://127.0.0.1:") || !(Number(seconds) > 0) || !(Number(rate) > 0)) {
  console.error(`_load: usage: _load <http://127.0.0.1:port/> <seconds> <requests per second>, got ${JSON.stringify(process.argv.slice(2))}`);
  process.exit(2);
}

const BUCKET_MS = 100;
const buckets = new Map<number, { ok: number; errors: number; errorAt: number[] }>();
const count = (ok: boolean): void => {
  const now = Date.now();
  const at = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  const bucket = buckets.get(at) ?? { ok: 0, errors: 0, errorAt: [] };
  if (ok) bucket.ok += 1;
  else {
    bucket.errors += 1;
    bucket.errorAt.push(now);
  }
  buckets.set(at, bucket);
};
const flush = (all: boolean): void => {
  const now = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS;
  for (const [at, bucket] of buckets) {
    if (!all && at >= now) continue;
    process.stdout.write(`${JSON.stringify({ at, ...bucket })}\n`);
    buckets.delete(at);
  }
};

const instance = autocannon({ url, connections: 4, duration: Number(seconds), overallRate: Number(rate), timeout: 5 });
instance.on("response", (_client, status) => count(status >= 200 && status < 300));
instance.on("reqError", () => count(false));
const flusher = setInterval(() => flush(false), 500);
instance.on("done", () => {
  clearInterval(flusher);
  flush(true);
});
process.on("SIGTERM", () => instance.stop());
