/**
 * The library API in one run: two workers of a plain command (`ticker.ts`),
 * scaled, restarted, reloaded and stopped. The README's library example is
 * this file; `test/examples_test.ts` runs it on node, deno and bun.
 *
 * Run: `deno run -A examples/library.ts`, `bun examples/library.ts`, or
 * `npm run build:test && node .build/examples/library.js`.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import { supervise } from "../mod.ts"; // from "steward" once installed

// The worker: ticker.ts (or the built ticker.js) beside this file, on the runtime running this one.
const ticker = fileURLToPath(new URL(import.meta.url.replace(/library\.(ts|js)$/, "ticker.$1")));
const runtime = "Deno" in globalThis ? [process.execPath, "run", "-A"] : [process.execPath];

const sup = supervise(
  { groups: [{ name: "tick", command: [...runtime, ticker], count: 2, ready: "after", readyAfterMs: 300 }] },
  { onRecord: (record) => record.type === "ready" && console.log(`ready: tick.${record.slot} pid ${record.pid}`) },
);
await sup.ready; // both workers alive for 300 ms
await sup.scale("tick", 3); // settles once 3 are ready
await sup.restart("tick.0"); // rolling: the new worker is ready before the old one stops
await sup.reload(); // every slot to generation 2, one at a time
for (const group of sup.status().groups) console.log(`${group.name}: ${group.ready} of ${group.desired} ready, generation ${group.generation}`);
console.log(JSON.stringify(await sup.stop())); // {"code":0,"reason":"stopped"}
