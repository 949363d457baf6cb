/**
 * Finds each group's program before anything starts, so a typo in a command
 * is one line and exit 2, not a crash loop that gives up after its backoff.
 * The lookup is the one `execvp` does: a name with a `/` is a path (relative
 * to the group's cwd), any other name is searched on the group's `PATH`.
 * On Windows a `\` makes a path too, and a name is also tried with `.com`
 * and `.exe` appended, the extensions Node's `spawn` (libuv) tries itself.
 *
 * @module
 */

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import process from "node:process";
import type { Config } from "../core/types.ts";

/**
 * The first group whose program cannot be run, as a problem.
 *
 * @param config A validated config.
 * @param env The master's environment (for `PATH`; a group's own `env.PATH` wins).
 * @param cwd The master's working directory.
 * @param platform The platform, as `process.platform` names it.
 * @returns `{ group, message }` for the first missing program, or null when all exist.
 *
 * @example
 * ```ts
 * import { missingProgram } from "./programs.ts";
 * const problem = missingProgram(config, process.env, process.cwd());
 * if (problem !== null) console.error(problem.message); // "nodee" not found on PATH
 * ```
 */
export function missingProgram(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  platform: string = process.platform,
): { readonly group: number; readonly message: string } | null {
  const windows = platform === "win32";
  const names = (program: string): string[] => (windows ? [program, `${program}.com`, `${program}.exe`] : [program]);
  for (const [index, group] of config.groups.entries()) {
    const program = group.command[0]!;
    const base = group.cwd === null ? cwd : resolve(cwd, group.cwd);
    if (program.includes("/") || (windows && program.includes("\\"))) {
      const path = isAbsolute(program) ? program : resolve(base, program);
      if (!names(path).some(runnable)) return { group: index, message: `${JSON.stringify(program)} is not an executable file` };
      continue;
    }
    const searchPath = group.env.PATH ?? env.PATH ?? "";
    const found = searchPath.split(delimiter).some((dir) => dir !== "" && names(join(resolve(base, dir), program)).some(runnable));
    if (!found) return { group: index, message: `${JSON.stringify(program)} not found on PATH` };
  }
  return null;
}

function runnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
