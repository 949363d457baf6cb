/**
 * `validateConfig` reports every problem as `{ path, value, message }`, and
 * applies the defaults of the option table; `formatProblem` is the one line
 * users see.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_BACKOFF, formatProblem, GROUP_OPTIONS, SUPERVISOR_OPTIONS, validateConfig } from "../../src/core/config.ts";
import type { Config, ConfigProblem } from "../../src/core/types.ts";

/** A minimal valid config with `extra` merged into its only group. */
function oneGroup(extra: Record<string, unknown>): Record<string, unknown> {
  return { groups: [{ name: "web", command: ["app"], ...extra }] };
}

function problemsOf(input: unknown): readonly ConfigProblem[] {
  const result = validateConfig(input);
  assert.ok(!result.ok, `expected problems for ${JSON.stringify(input)}`);
  return result.problems;
}

function configOf(input: unknown): Config {
  const result = validateConfig(input);
  assert.ok(result.ok, `unexpected problems: ${JSON.stringify(result.ok ? [] : result.problems)}`);
  return result.config;
}

const COUNT_MESSAGE = "expected an integer from 1 to 10000";

test("validateConfig() rejects each bad count with its path, value and message", () => {
  for (const count of [0, -1, "a", 1.5, 1e9, null, true, Number.NaN]) {
    assert.deepEqual(problemsOf(oneGroup({ count })), [{ path: "groups[0].count", value: count, message: COUNT_MESSAGE }], `count ${String(count)}`);
  }
});

test("validateConfig() accepts the count bounds", () => {
  assert.equal(configOf(oneGroup({ count: 1 })).groups[0]!.count, 1);
  assert.equal(configOf(oneGroup({ count: 10_000 })).groups[0]!.count, 10_000);
});

test("validateConfig() names a misspelt option and suggests the known one", () => {
  assert.deepEqual(problemsOf(oneGroup({ cout: 2 })), [{ path: "groups[0].cout", value: 2, message: 'unknown option (did you mean "count"?)' }]);
  assert.deepEqual(problemsOf({ strategey: "one_for_all", ...oneGroup({}) }), [
    { path: "strategey", value: "one_for_all", message: 'unknown option (did you mean "strategy"?)' },
  ]);
  assert.deepEqual(problemsOf(oneGroup({ backoff: { intialMs: 5 } })), [
    { path: "groups[0].backoff.intialMs", value: 5, message: 'unknown option (did you mean "initialMs"?)' },
  ]);
});

test("validateConfig() suggests nothing for an option far from every known one", () => {
  assert.deepEqual(problemsOf(oneGroup({ flavour: "mint" })), [{ path: "groups[0].flavour", value: "mint", message: "unknown option" }]);
});

test("validateConfig() suggests the closest enum value", () => {
  assert.deepEqual(problemsOf(oneGroup({ ready: "ip" })), [
    { path: "groups[0].ready", value: "ip", message: 'expected one of "ipc", "after", "none" (did you mean "ipc"?)' },
  ]);
});

test("validateConfig() rejects values of the wrong type", () => {
  const cases: [Record<string, unknown>, string, unknown, string][] = [
    [{ name: 7 }, "name", 7, "expected a non-empty string"],
    [{ command: "app" }, "command", "app", "expected a non-empty array of strings: the program, then its arguments"],
    [{ command: [] }, "command", [], "expected a non-empty array of strings: the program, then its arguments"],
    [{ command: [""] }, "command", [""], "expected a non-empty array of strings: the program, then its arguments"],
    [{ command: ["app", 1] }, "command", ["app", 1], "expected a non-empty array of strings: the program, then its arguments"],
    [{ cwd: "" }, "cwd", "", "expected a non-empty string"],
    [{ env: { PORT: 80 } }, "env", { PORT: 80 }, "expected an object of string values"],
    [{ env: ["PORT=80"] }, "env", ["PORT=80"], "expected an object of string values"],
    [{ heartbeatTimeoutMs: "1s" }, "heartbeatTimeoutMs", "1s", "expected an integer from 0 to 2147483647"],
    [{ killTimeoutMs: 2_147_483_648 }, "killTimeoutMs", 2_147_483_648, "expected an integer from 0 to 2147483647"],
    [{ readyTimeoutMs: 0 }, "readyTimeoutMs", 0, "expected an integer from 1 to 2147483647"],
    [{ maxSurge: 0 }, "maxSurge", 0, "expected an integer from 1 to 10000"],
    [{ restart: "always" }, "restart", "always", 'expected one of "permanent", "transient", "temporary"'],
    [{ stopSignal: "TERM" }, "stopSignal", "TERM", 'expected one of "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGKILL"'],
    [{ port: 0 }, "port", 0, "expected an integer from 1 to 65535"],
    [{ port: 65_536 }, "port", 65_536, "expected an integer from 1 to 65535"],
    [{ port: "8080" }, "port", "8080", "expected an integer from 1 to 65535"],
    [{ host: "" }, "host", "", "expected a non-empty string"],
  ];
  for (const [extra, key, value, message] of cases) {
    assert.deepEqual(problemsOf(oneGroup(extra)), [{ path: `groups[0].${key}`, value, message }], JSON.stringify(extra));
  }
});

test("validateConfig() takes a shared port and its host, 127.0.0.1 by default", () => {
  const group = configOf(oneGroup({ port: 8080 })).groups[0]!;
  assert.deepEqual([group.port, group.host], [8080, "127.0.0.1"]);
  assert.equal(configOf(oneGroup({ port: 8080, host: "0.0.0.0" })).groups[0]!.host, "0.0.0.0");
});

test("validateConfig() rejects a group name that is not a plain identifier", () => {
  assert.deepEqual(problemsOf({ groups: [{ name: "my web", command: ["app"] }] }), [
    { path: "groups[0].name", value: "my web", message: "expected letters, digits, `_` or `-`, starting with a letter or digit" },
  ]);
});

test("validateConfig() requires a command and a name", () => {
  assert.deepEqual(problemsOf({ groups: [{ name: "web" }] }), [{ path: "groups[0].command", value: undefined, message: "is required" }]);
  assert.deepEqual(problemsOf({ groups: [{ command: ["app"] }] }), [{ path: "groups[0].name", value: undefined, message: "is required" }]);
});

test("validateConfig() rejects duplicate group names", () => {
  assert.deepEqual(problemsOf({ groups: [{ name: "web", command: ["a"] }, { name: "jobs", command: ["b"] }, { name: "web", command: ["c"] }] }), [
    { path: "groups[2].name", value: "web", message: "duplicate group name" },
  ]);
});

test("validateConfig() rejects a bad backoff field by field", () => {
  assert.deepEqual(problemsOf(oneGroup({ backoff: { initialMs: -1, maxMs: 10, factor: 0.5, jitter: 2 } })), [
    { path: "groups[0].backoff.initialMs", value: -1, message: "expected an integer from 0 to 2147483647" },
    { path: "groups[0].backoff.factor", value: 0.5, message: "expected a number from 1 to 100" },
    { path: "groups[0].backoff.jitter", value: 2, message: "expected a number from 0 to 1" },
  ]);
  assert.deepEqual(problemsOf(oneGroup({ backoff: { maxMs: 10 } })), [
    { path: "groups[0].backoff.maxMs", value: 10, message: "expected at least initialMs (100)" },
  ]);
  assert.deepEqual(problemsOf(oneGroup({ backoff: "fast" })), [
    { path: "groups[0].backoff", value: "fast", message: "expected an object { initialMs, maxMs, factor, jitter }" },
  ]);
  assert.deepEqual(problemsOf(oneGroup({ backoff: { factor: Number.POSITIVE_INFINITY } })), [
    { path: "groups[0].backoff.factor", value: Number.POSITIVE_INFINITY, message: "expected a number from 1 to 100" },
  ]);
});

test("validateConfig() rejects bad supervisor options", () => {
  assert.deepEqual(problemsOf({ seed: -1, maxRestarts: 1.5, periodMs: 0, strategy: 3, ...oneGroup({}) }), [
    { path: "strategy", value: 3, message: 'expected one of "one_for_one", "one_for_all", "rest_for_one"' },
    { path: "maxRestarts", value: 1.5, message: "expected an integer from 0 to 1000000" },
    { path: "periodMs", value: 0, message: "expected an integer from 1 to 2147483647" },
    { path: "seed", value: -1, message: "expected an integer from 0 to 4294967295" },
  ]);
});

test("validateConfig() rejects input without a groups array", () => {
  assert.deepEqual(problemsOf(null), [{ path: "", value: null, message: "expected an object with a `groups` array" }]);
  assert.deepEqual(problemsOf([]), [{ path: "", value: [], message: "expected an object with a `groups` array" }]);
  assert.deepEqual(problemsOf({}), [{ path: "groups", value: undefined, message: "expected a non-empty array of groups" }]);
  assert.deepEqual(problemsOf({ groups: [] }), [{ path: "groups", value: [], message: "expected a non-empty array of groups" }]);
  assert.deepEqual(problemsOf({ groups: [1] }), [{ path: "groups[0]", value: 1, message: "expected an object" }]);
});

test("validateConfig() reports every problem at once, in order", () => {
  const input = {
    strategy: "one_for_none",
    groups: [
      { name: "web", command: [], count: 0, bogus: true },
      { name: "web", command: ["b"], backoff: { jitter: -1 } },
    ],
  };
  assert.deepEqual(problemsOf(input).map((p) => p.path), [
    "strategy",
    "groups[0].bogus",
    "groups[0].command",
    "groups[0].count",
    "groups[1].backoff.jitter",
    "groups[1].name",
  ]);
});

test("validateConfig() applies every default", () => {
  assert.deepEqual(configOf(oneGroup({})), {
    strategy: "one_for_one",
    maxRestarts: 10,
    periodMs: 60_000,
    seed: 0,
    groups: [
      {
        name: "web",
        command: ["app"],
        count: 1,
        cwd: null,
        env: {},
        ready: "after",
        readyAfterMs: 1000,
        readyTimeoutMs: 30_000,
        killTimeoutMs: 10_000,
        heartbeatTimeoutMs: 0,
        restart: "permanent",
        backoff: { initialMs: 100, maxMs: 30_000, factor: 2, jitter: 0.1 },
        minUptimeMs: 5000,
        maxSurge: 1,
        stopSignal: "SIGTERM",
        port: null,
        host: "127.0.0.1",
      },
    ],
  });
});

test("validateConfig() fills a partial backoff from the defaults", () => {
  assert.deepEqual(configOf(oneGroup({ backoff: { initialMs: 50 } })).groups[0]!.backoff, { ...DEFAULT_BACKOFF, initialMs: 50 });
});

test("validateConfig() keeps the values it was given", () => {
  const group = configOf(oneGroup({ count: 4, cwd: "/srv", env: { PORT: "80" }, ready: "ipc", restart: "transient", stopSignal: "SIGINT" })).groups[0]!;
  assert.deepEqual([group.count, group.cwd, group.env, group.ready, group.restart, group.stopSignal], [4, "/srv", { PORT: "80" }, "ipc", "transient", "SIGINT"]);
});

test("validateConfig() takes cwd: null as the default and accepts its own output", () => {
  assert.equal(configOf(oneGroup({ cwd: null })).groups[0]!.cwd, null);
  const config = configOf({ strategy: "rest_for_one", groups: [{ name: "web", command: ["app"], count: 3 }, { name: "jobs", command: ["jobs"] }] });
  assert.deepEqual(configOf(config), config);
});

test("validateConfig() has a documented default for every optional option", () => {
  for (const spec of [...GROUP_OPTIONS, ...SUPERVISOR_OPTIONS]) {
    assert.ok(spec.doc.length > 0, spec.key);
    const required = spec.key === "name" || spec.key === "command";
    assert.equal(spec.default === undefined, required, spec.key);
  }
});

test("formatProblem() prints path, message and the value received on one line", () => {
  const [count] = problemsOf(oneGroup({ count: 0 }));
  assert.equal(formatProblem(count!), "groups[0].count: expected an integer from 1 to 10000, got 0");
  const [typo] = problemsOf(oneGroup({ cout: 2 }));
  assert.equal(formatProblem(typo!), 'groups[0].cout: unknown option (did you mean "count"?), got 2');
  const [missing] = problemsOf({ groups: [{ name: "web" }] });
  assert.equal(formatProblem(missing!), "groups[0].command: is required, got nothing");
  const [root] = problemsOf(null);
  assert.equal(formatProblem(root!), "config: expected an object with a `groups` array, got null");
});

test("formatProblem() shortens a long value to 60 characters", () => {
  const problem: ConfigProblem = { path: "groups[0].env", value: { KEY: "x".repeat(100) }, message: "expected an object of string values" };
  const line = formatProblem(problem);
  assert.equal(line, `groups[0].env: expected an object of string values, got {"KEY":"${"x".repeat(49)}...`);
  assert.equal(line.length - "groups[0].env: expected an object of string values, got ".length, 60);
  assert.ok(!line.includes("\n"));
});

test("validateConfig() rejects readyAfterMs that the ready timeout would cut short", () => {
  const result = validateConfig({ groups: [{ name: "web", command: ["app"], ready: "after", readyAfterMs: 5000, readyTimeoutMs: 5000 }] });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.problems, [{ path: "groups[0].readyAfterMs", value: 5000, message: "expected less than readyTimeoutMs (5000), or every worker would time out" }]);
  assert.equal(validateConfig({ groups: [{ name: "web", command: ["app"], ready: "ipc", readyAfterMs: 5000, readyTimeoutMs: 5000 }] }).ok, true);
});
