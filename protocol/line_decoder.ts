/**
 * Splits a TCP byte stream into newline-delimited frames, with a maximum
 * frame size, without decoding bytes that are not yet a whole line.
 *
 * @module
 */

import { DEFAULT_MAX_FRAME_BYTES } from "./defaults.ts";
import type { FrameDecoder, PushResult } from "./frame_decoder.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Options for {@link LineDecoder}. */
export interface LineDecoderOptions {
  /**
   * The longest frame accepted, in bytes, not counting the newline.
   * @default {65536}
   */
  maxFrameBytes?: number;
}

/**
 * A streaming decoder for newline-delimited frames. Feed it chunks as they
 * arrive; it calls back once per complete line (a trailing `\r` is dropped,
 * empty lines are skipped) and reports `"frame_too_large"` as soon as a line
 * is longer than the limit, even before its newline arrives.
 *
 * @example Decode two frames split across chunks
 * ```ts
 * import { LineDecoder } from "@lifeline/lifeline/protocol";
 * const decoder = new LineDecoder();
 * const lines: string[] = [];
 * const bytes = new TextEncoder().encode('{"a":1}\n{"b"');
 * decoder.push(bytes, (line) => lines.push(line));
 * decoder.push(new TextEncoder().encode(':2}\n'), (line) => lines.push(line));
 * console.log(lines); // [ '{"a":1}', '{"b":2}' ]
 * ```
 */
export class LineDecoder implements FrameDecoder<string> {
  #maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  /**
   * Creates a decoder.
   *
   * @param options The maximum frame size.
   */
  constructor(options: LineDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot use maxFrameBytes ${max}: expected a positive integer`,
      );
    }
    this.#maxFrameBytes = max;
  }

  /** Whether bytes of an unfinished frame are buffered. */
  get hasPartialFrame(): boolean {
    return this.#pendingBytes > 0;
  }

  /**
   * Feeds one chunk. Calls `onLine` for every complete line in order. Stops
   * and returns `"frame_too_large"` at the first line over the limit; the
   * decoder should then be discarded with its connection.
   *
   * @typeParam T The type of `thisArg`.
   * @param chunk Bytes as read from the socket.
   * @param onLine Called with each complete line, decoded as UTF-8.
   * @param thisArg `this` for `onLine`.
   * @returns `"ok"`, or `"frame_too_large"`.
   */
  push<T>(
    chunk: Uint8Array,
    onLine: (this: T, line: string) => void,
    thisArg?: T,
  ): PushResult {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    while (newline !== -1) {
      const length = this.#pendingBytes + newline - start;
      if (length > this.#maxFrameBytes + 1) return "frame_too_large";
      let line: Uint8Array;
      if (this.#pendingBytes === 0) {
        line = chunk.subarray(start, newline);
      } else {
        this.#pending.push(chunk.subarray(start, newline));
        line = this.#drain();
      }
      let end = line.length;
      if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end--;
      if (end > this.#maxFrameBytes) return "frame_too_large";
      if (end > 0) {
        onLine.call(thisArg as T, utf8.decode(line.subarray(0, end)));
      }
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      if (this.#pendingBytes + rest > this.#maxFrameBytes + 1) {
        return "frame_too_large";
      }
      // Copy: the transport may reuse the chunk's buffer for the next read.
      // (Not `chunk.slice()`: on a node:net Buffer that is a view.)
      this.#pending.push(new Uint8Array(chunk.subarray(start)));
      this.#pendingBytes += rest;
    }
    return "ok";
  }

  #drain(): Uint8Array {
    let total = 0;
    for (const part of this.#pending) total += part.length;
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of this.#pending) {
      joined.set(part, offset);
      offset += part.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    return joined;
  }
}
