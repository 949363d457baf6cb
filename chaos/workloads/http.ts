/**
 * The HTTP workload: `examples/http_server.ts` behind the chaos gate (boot
 * failures, exit codes on request).
 *
 * @module
 */

import "./_gate.ts";
import "../../examples/http_server.ts";
