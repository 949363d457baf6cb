import assert from "node:assert/strict";
import { test } from "node:test";
import { LineSplitter } from "../src/_lines.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function split(chunks: readonly Uint8Array[], maxLineLength?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLineLength);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

test("LineSplitter splits on \\n and drops a \\r before it", () => {
  assert.deepEqual(split([bytes("a\nb\r\nc\n")]), ["a", "b", "c"]);
});

test("LineSplitter joins a line split across chunks, \\r\\n split too", () => {
  assert.deepEqual(split([bytes("hel"), bytes("lo\r"), bytes("\nworld\n")]), ["hello", "world"]);
});

test("LineSplitter flushes the unterminated last line on end()", () => {
  assert.deepEqual(split([bytes("one\ntwo")]), ["one", "two"]);
});

test("LineSplitter keeps empty lines and emits nothing for empty input", () => {
  assert.deepEqual(split([bytes("\n\nx\n")]), ["", "", "x"]);
  assert.deepEqual(split([]), []);
});

test("LineSplitter decodes a multi-byte character split across chunks", () => {
  const all = bytes("žluťoučký 🐎\n");
  const chunks = [...all].map((byte) => Uint8Array.of(byte));
  assert.deepEqual(split(chunks), ["žluťoučký 🐎"]);
});

test("LineSplitter caps a long line by splitting it, never inside a surrogate pair", () => {
  assert.deepEqual(split([bytes("abcdefghij\n")], 4), ["abcd", "efgh", "ij"]);
  assert.deepEqual(split([bytes("abcdefghij")], 4), ["abcd", "efgh", "ij"]);
  assert.deepEqual(split([bytes("abc🐎de\n")], 4), ["abc", "🐎de"]);
});

test("LineSplitter bounds its buffer while a line has no end yet", () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), 8);
  for (let index = 0; index < 10; index++) splitter.push(bytes("0123"));
  assert.deepEqual(lines, ["01230123", "01230123", "01230123", "01230123"]);
  splitter.end();
  assert.deepEqual(lines.at(-1), "01230123");
});

test("LineSplitter ignores input after end() and rejects a bad cap", () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  splitter.end();
  splitter.push(bytes("late\n"));
  splitter.end();
  assert.deepEqual(lines, []);
  assert.throws(() => new LineSplitter(() => undefined, 1), { name: "RangeError", message: /maxLineLength must be an integer >= 2, received 1/ });
});
