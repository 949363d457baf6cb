/**
 * The faults a worker takes part in, imported before the workload itself.
 * Both are driven by files under `CHAOS_DIR`, so they work under any
 * launcher (it only has to pass the environment on):
 *
 * - boot failure: each file in `$CHAOS_DIR/boot-fail/` is one spawn to
 *   fail; a starting worker that removes one (removal is atomic, so each
 *   file fails exactly one spawn) exits 3 before it reports ready;
 * - exit with a code: on SIGUSR2 the worker exits with the code written in
 *   `$CHAOS_DIR/exit-<pid>`.
 *
 * Without `CHAOS_DIR` this module does nothing.
 *
 * @module
 */

import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import process from "node:process";

/** The exit code of a worker that failed its boot on purpose. */
export const BOOT_FAIL_CODE = 3;

const dir = process.env.CHAOS_DIR;
if (dir !== undefined && dir !== "") {
  let tokens: string[] = [];
  try {
    tokens = readdirSync(`${dir}/boot-fail`).sort();
  } catch {
    // no boot failures planned
  }
  for (const token of tokens) {
    try {
      unlinkSync(`${dir}/boot-fail/${token}`);
    } catch {
      continue; // another worker took it
    }
    console.error(`chaos: boot failure ${token}`);
    process.exit(BOOT_FAIL_CODE);
  }
  process.on("SIGUSR2", () => {
    let code = 1;
    try {
      code = Number(readFileSync(`${dir}/exit-${process.pid}`, "utf8"));
    } catch {
      // no code written: exit 1
    }
    process.exit(code);
  });
}
