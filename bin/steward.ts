#!/usr/bin/env node
/**
 * The `steward` executable. Node runs the build (`node .build/bin/steward.js`
 * after `npm run build:test`; package.json `bin` points there); Deno and Bun
 * run this file directly (`deno run -A bin/steward.ts`, `bun bin/steward.ts`).
 *
 * @example
 * ```sh
 * node .build/bin/steward.js run -w 4 -- node server.js
 * deno run -A bin/steward.ts ctl status
 * ```
 *
 * @module
 */

import process from "node:process";
import { main } from "../src/cli/main.ts";

// A closed pipe (`steward run | head`) must not crash the master: its lines are just dropped.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);

/** The last write of each stream; exiting waits for them, so no line is lost. */
const flushed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
const writer = (stream: NodeJS.WriteStream, index: 0 | 1) => (line: string): void => {
  flushed[index] = new Promise((resolve) => stream.write(`${line}\n`, () => resolve()));
};

const code = await main(process.argv.slice(2), {
  out: writer(process.stdout, 0),
  err: writer(process.stderr, 1),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});
await Promise.race([Promise.all(flushed), new Promise((resolve) => setTimeout(resolve, 1000))]);
process.exit(code);
