/**
 * Keep-alive HTTP load for the benchmarks: autocannon on 127.0.0.1 for at
 * most `seconds`, stopped early by SIGTERM, then one JSON line with what
 * it measured: `{ ok, failed, seconds, p99 }` (failed: errors, timeouts
 * and non-2xx answers; p99 latency in ms).
 *
 * Usage: `node .build/bench/_cannon.js <http://127.0.0.1:port/> <connections> <seconds>`
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";

interface Result {
  readonly "2xx": number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latency: { readonly p99: number };
  readonly start: Date;
  readonly finish: Date;
}

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>, done: (error: Error | null, result: Result) => void) => { stop(): void };

const [url, connections, seconds] = process.argv.slice(2);
if (url === undefined || !url.startsWith("http://127.0.0.1:") || !(Number(connections) > 0) || !(Number(seconds) > 0)) {
  console.error(`_cannon: usage: _cannon <http://127.0.0.1:port/> <connections> <seconds>, got ${JSON.stringify(process.argv.slice(2))}`);
  process.exit(2);
}

const instance = autocannon({ url, connections: Number(connections), duration: Number(seconds), timeout: 5 }, (error, result) => {
  if (error) {
    console.error(`_cannon: ${error.message}`);
    process.exit(1);
  }
  const elapsed = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000;
  const line = { ok: result["2xx"], failed: result.errors + result.timeouts + result.non2xx, seconds: elapsed, p99: result.latency.p99 };
  process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
});
process.on("SIGTERM", () => instance.stop());
