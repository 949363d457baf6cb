/**
 * A plain command that knows nothing of steward: no IPC, no helper, no
 * signal handler. It prints a line every second until it is killed.
 * Supervise such commands with `ready: "after"`; steward stops them by
 * signal and, if the master dies, its keeper kills them.
 *
 * @module
 */

import process from "node:process";

let ticks = 0;
setInterval(() => console.log(`tick ${++ticks} from ${process.pid}`), 1000);
