/**
 * The queue-consumer workload: `examples/queue_consumer.ts` behind the
 * chaos gate (boot failures, exit codes on request).
 *
 * @module
 */

import "./_gate.ts";
import "../../examples/queue_consumer.ts";
