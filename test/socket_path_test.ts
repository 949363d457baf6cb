/**
 * Where control sockets live and how `steward ctl` finds them, for both
 * branches: Unix socket files, and Windows named pipes (the platform is an
 * option, and the pipe listing is injected, so the Windows branch runs here
 * too).
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { defaultSocketDir, defaultSocketPath, liveSockets, prepareSocketDir, resolveSocketPath } from "../src/cli/socket_path.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "steward-socket-path-"));
}

test("unix: the default socket is <XDG_RUNTIME_DIR>/steward/<pid>.sock, else <tmpdir>/steward-<uid>/<pid>.sock", () => {
  assert.equal(defaultSocketPath({ env: { XDG_RUNTIME_DIR: "/run/user/1000" }, platform: "linux", pid: 1234 }), join("/run/user/1000", "steward", "1234.sock"));
  assert.equal(defaultSocketDir({ env: { XDG_RUNTIME_DIR: "/run/user/1000" }, platform: "darwin" }), join("/run/user/1000", "steward"));
  const uid = process.getuid?.() ?? "user";
  assert.equal(defaultSocketPath({ env: {}, platform: "linux", pid: 7 }), join(tmpdir(), `steward-${uid}`, "7.sock"));
  assert.equal(defaultSocketPath({ env: { XDG_RUNTIME_DIR: "" }, platform: "linux", pid: 7 }), join(tmpdir(), `steward-${uid}`, "7.sock"));
});

test("win32: the default socket is the pipe \\\\.\\pipe\\steward-<user>-<pid>, the user lower-cased and reduced to a safe name", () => {
  assert.equal(defaultSocketDir({ env: { XDG_RUNTIME_DIR: "/ignored" }, platform: "win32" }), "\\\\.\\pipe\\");
  assert.equal(defaultSocketPath({ env: { USERNAME: "Ana" }, platform: "win32", pid: 1234 }), "\\\\.\\pipe\\steward-ana-1234");
  assert.equal(defaultSocketPath({ env: { USERNAME: "Ana María\\x/y" }, platform: "win32", pid: 5 }), "\\\\.\\pipe\\steward-ana_mar_a_x_y-5");
  const account = userInfo().username.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  assert.equal(defaultSocketPath({ env: {}, platform: "win32", pid: 9 }), `\\\\.\\pipe\\steward-${account}-9`);
});

test("--socket: a path as given on unix; on win32 a pipe path as given, a bare name under \\\\.\\pipe\\, anything else refused", () => {
  assert.equal(resolveSocketPath("/tmp/m.sock", { platform: "linux" }), "/tmp/m.sock");
  assert.equal(resolveSocketPath("m.sock", { platform: "linux" }), "m.sock");
  assert.equal(resolveSocketPath("C:\\m.sock", { platform: "darwin" }), "C:\\m.sock");

  assert.equal(resolveSocketPath("web", { platform: "win32" }), "\\\\.\\pipe\\web");
  assert.equal(resolveSocketPath("steward-web.1", { platform: "win32" }), "\\\\.\\pipe\\steward-web.1");
  for (const given of ["\\\\.\\pipe\\web", "\\\\?\\pipe\\web", "//./pipe/web", "\\\\.\\PIPE\\web"]) {
    assert.equal(resolveSocketPath(given, { platform: "win32" }), given);
  }
  for (const refused of ["C:\\run\\m.sock", "/tmp/m.sock", "dir/web", "\\\\.\\pipe\\", "", "\\\\server\\pipe\\web"]) {
    assert.throws(() => resolveSocketPath(refused, { platform: "win32" }), /on Windows the control socket is a named pipe/, JSON.stringify(refused));
  }
});

test("win32: ctl finds this user's live steward pipes in \\\\.\\pipe\\, by pid, and nothing else", () => {
  const listed: string[] = [];
  const pipes = [
    "InitShutdown",
    "steward-ana-30",
    "STEWARD-ANA-10",
    "steward-bob-11",
    "steward-ana-",
    "steward-ana-12x",
    "steward-ana-20",
    "steward-ana-2-3",
    "xsteward-ana-13",
  ];
  const found = liveSockets({
    env: { USERNAME: "Ana", XDG_RUNTIME_DIR: "/ignored" },
    platform: "win32",
    list: (dir) => {
      listed.push(dir);
      return pipes;
    },
    isAlive: (pid) => pid !== 20,
  });
  assert.deepEqual(listed, ["\\\\.\\pipe\\"]);
  assert.deepEqual(found, ["\\\\.\\pipe\\STEWARD-ANA-10", "\\\\.\\pipe\\steward-ana-30"]);
});

test("win32: the user name is matched literally, not as a pattern", () => {
  const found = liveSockets({ env: { USERNAME: "a.b" }, platform: "win32", list: () => ["steward-aXb-5", "steward-a.b-6"], isAlive: () => true });
  assert.deepEqual(found, ["\\\\.\\pipe\\steward-a.b-6"]);
});

test("win32 and unix: no listing (no pipe namespace, no directory) means no master", () => {
  const failing = (): string[] => {
    throw Object.assign(new Error("scandir failed"), { code: "UNKNOWN" });
  };
  assert.deepEqual(liveSockets({ env: { USERNAME: "ana" }, platform: "win32", list: failing, isAlive: () => true }), []);
  const dir = tempDir();
  try {
    assert.deepEqual(liveSockets({ env: { XDG_RUNTIME_DIR: join(dir, "absent") }, platform: "linux" }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unix: ctl finds the <pid>.sock files of live masters in the default directory, by pid", () => {
  const dir = tempDir();
  try {
    const sockets = join(dir, "steward");
    prepareSocketDir({ path: join(sockets, "1.sock"), owned: true, platform: "linux" });
    for (const name of [`${process.pid}.sock`, "20.sock", "3.sock", "x.sock", "4.sock.old", "5"]) writeFileSync(join(sockets, name), "");
    const env = { XDG_RUNTIME_DIR: dir, USERNAME: "ignored" };
    assert.deepEqual(liveSockets({ env, platform: "linux", isAlive: (pid) => pid !== 20 }), [join(sockets, "3.sock"), join(sockets, `${process.pid}.sock`)]);
    // The real liveness check: this process is alive.
    assert.ok(liveSockets({ env, platform: "linux" }).includes(join(sockets, `${process.pid}.sock`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("prepareSocketDir makes a 0700 directory on unix and touches nothing on win32", () => {
  const dir = tempDir();
  try {
    prepareSocketDir({ path: join(dir, "pipe-side", "m.sock"), owned: true, platform: "win32" });
    assert.equal(existsSync(join(dir, "pipe-side")), false);
    prepareSocketDir({ path: join(dir, "unix-side", "m.sock"), owned: true, platform: "linux" });
    assert.equal(statSync(join(dir, "unix-side")).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
