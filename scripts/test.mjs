#!/usr/bin/env node
/**
 * steward's test rig, run by `npm test`. Plain JS so Node runs it without a build.
 *
 * Steps, in order:
 *   1. type-check: `tsc --noEmit -p tsconfig.json`, then the purity gate
 *      `tsc --noEmit -p src/core/tsconfig.json` (ES-only lib, no @types),
 *      then `deno check` on every entry point of `deno.json` `exports` and
 *      `deno publish --dry-run --allow-dirty` (JSR's checks; works offline).
 *   2. build: delete `.build/`, then `tsc -p tsconfig.build.json --noCheck`
 *      (step 1 did the checking). Node runs the tests from `.build/`; every
 *      runtime runs child-process fixtures from `.build/test/fixtures/`.
 *      When a selected test needs the npm package (`test/package_test.ts`,
 *      which packs and installs it), `tsup` also builds `dist/`, once.
 *   3. run every `test/**\/*_test.ts`, one runtime after another:
 *        node  node --test --test-reporter=spec .build/test/…_test.js …
 *        deno  deno test -A --no-check ./test/…_test.ts …
 *        bun   bun test --timeout=120000 ./test/…_test.ts …
 *      Each output streams live and is parsed from that runner's own summary.
 *   4. a line per step that failed and per runtime (`node: 12 passed, 0 failed`),
 *      then, as the very last line, `N passed, N failed` summed over runtimes.
 *
 * Usage:
 *   npm test                               everything
 *   npm test -- --runtime node             one runtime; repeat or comma-separate (node,bun)
 *   STEWARD_TEST_RUNTIME=deno npm test     the same through the environment
 *   npm test -- test/core/ test/x_test.ts  only test files at or under these paths
 *   npm test -- --no-typecheck             skip step 1 (quick loop; never in CI)
 *   STEWARD_TEST_TIMEOUT_MS=60000 npm test hard limit per runtime run (default 600000)
 *
 * The environment passes through to every runtime (STEWARD_SEED=… replays a
 * property test everywhere), with node_modules/.bin first on PATH.
 *
 * Exit status is non-zero when a type-check or the build fails, or a runtime
 * reports a failed test, exits non-zero, prints no summary, runs zero tests, or
 * outlives its time limit (then its whole process group is killed). Each such
 * failure that no failed test accounts for adds one to the failed count, so
 * the last line ends in `0 failed` exactly when the exit status is 0.
 *
 * Runner differences, so the per-runtime numbers are read right:
 *   - deno counts top-level tests; `describe` bodies and `t.test` subtests are
 *     "steps", shown in brackets and not summed. node and bun count `it`s, not
 *     suites; node counts a `t.test` parent and its subtests, bun only the
 *     parent. Flat top-level `test()`s count the same on all three.
 *   - bun runs every file in one process, node one process per file (in
 *     parallel), deno one isolate per file (in sequence).
 *   - bun's default per-test timeout is 5 s; node and deno have none. This rig
 *     gives bun 120 s; a test that needs a limit passes `{ timeout }`, which
 *     all three honour.
 *   - `bun test test/` is a substring filter (it also runs `x/test/y_test.js`),
 *     so files are passed as `./test/…` paths.
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { delimiter, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const TSUP = join(ROOT, "node_modules", "tsup", "dist", "cli-default.js");
/** Tests that pack the npm package: `dist/` is built for them. */
const DIST_TESTS = ["test/package_test.ts"];
const RUNTIMES = ["node", "deno", "bun"];
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/** How long a runtime's output may stay open after it exited (children holding the pipe). */
const DRAIN_MS = 5000;

const posix = (path) => path.split(sep).join("/");
/** A path as the log shows it: `node` for this Node, repo paths relative. */
const shown = (arg) => {
  if (arg === process.execPath) return "node";
  if (arg.startsWith(ROOT + sep)) return posix(relative(ROOT, arg));
  return arg;
};
const stripAnsi = (text) => text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "");

function usageError(message) {
  console.error(`test.mjs: ${message}`);
  console.error("usage: node scripts/test.mjs [--runtime node|deno|bun[,…]] [--no-typecheck] [test paths…]");
  process.exit(2);
}

function parseArgs(argv) {
  const options = { runtimes: [], typecheck: true, paths: [] };
  const addRuntimes = (value, from) => {
    for (const name of value.split(",").map((s) => s.trim()).filter(Boolean)) {
      if (!RUNTIMES.includes(name)) usageError(`${from}: unknown runtime "${name}"; expected one of ${RUNTIMES.join(", ")}`);
      if (!options.runtimes.includes(name)) options.runtimes.push(name);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--runtime" || arg === "-r") {
      if (argv[i + 1] === undefined) usageError(`${arg} needs a value`);
      addRuntimes(argv[++i], arg);
    } else if (arg.startsWith("--runtime=")) {
      addRuntimes(arg.slice("--runtime=".length), "--runtime");
    } else if (arg === "--no-typecheck") {
      options.typecheck = false;
    } else if (arg === "--help" || arg === "-h") {
      console.log("usage: node scripts/test.mjs [--runtime node|deno|bun[,…]] [--no-typecheck] [test paths…]");
      process.exit(0);
    } else if (arg.startsWith("-")) {
      usageError(`unknown option ${arg}`);
    } else {
      options.paths.push(arg);
    }
  }
  if (options.runtimes.length === 0 && process.env.STEWARD_TEST_RUNTIME) {
    addRuntimes(process.env.STEWARD_TEST_RUNTIME, "STEWARD_TEST_RUNTIME");
  }
  if (options.runtimes.length === 0) options.runtimes = [...RUNTIMES];
  // Keep the canonical order whatever order they were named in.
  options.runtimes = RUNTIMES.filter((r) => options.runtimes.includes(r));
  return options;
}

function timeoutMs() {
  const raw = process.env.STEWARD_TEST_TIMEOUT_MS;
  if (raw === undefined || raw === "") return DEFAULT_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) usageError(`STEWARD_TEST_TIMEOUT_MS must be a positive number of ms, got "${raw}"`);
  return value;
}

/** Every `*_test.ts` under test/, sorted, as repo-relative posix paths. */
function discoverTests() {
  const found = [];
  const misnamed = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== "node_modules" && !name.startsWith(".")) walk(path);
      } else if (/_test\.ts$/.test(name)) {
        found.push(posix(relative(ROOT, path)));
      } else if (/(?:[._](?:test|spec)|^test)\.(?:[cm]?[jt]sx?)$/.test(name)) {
        misnamed.push(posix(relative(ROOT, path)));
      }
    }
  };
  if (existsSync(join(ROOT, "test"))) walk(join(ROOT, "test"));
  for (const file of misnamed) {
    console.log(`test.mjs: warning: ${file} is not run: test files are named *_test.ts`);
  }
  return found;
}

function selectTests(all, paths) {
  if (paths.length === 0) return all;
  const wanted = paths.map((p) => posix(relative(ROOT, resolve(process.cwd(), p))).replace(/\/$/, ""));
  const selected = all.filter((file) => wanted.some((w) => file === w || file.startsWith(`${w}/`)));
  if (selected.length === 0) usageError(`no *_test.ts file at or under ${paths.join(", ")}`);
  return selected;
}

function childEnv() {
  const env = { ...process.env };
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH";
  env[pathKey] = [BIN, env[pathKey]].filter(Boolean).join(delimiter);
  // Runners colour even into a pipe (deno does); a log file should not get escapes.
  if (!process.stdout.isTTY && env.FORCE_COLOR === undefined) env.NO_COLOR = "1";
  return env;
}

/** The process group of the command now running, so a signal to us reaches all of it. */
let current = null;
/** Set by SIGINT, SIGTERM or SIGHUP: no further command starts. */
let interrupted = false;

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

function groupAlive(child) {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    interrupted = true;
    if (current) {
      killGroup(current, "SIGTERM");
      const child = current;
      setTimeout(() => killGroup(child, "SIGKILL"), 2000).unref();
    }
    console.error(`\ntest.mjs: interrupted by ${signal}`);
    process.exitCode = 130;
    setTimeout(() => process.exit(130), 2100).unref();
  });
}

/**
 * Run a command in its own process group, stream its output live and keep a
 * copy. Resolves once it exited and its output closed (or DRAIN_MS later).
 */
function run(label, command, args, { limitMs, quiet = false } = {}) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    let output = "";
    let timedOut = false;
    let spawnError = null;
    if (interrupted) {
      resolvePromise({ code: null, signal: null, output: "", timedOut: false, spawnError: new Error("interrupted"), leftovers: false, ms: 0 });
      return;
    }
    if (!quiet) console.log(`\n$ ${[command, ...args].map(shown).join(" ")}`);
    const child = spawn(command, args, {
      cwd: ROOT,
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
    });
    current = child;
    const collect = (stream, sink) => {
      stream.on("data", (chunk) => {
        output += chunk.toString("utf8");
        if (!quiet) sink.write(chunk);
      });
    };
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\ntest.mjs: ${label} still running after ${limitMs} ms: killing its process group`);
      killGroup(child, "SIGKILL");
    }, limitMs);
    let exit = null;
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      current = null;
      let leftovers = false;
      if (process.platform !== "win32" && child.pid !== undefined && !timedOut && groupAlive(child)) {
        leftovers = true;
        killGroup(child, "SIGKILL");
      }
      resolvePromise({
        code: exit?.code ?? null,
        signal: exit?.signal ?? null,
        output,
        timedOut,
        spawnError,
        leftovers,
        ms: Date.now() - started,
      });
    };
    child.on("error", (error) => {
      spawnError = error;
      if (!closed) {
        closed = true;
        finish();
      }
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // Processes the runner left behind may hold the pipes open; do not wait on them forever.
      setTimeout(() => {
        if (!closed) {
          closed = true;
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }
      }, DRAIN_MS).unref();
    });
    child.on("close", (code, signal) => {
      if (exit === null) exit = { code, signal };
      if (!closed) {
        closed = true;
        finish();
      }
    });
  });
}

/** What went wrong with a finished command, or null. */
function runProblem(result) {
  if (result.spawnError) return `could not start: ${result.spawnError.message}`;
  if (result.timedOut) return "killed after the time limit";
  if (result.signal) return `killed by ${result.signal}`;
  if (result.code !== 0) return `exited with code ${result.code}`;
  return null;
}

function lastMatch(text, pattern) {
  let found = null;
  for (const match of text.matchAll(pattern)) found = match;
  return found;
}

/** Pass/fail counts from each runner's own summary; null when it printed none. */
const PARSERS = {
  node(text) {
    // spec reporter: `ℹ pass 3`; TAP reporter: `# pass 3`.
    const count = (name) => {
      const match = lastMatch(text, new RegExp(`^[ \\t]*(?:ℹ|#) ${name} (\\d+)[ \\t]*$`, "gm"));
      return match ? Number(match[1]) : null;
    };
    const passed = count("pass");
    const failed = count("fail");
    if (passed === null || failed === null) return null;
    return { passed, failed: failed + (count("cancelled") ?? 0), note: "" };
  },
  deno(text) {
    // `ok | 2 passed (3 steps) | 0 failed (12ms)` or `FAILED | 1 passed | 1 failed (1 step) | 2 ignored (9ms)`
    const match = lastMatch(
      text,
      /^(?:ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/gm,
    );
    if (!match) return null;
    const stepsPassed = Number(match[2] ?? 0);
    const stepsFailed = Number(match[4] ?? 0);
    const note = stepsPassed + stepsFailed > 0 ? ` (steps: ${stepsPassed} passed, ${stepsFailed} failed)` : "";
    return { passed: Number(match[1]), failed: Number(match[3]), note };
  },
  bun(text) {
    // ` 4 pass` / ` 0 fail` (and ` 1 error` for an error outside any test)
    const count = (name) => {
      const match = lastMatch(text, new RegExp(`^[ \\t]*(\\d+) ${name}[ \\t]*$`, "gm"));
      return match ? Number(match[1]) : null;
    };
    const passed = count("pass");
    const failed = count("fail");
    if (passed === null || failed === null) return null;
    return { passed, failed: failed + (count("errors?") ?? 0), note: "" };
  },
};

function runtimeCommand(runtime, tests) {
  switch (runtime) {
    case "node":
      return {
        command: process.execPath,
        args: ["--enable-source-maps", "--test", "--test-reporter=spec", ...tests.map((t) => `.build/${t.replace(/\.ts$/, ".js")}`)],
      };
    case "deno":
      return { command: join(BIN, "deno"), args: ["test", "-A", "--no-check", ...tests.map((t) => `./${t}`)] };
    case "bun":
      return { command: join(BIN, "bun"), args: ["test", "--timeout=120000", ...tests.map((t) => `./${t}`)] };
    default:
      throw new Error(`unknown runtime ${runtime}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const limitMs = timeoutMs();
  const lines = [];
  let passed = 0;
  let failed = 0;

  if (options.typecheck) {
    for (const project of ["tsconfig.json", "src/core/tsconfig.json"]) {
      const result = await run(`tsc -p ${project}`, process.execPath, [TSC, "--noEmit", "-p", project], { limitMs });
      const problem = runProblem(result);
      if (problem) {
        lines.push(`typecheck ${project}: FAILED (${problem})`);
        failed += 1;
      }
    }
    const entryPoints = Object.values(JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports);
    for (const [label, args] of [
      ["deno check", ["check", ...entryPoints]],
      ["deno publish --dry-run", ["publish", "--dry-run", "--allow-dirty"]],
    ]) {
      const problem = runProblem(await run(label, join(BIN, "deno"), args, { limitMs }));
      if (problem) {
        lines.push(`typecheck ${label}: FAILED (${problem})`);
        failed += 1;
      }
    }
  }

  const tests = selectTests(discoverTests(), options.paths);
  rmSync(join(ROOT, ".build"), { recursive: true, force: true });
  const build = await run("build", process.execPath, [TSC, "-p", "tsconfig.build.json", "--noCheck"], { limitMs });
  let buildProblem = runProblem(build);
  if (!buildProblem && tests.some((test) => DIST_TESTS.includes(test))) {
    rmSync(join(ROOT, "dist"), { recursive: true, force: true });
    const problem = runProblem(await run("build dist", process.execPath, [TSUP, "--silent"], { limitMs }));
    if (problem) buildProblem = `tsup: ${problem}`;
  }
  if (buildProblem) {
    lines.push(`build: FAILED (${buildProblem}); no runtime was run`);
    failed += 1;
  } else {
    if (tests.length === 0) {
      lines.push("tests: FAILED (no test/**/*_test.ts files)");
      failed += 1;
    } else {
      for (const runtime of options.runtimes) {
        const { command, args } = runtimeCommand(runtime, tests);
        const result = await run(runtime, command, args, { limitMs });
        const counts = PARSERS[runtime](stripAnsi(result.output));
        const problems = [];
        const problem = runProblem(result);
        if (problem) problems.push(problem);
        if (counts === null) problems.push("printed no pass/fail summary");
        else if (counts.passed + counts.failed === 0) problems.push("ran zero tests");
        const p = counts?.passed ?? 0;
        let f = counts?.failed ?? 0;
        // A broken run that reported no failed test still has to show in the total.
        if (problems.length > 0 && f === 0) f = 1;
        if (result.leftovers) problems.push("warning: processes of its group outlived it (killed)");
        passed += p;
        failed += f;
        const seconds = (result.ms / 1000).toFixed(1);
        const verdict = f > 0 ? "; FAILED" : "";
        const why = problems.length > 0 ? `; ${problems.join("; ")}` : "";
        lines.push(`${runtime}: ${p} passed, ${f} failed${counts?.note ?? ""} in ${seconds}s${verdict}${why}`);
      }
    }
  }

  console.log("");
  for (const line of lines) console.log(line);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  console.log("0 passed, 1 failed");
  process.exitCode = 1;
});
