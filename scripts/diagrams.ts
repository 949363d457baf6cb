/**
 * Prints the README's state diagrams, drawn from `src/core/transitions.ts`;
 * paste them between the `diagrams` markers of README.md.
 *
 * @module
 */

import { readmeDiagrams } from "../src/_diagram.ts";

console.log(readmeDiagrams());
