import assert from "node:assert/strict";
import { test } from "node:test";
import { decode, encode, PROTOCOL_VERSION } from "../src/protocol.ts";

test("encode() adds the protocol version", () => {
  assert.equal(PROTOCOL_VERSION, 1);
  assert.deepEqual(encode({ type: "ready" }), { steward: 1, type: "ready" });
  assert.deepEqual(encode({ type: "heartbeat" }), { steward: 1, type: "heartbeat" });
  assert.deepEqual(encode({ type: "stop", deadlineMs: 250 }), { steward: 1, type: "stop", deadlineMs: 250 });
});

test("decode() round-trips every message, as an object and as JSON text", () => {
  for (const message of [{ type: "ready" }, { type: "heartbeat" }, { type: "stop", deadlineMs: 0 }] as const) {
    assert.deepEqual(decode(encode(message)), encode(message));
    assert.deepEqual(decode(JSON.stringify(encode(message))), encode(message));
  }
});

test("decode() drops fields it does not know", () => {
  assert.deepEqual(decode({ steward: 1, type: "ready", extra: true }), { steward: 1, type: "ready" });
});

test("decode() returns null for unknown, malformed or other-version input, never throws", () => {
  const bad: unknown[] = [
    null, undefined, 0, true, "", "not json", "[]", [], {},
    { type: "ready" },
    { steward: 2, type: "ready" },
    { steward: "1", type: "ready" },
    { steward: 1, type: "nope" },
    { steward: 1, type: "stop" },
    { steward: 1, type: "stop", deadlineMs: -1 },
    { steward: 1, type: "stop", deadlineMs: "5" },
    { steward: 1, type: "stop", deadlineMs: Number.NaN },
    { steward: 1, type: "stop", deadlineMs: Number.POSITIVE_INFINITY },
    Object.create(null),
  ];
  for (const raw of bad) assert.equal(decode(raw), null, `decode(${String(JSON.stringify(raw))})`);
});
