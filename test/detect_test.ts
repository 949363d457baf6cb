import assert from "node:assert/strict";
import { test } from "node:test";
import process from "node:process";
import { detectRuntime, loadAdapter } from "../adapters/_detect.ts";

/** Independent evidence: the name of the binary running this test. */
function runtimeOfExecutable(): string {
  const name = process.execPath.split("/").at(-1) ?? "";
  if (name.startsWith("deno")) return "deno";
  if (name.startsWith("bun")) return "bun";
  return "node";
}

test("detectRuntime() names the runtime running the test", () => {
  assert.equal(detectRuntime(), runtimeOfExecutable());
});

test("loadAdapter() loads the adapter of the running runtime", async () => {
  const adapter = await loadAdapter();
  assert.equal(adapter.runtime, runtimeOfExecutable());
  await adapter.close();
});

test("the adapter clock is monotonic and a timer fires once now() reached its time", async () => {
  const adapter = await loadAdapter();
  const { clock } = adapter;
  const start = clock.now();
  const at = start + 30;
  const firedAt = await new Promise<number>((resolve) => clock.setTimer(at, () => resolve(clock.now())));
  assert.ok(firedAt >= at, `fired at ${firedAt}, before ${at}`);
  let fired = false;
  const handle = clock.setTimer(clock.now() + 10, () => {
    fired = true;
  });
  clock.clearTimer(handle);
  clock.clearTimer(handle);
  clock.clearTimer("not a timer");
  await new Promise<void>((resolve) => clock.setTimer(clock.now() + 40, resolve));
  assert.equal(fired, false);
  const past = await new Promise<boolean>((resolve) => clock.setTimer(clock.now() - 1_000, () => resolve(true)));
  assert.equal(past, true);
  await adapter.close();
});
