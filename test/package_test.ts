/**
 * The npm package as a user gets it: `npm pack` of the built `dist/` (the
 * test rig runs `tsup` before this file), installed into an empty project
 * with `npm install --omit=dev --offline` (it has no dependencies, so no
 * network is needed), then imported, required, type-checked and run with
 * `steward run` on the runtime running the tests. Every process runs in
 * `withProcesses`; the project is deleted after the last test.
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { packageExports } from "../scripts/_exports.ts";
import { command, keepersOf, ROOT, RUNTIME, type Rig, type Started, withProcesses } from "./_harness.ts";

interface Installed {
  readonly dir: string;
  /** Paths inside the tarball, from `npm pack --json`. */
  readonly files: readonly string[];
}

let installing: Promise<Installed> | null = null;
/** The temporary directory of the tarball and the project, removed after the last test. */
let scratch: string | null = null;

after(() => {
  if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
});

/** Packs and installs once per test file; the first test that needs it pays. */
function installed(rig: Rig): Promise<Installed> {
  installing ??= install(rig);
  return installing;
}

async function install(rig: Rig): Promise<Installed> {
  if (!existsSync(`${ROOT}/dist/mod.js`)) throw new Error("dist/ is missing: `npm test` builds it, or run `npm run build`");
  const dir = mkdtempSync(join(tmpdir(), "steward-package-"));
  scratch = dir;
  // The rig built dist/ already: skip the prepack build.
  const pack = await finish(await rig.spawn(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT }), 60_000);
  assert.equal(pack.code, 0, `npm pack failed: ${pack.err.join("\n")}`);
  const report = JSON.parse(pack.out.join("\n")) as { filename: string; files: { path: string }[] }[];
  const tarball = join(dir, report[0]!.filename);
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const npmInstall = await finish(
    await rig.spawn(["npm", "install", "--omit=dev", "--offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], { cwd: app }),
    60_000,
  );
  assert.equal(npmInstall.code, 0, `npm install failed: ${npmInstall.err.join("\n")}`);
  return { dir: app, files: report[0]!.files.map((file) => file.path) };
}

/** Waits for a process to end; its exit code and output lines. */
async function finish(started: Started, ms: number): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const exit = await started.record.exited(ms);
  return { code: exit.code, out: started.record.out(), err: started.record.out("stderr") };
}

/** Runs a script file of the installed project on the runtime under test; its stdout as JSON. */
async function runScript(rig: Rig, app: string, name: string, source: string): Promise<unknown> {
  writeFileSync(join(app, name), source);
  const result = await finish(await rig.spawn(command(RUNTIME, join(app, name)), { cwd: app }), 30_000);
  assert.equal(result.code, 0, `${name} failed on ${RUNTIME}: ${result.err.join("\n")}`);
  return JSON.parse(result.out.join("\n"));
}

/** Every module specifier the package exports (`steward`, `steward/worker`, ...), or those with a `require` condition. */
function specifiers(condition: "import" | "require" = "import"): string[] {
  const manifest = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { exports: Record<string, string | Record<string, unknown>> };
  return Object.entries(manifest.exports)
    .filter(([subpath, target]) => subpath !== "./package.json" && typeof target === "object" && condition in target)
    .map(([subpath]) => `steward${subpath.slice(1)}`);
}

const LIMITS = { maxProcesses: 6, timeLimitMs: 120_000 };

test("npm pack: the tarball holds the build, the README, LICENSE and CHANGELOG, and nothing else", async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { files } = await installed(rig);
    const stray = files.filter((path) => !/^(dist\/.+\.(c?js|d\.c?ts)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(path));
    assert.deepEqual(stray, []);
    for (const path of ["dist/mod.js", "dist/mod.cjs", "dist/mod.d.ts", "dist/mod.d.cts", "dist/worker.js", "dist/bin/steward.js", "LICENSE"]) {
      assert.ok(files.includes(path), `${path} is not in the tarball`);
    }
  });
});

test("the CommonJS build uses no import.meta (esbuild would have emptied it)", async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { dir } = await installed(rig);
    const dist = join(dir, "node_modules/steward/dist");
    const cjs = readdirSync(dist).filter((name) => name.endsWith(".cjs"));
    assert.ok(cjs.length > 0, "no .cjs file in dist/");
    // Top-level await fails the CommonJS build outright; import.meta only warns and becomes `{}`.
    assert.deepEqual(cjs.filter((name) => /\bimport_meta\d* = \{\}/.test(readFileSync(join(dist, name), "utf8"))), []);
  });
});

test("npm install --omit=dev of the tarball installs steward alone: no runtime dependencies", async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { dir } = await installed(rig);
    const manifest = JSON.parse(readFileSync(join(dir, "node_modules/steward/package.json"), "utf8")) as Record<string, unknown>;
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) assert.equal(manifest[field], undefined, `package.json has ${field}`);
    assert.deepEqual(readdirSync(join(dir, "node_modules")).filter((name) => !name.startsWith(".")), ["steward"]);
  });
});

test(`import of every entry point as ESM on ${RUNTIME}`, async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { dir } = await installed(rig);
    const exports = await runScript(rig, dir, "esm.mjs", `
import * as steward from "steward";
import * as worker from "steward/worker";
import * as core from "steward/core";
import * as node from "steward/node";
import * as deno from "steward/deno";
import * as bun from "steward/bun";
import * as memory from "steward/memory";
const check = steward.validateConfig({ groups: [{ name: "web", command: ["node", "server.js"] }] });
const empty = [];
for (const name of ${JSON.stringify(specifiers())}) if (Object.keys(await import(name)).length === 0) empty.push(name);
console.log(JSON.stringify({
  empty,
  steward: Object.keys(steward).sort(), worker: Object.keys(worker).sort(), core: typeof core.step,
  adapters: [node.runtime, deno.runtime, bun.runtime, memory.runtime], isSupervised: typeof worker.isSupervised,
  killTimeoutMs: check.ok ? check.config.groups[0].killTimeoutMs : null,
}));
`);
    assert.deepEqual(exports, {
      empty: [],
      steward: ["ConfigError", "SupervisorError", "createSupervisor", "supervise", "validateConfig"],
      worker: ["isSupervised", "listen", "onStop", "ready"],
      core: "function",
      adapters: ["node", "deno", "bun", "memory"],
      isSupervised: "function",
      killTimeoutMs: 10_000,
    });
  });
});

test(`require() of every entry point as CommonJS on ${RUNTIME}, sharing one copy of the core`, async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { dir } = await installed(rig);
    const exports = await runScript(rig, dir, "cjs.cjs", `
const steward = require("steward");
const worker = require("steward/worker");
const core = require("steward/core");
const memory = require("steward/memory");
const empty = ${JSON.stringify(specifiers("require"))}.filter((name) => Object.keys(require(name)).length === 0);
const result = memory.simulate({ seed: 7, config: { groups: [{ name: "web", command: ["w"], count: 2 }] } });
console.log(JSON.stringify({
  empty, supervise: typeof steward.supervise, ready: typeof worker.ready,
  oneCore: steward.validateConfig === core.validateConfig, hash: typeof result.hash,
}));
`);
    assert.deepEqual(exports, { empty: [], supervise: "function", ready: "function", oneCore: true, hash: "string" });
  });
});

test("the declarations type-check a consumer that imports and one that requires (tsc, nodenext)", async () => {
  await withProcesses(LIMITS, async (rig) => {
    const { dir } = await installed(rig);
    const consumer = `
import { supervise, type Supervisor } from "steward";
import { onStop, ready } from "steward/worker";
import { initialState, step, type State } from "steward/core";
import { createAdapter } from "steward/memory";
const sup: Supervisor = supervise({ groups: [] }, { adapter: createAdapter() });
const state: State = step(initialState(null as never), { type: "start" }, 0).state;
onStop(() => undefined);
// @ts-expect-error ready() takes no argument: this line fails the check if the types were missing (any)
ready(1);
export { state, sup };
`;
    writeFileSync(join(dir, "consumer.mts"), consumer);
    writeFileSync(join(dir, "consumer.cts"), consumer);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [`${ROOT}/node_modules/@types`] },
      files: ["consumer.mts", "consumer.cts"],
    }));
    const tsc = await finish(await rig.spawn(["node", `${ROOT}/node_modules/typescript/bin/tsc`, "-p", "tsconfig.json"], { cwd: dir }), 60_000);
    assert.equal(tsc.code, 0, `tsc: ${[...tsc.out, ...tsc.err].join("\n")}`);
  });
});

test(`steward run from the tarball on ${RUNTIME}: 2 workers, their output reaches the master, SIGTERM exits 0`, async () => {
  await withProcesses({ maxProcesses: 8, timeLimitMs: 120_000 }, async (rig) => {
    const { dir } = await installed(rig);
    writeFileSync(join(dir, "worker.mjs"), `
import process from "node:process";
import { onStop, ready } from "steward/worker";
const timer = setInterval(() => undefined, 60_000);
onStop(() => clearInterval(timer));
console.log("hello from " + process.pid);
ready();
`);
    // node runs the bin link npm made (its #! line); deno and bun run the same file.
    const bin = RUNTIME === "node" ? [join(dir, "node_modules/.bin/steward")] : command(RUNTIME, join(dir, "node_modules/.bin/steward"));
    const args = ["run", "--log-format", "json", "--workers", "2", "--ready", "ipc", "--socket", join(dir, "control.sock"), "--"];
    const master = await rig.spawn([...bin, ...args, ...command(RUNTIME, "worker.mjs")], { cwd: dir });
    const entries = (): Record<string, unknown>[] =>
      master.record.out().flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    const ofType = (type: string): Record<string, unknown>[] => entries().filter((entry) => entry.type === type);
    await master.record.until("the first spawned worker", () => ofType("spawned").length > 0, 20_000);
    rig.adopt(await keepersOf(master.handle.pid));
    await master.record.until("two ready workers", () => ofType("ready").length === 2, 20_000);
    const pids = ofType("spawned").map((entry) => entry.pid as number);
    rig.adopt(pids);
    await master.record.until("both workers' output", () => ofType("output").length >= 2, 10_000);
    master.handle.signal("SIGTERM");
    const exit = await master.record.exited(20_000);
    assert.deepEqual(exit, { code: 0, signal: null }, `master stderr: ${master.record.out("stderr").join("\n")}`);
    const said = ofType("output").map((entry) => ({ pid: entry.pid, text: entry.text }));
    assert.deepEqual(said.sort((a, b) => Number(a.pid) - Number(b.pid)), [...pids].sort((a, b) => a - b).map((pid) => ({ pid, text: `hello from ${pid}` })));
    assert.equal(ofType("stopped").length, 1);
  });
});

test("package.json exports map every deno.json entry point to its ESM, CommonJS and declaration files", () => {
  const manifest = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { exports: unknown; bin: unknown };
  const denoJson = JSON.parse(readFileSync(`${ROOT}/deno.json`, "utf8")) as { exports: Record<string, string> };
  assert.deepEqual(manifest.exports, packageExports(denoJson.exports), "package.json exports are stale: run `npm run generate`");
  assert.deepEqual(manifest.bin, { steward: "dist/bin/steward.js" });
});

test("a chaos/mod.ts that exists is exported (deno.json, hence npm and JSR)", () => {
  const denoJson = JSON.parse(readFileSync(`${ROOT}/deno.json`, "utf8")) as { exports: Record<string, string> };
  assert.equal(denoJson.exports["./chaos"] === "./chaos/mod.ts", existsSync(`${ROOT}/chaos/mod.ts`), 'deno.json exports "./chaos" exactly when chaos/mod.ts exists');
});
