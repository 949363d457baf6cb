/**
 * A streaming line splitter for a worker's stdout and stderr: bytes in,
 * UTF-8 lines out, written once and shared by every runtime adapter.
 *
 * Rules:
 * - Bytes are decoded by one `TextDecoder` in stream mode, so a character
 *   split across two chunks is decoded whole.
 * - A line ends at `\n`; a `\r` right before it is dropped too.
 * - A line longer than `maxLineLength` is emitted in pieces of that length
 *   (never splitting a surrogate pair), so one runaway line cannot grow the
 *   buffer without bound.
 * - `end()` flushes the decoder and the unterminated last line, if any.
 *
 * @module
 */

/** Default cap on one emitted line, in UTF-16 code units (64 Ki). */
export const DEFAULT_MAX_LINE_LENGTH = 65536;

/**
 * Splits a byte stream into lines.
 *
 * @example Split two chunks into lines
 * ```ts
 * const lines: string[] = [];
 * const splitter = new LineSplitter((line) => lines.push(line));
 * splitter.push(new TextEncoder().encode("one\r\ntw"));
 * splitter.push(new TextEncoder().encode("o\nthree"));
 * splitter.end();
 * // lines: ["one", "two", "three"]
 * ```
 */
export class LineSplitter {
  readonly #emit: (line: string) => void;
  readonly #maxLineLength: number;
  readonly #decoder = new TextDecoder("utf-8");
  #pending = "";
  #ended = false;

  /**
   * @param emit Called once per line, without its line ending.
   * @param maxLineLength Longest line emitted in one piece, in UTF-16 code units.
   * @default maxLineLength 65536
   */
  constructor(emit: (line: string) => void, maxLineLength: number = DEFAULT_MAX_LINE_LENGTH) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 2) {
      throw new RangeError(`LineSplitter: maxLineLength must be an integer >= 2, received ${maxLineLength}`);
    }
    this.#emit = emit;
    this.#maxLineLength = maxLineLength;
  }

  /**
   * Feeds one chunk; emits every line it completes.
   *
   * @param chunk Raw bytes from the stream.
   * @returns Nothing; lines go to `emit`.
   * @example Feed a chunk
   * ```ts
   * const splitter = new LineSplitter(console.log);
   * splitter.push(new TextEncoder().encode("hello\n"));
   * ```
   */
  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    this.#take(this.#decoder.decode(chunk, { stream: true }));
  }

  /**
   * Ends the stream: flushes the decoder and emits the unterminated last line.
   * Later calls to `push` or `end` are ignored.
   *
   * @returns Nothing; the last line goes to `emit`.
   * @example Flush a last line without a newline
   * ```ts
   * const splitter = new LineSplitter(console.log);
   * splitter.push(new TextEncoder().encode("no newline"));
   * splitter.end(); // logs "no newline"
   * ```
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#take(this.#decoder.decode());
    if (this.#pending.length > 0) {
      const last = this.#pending.endsWith("\r") ? this.#pending.slice(0, -1) : this.#pending;
      this.#pending = "";
      this.#emit(last);
    }
  }

  #take(text: string): void {
    const buffer = this.#pending + text;
    let start = 0;
    let newline = buffer.indexOf("\n", start);
    while (newline !== -1) {
      const end = newline > start && buffer.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
      this.#emitCapped(buffer.slice(start, end));
      start = newline + 1;
      newline = buffer.indexOf("\n", start);
    }
    let rest = buffer.slice(start);
    // Keep less than one piece buffered, so memory stays bounded by the cap.
    while (rest.length > this.#maxLineLength) {
      const cut = this.#cutAt(rest);
      this.#emit(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.#pending = rest;
  }

  #emitCapped(line: string): void {
    while (line.length > this.#maxLineLength) {
      const cut = this.#cutAt(line);
      this.#emit(line.slice(0, cut));
      line = line.slice(cut);
    }
    this.#emit(line);
  }

  /** Where to cut a too-long line: at the cap, one earlier if that would split a surrogate pair. */
  #cutAt(text: string): number {
    const code = text.charCodeAt(this.#maxLineLength - 1);
    return code >= 0xd800 && code <= 0xdbff ? this.#maxLineLength - 1 : this.#maxLineLength;
  }
}
