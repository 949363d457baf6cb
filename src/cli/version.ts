/**
 * steward's version, as in package.json (`test/cli_test.ts` keeps them equal).
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION); // "0.1.0"
 * ```
 *
 * @module
 */

/** The version `steward --version` prints. */
export const VERSION = "0.1.0";
