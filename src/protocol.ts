/**
 * The versioned JSON messages between a master and its workers over IPC.
 *
 * Every message on the wire is a plain JSON object carrying `steward: 1`
 * (the protocol version) and a `type`:
 *
 * | direction       | message                                   |
 * | --------------- | ----------------------------------------- |
 * | worker → master | `{ steward: 1, type: "ready" }`           |
 * | worker → master | `{ steward: 1, type: "heartbeat" }`       |
 * | master → worker | `{ steward: 1, type: "stop", deadlineMs }` |
 *
 * `deadlineMs` is a duration: the worker has that many milliseconds, counted
 * from when it receives the message, to finish and exit. (Clocks of two
 * processes are not comparable, so no absolute time crosses the channel.)
 *
 * `decode` is the only way in: it never throws, and returns `null` for
 * anything that is not a well-formed message of this version, so a worker
 * printing its own IPC traffic, or a newer master, cannot crash either side.
 *
 * @module
 */

import type { MasterMessage } from "./core/types.ts";

/** The protocol version this module speaks. */
export const PROTOCOL_VERSION = 1;

/** Messages from a worker to its master. */
export type WorkerMessage = { readonly type: "ready" } | { readonly type: "heartbeat" };

/** Any message of the protocol, before encoding. */
export type Message = WorkerMessage | MasterMessage;

/** A message as it travels: the message plus the protocol version. */
export type WireMessage<M extends Message = Message> = M & { readonly steward: typeof PROTOCOL_VERSION };

/**
 * Encodes a message for the IPC channel.
 *
 * @param message The message to send.
 * @returns A plain JSON-serialisable object carrying the protocol version.
 * @example Encode a stop request
 * ```ts
 * encode({ type: "stop", deadlineMs: 5000 });
 * // { steward: 1, type: "stop", deadlineMs: 5000 }
 * ```
 */
export function encode<M extends Message>(message: M): WireMessage<M> {
  return { steward: PROTOCOL_VERSION, ...message };
}

/**
 * Decodes a message received over IPC, or JSON text of one.
 *
 * @param raw Whatever arrived: an object from the IPC channel, or a JSON string.
 * @returns The typed message (with `steward: 1`), or `null` for anything
 *   unknown, malformed or of another protocol version. Never throws.
 * @example Decode a ready message and reject garbage
 * ```ts
 * decode({ steward: 1, type: "ready" }); // { steward: 1, type: "ready" }
 * decode({ steward: 2, type: "ready" }); // null
 * decode("not json");                    // null
 * ```
 */
export function decode(raw: unknown): WireMessage | null {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  if (record.steward !== PROTOCOL_VERSION) return null;
  switch (record.type) {
    case "ready":
      return { steward: PROTOCOL_VERSION, type: "ready" };
    case "heartbeat":
      return { steward: PROTOCOL_VERSION, type: "heartbeat" };
    case "stop": {
      const deadlineMs = record.deadlineMs;
      if (typeof deadlineMs !== "number" || !Number.isFinite(deadlineMs) || deadlineMs < 0) return null;
      return { steward: PROTOCOL_VERSION, type: "stop", deadlineMs };
    }
    default:
      return null;
  }
}
