/**
 * Finds each group's program before anything starts, so a typo in a command
 * is one line and exit 2, not a crash loop that gives up after its backoff.
 * The lookup is the one `execvp` does: a name with a `/` is a path (relative
 * to the group's cwd), any other name is searched on the group's `PATH`.
 *
 * @module
 */

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { Config } from "../core/types.ts";

/**
 * The first group whose program cannot be run, as a problem.
 *
 * @param config A validated config.
 * @param env The master's environment (for `PATH`; a group's own `env.PATH` wins).
 * @param cwd The master's working directory.
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
): { readonly group: number; readonly message: string } | null {
  for (const [index, group] of config.groups.entries()) {
    const program = group.command[0]!;
    const base = group.cwd === null ? cwd : resolve(cwd, group.cwd);
    if (program.includes("/")) {
      const path = isAbsolute(program) ? program : resolve(base, program);
      if (!runnable(path)) return { group: index, message: `${JSON.stringify(program)} is not an executable file` };
      continue;
    }
    const searchPath = group.env.PATH ?? env.PATH ?? "";
    const found = searchPath.split(delimiter).some((dir) => dir !== "" && runnable(join(resolve(base, dir), program)));
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
