/**
 * A worker that exits 1 at start, for the crash-loop benchmark.
 *
 * @module
 */

import process from "node:process";

process.exit(1);
