/**
 * The program lookup `steward run` does before starting anything, on both
 * branches: `execvp`'s on Unix, and on Windows the same plus the `.com` and
 * `.exe` extensions that Node's `spawn` tries itself.
 *
 * @module
 */

import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseRunArgs } from "../src/cli/args.ts";
import { buildConfig } from "../src/cli/config_file.ts";
import type { Config } from "../src/core/types.ts";
import { missingProgram } from "../src/cli/programs.ts";

function configOf(command: string[]): Config {
  const args = parseRunArgs(["--", ...command]);
  assert.ok(args.ok);
  const built = buildConfig(args.value, null, 1);
  assert.ok(built.ok);
  return built.value;
}

test("a bare name is found on PATH as given everywhere, and with .exe or .com appended only on win32", () => {
  const dir = mkdtempSync(join(tmpdir(), "steward-programs-"));
  try {
    for (const name of ["plain", "tool.exe", "old.com", "script.cmd"]) {
      writeFileSync(join(dir, name), "");
      chmodSync(join(dir, name), 0o755);
    }
    const env = { PATH: dir };
    for (const platform of ["linux", "win32"]) {
      assert.equal(missingProgram(configOf(["plain"]), env, dir, platform), null, platform);
      assert.equal(missingProgram(configOf(["tool.exe"]), env, dir, platform), null, platform);
    }
    assert.equal(missingProgram(configOf(["tool"]), env, dir, "win32"), null);
    assert.equal(missingProgram(configOf(["old"]), env, dir, "win32"), null);
    assert.deepEqual(missingProgram(configOf(["tool"]), env, dir, "linux"), { group: 0, message: "\"tool\" not found on PATH" });
    // spawn runs no .cmd or .bat without a shell, so the lookup does not add them.
    assert.deepEqual(missingProgram(configOf(["script"]), env, dir, "win32"), { group: 0, message: "\"script\" not found on PATH" });
    assert.equal(missingProgram(configOf([join(dir, "tool")]), env, dir, "win32"), null);
    assert.deepEqual(missingProgram(configOf([join(dir, "tool")]), env, dir, "linux"), { group: 0, message: `${JSON.stringify(join(dir, "tool"))} is not an executable file` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
