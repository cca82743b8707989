/**
 * Compatibility with the Go project guobinqiu/tcp-heartbeat, whose client
 * writes JSON objects back to back with no delimiter:
 * `{"MessageType":1,"Content":"...","Owner":"name"}` (1 = heartbeat,
 * 0 = plain message). TCP may split or glue them anywhere.
 *
 * @module
 */

import { z } from "zod";
import { DEFAULT_MAX_FRAME_BYTES } from "./defaults.ts";
import { firstIssue } from "./_zod_issue.ts";
import type { FrameDecoder, PushResult } from "./frame_decoder.ts";

/**
 * `MessageType` of a heartbeat in the Go project's format.
 *
 * @example Tell a heartbeat from a message
 * ```ts
 * import { GO_HEARTBEAT, parseGoFrame } from "@lifeline/lifeline/protocol";
 * const r = parseGoFrame('{"MessageType":1,"Content":"x","Owner":"go"}');
 * console.log(r.ok && r.frame.MessageType === GO_HEARTBEAT); // true
 * ```
 */
export const GO_HEARTBEAT = 1;
/**
 * `MessageType` of a plain message in the Go project's format.
 *
 * @example Tell a message from a heartbeat
 * ```ts
 * import { GO_PLAIN, parseGoFrame } from "@lifeline/lifeline/protocol";
 * const r = parseGoFrame('{"MessageType":0,"Content":"hi","Owner":"go"}');
 * console.log(r.ok && r.frame.MessageType === GO_PLAIN); // true
 * ```
 */
export const GO_PLAIN = 0;

/** One frame in the Go project's format. */
export interface GoFrame {
  /** 1 for a heartbeat, 0 for a plain message. */
  MessageType: number;
  /** Free text. */
  Content: string;
  /** The sender's name. */
  Owner: string;
}

const goFrameSchema: z.ZodType<GoFrame> = z.object({
  MessageType: z.number().int(),
  Content: z.string(),
  Owner: z.string(),
});

/** The outcome of decoding one Go-format object. */
export type GoParseResult =
  | { ok: true; frame: GoFrame }
  | { ok: false; message: string };

/**
 * The prefix every frame of the Go client starts with. A connection whose
 * first bytes match it speaks the Go format.
 *
 * @example Recognise a Go-format connection by its first bytes
 * ```ts
 * import { GO_FRAME_PREFIX } from "@lifeline/lifeline/protocol";
 * const first = '{"MessageType":1,"Content":"i am still alive","Owner":"go"}';
 * console.log(first.startsWith(GO_FRAME_PREFIX)); // true
 * ```
 */
export const GO_FRAME_PREFIX = '{"MessageType"';

/** Options for {@link GoFrameDecoder}. */
export interface GoFrameDecoderOptions {
  /**
   * The longest object accepted, in bytes.
   * @default {65536}
   */
  maxFrameBytes?: number;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const utf8 = new TextDecoder();

/**
 * A streaming decoder for concatenated JSON objects. It tracks brace depth
 * outside of strings, so an object may be split across chunks or several may
 * share one chunk. Bytes between objects that are not whitespace are
 * reported as errors and skipped.
 *
 * @example Decode two glued heartbeats split in the middle
 * ```ts
 * import { GoFrameDecoder } from "@lifeline/lifeline/protocol";
 * const text = '{"MessageType":1,"Content":"hi","Owner":"go"}';
 * const bytes = new TextEncoder().encode(text + text);
 * const decoder = new GoFrameDecoder();
 * const owners: string[] = [];
 * const onFrame = (r: { ok: boolean; frame?: { Owner: string } }) => {
 *   if (r.frame) owners.push(r.frame.Owner);
 * };
 * decoder.push(bytes.subarray(0, 10), onFrame);
 * decoder.push(bytes.subarray(10), onFrame);
 * console.log(owners); // [ "go", "go" ]
 * ```
 */
export class GoFrameDecoder implements FrameDecoder<GoParseResult> {
  #maxFrameBytes: number;
  // Copies of the chunks holding the start of an unfinished object.
  #pending: Uint8Array[] | null = null;
  #pendingBytes = 0;
  // The result of the last frame, when that frame was written exactly as
  // {@link canonicalText} writes it: a client repeats the same heartbeat,
  // which then costs a byte comparison against the cached frame's fields
  // instead of a decode, JSON.parse and three allocations. No copy of the
  // text is kept (it would be one more string per connection).
  #last: GoOkResult | null = null;
  // The scanner's state between chunks, in one small integer: brace depth
  // << 2 | inside a string << 1 | after a backslash (see push()).
  #scan = 0;

  /**
   * Creates a decoder.
   *
   * @param options The maximum object size.
   */
  constructor(options: GoFrameDecoderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Whether bytes of an unfinished object are buffered. */
  get hasPartialFrame(): boolean {
    return this.#scan >> 2 > 0;
  }

  /**
   * Feeds one chunk; calls `onFrame` for every complete object in order.
   *
   * @typeParam T The type of `thisArg`.
   * @param chunk Bytes as read from the socket.
   * @param onFrame Called with each decoded object, or why it is invalid.
   * @param thisArg `this` for `onFrame`.
   * @returns `"ok"`, or `"frame_too_large"` when an object exceeds the limit.
   */
  push<T>(
    chunk: Uint8Array,
    onFrame: (this: T, result: GoParseResult) => void,
    thisArg?: T,
  ): PushResult {
    const max = this.#maxFrameBytes;
    let depth = this.#scan >> 2;
    let inString = (this.#scan & 2) !== 0;
    let escaped = (this.#scan & 1) !== 0;
    // Where the current object starts in this chunk (0 if it began earlier).
    let start = depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (depth === 0) {
        if (byte === OPEN) {
          depth = 1;
          start = i;
        } else if (!isWhitespace(byte)) {
          onFrame.call(thisArg as T, {
            ok: false,
            message: `Unexpected byte 0x${
              byte.toString(16).padStart(2, "0")
            } between Go-format frames`,
          });
        }
        continue;
      }
      if (this.#pendingBytes + i - start + 1 > max) {
        this.#scan = (depth << 2) | (inString ? 2 : 0) | (escaped ? 1 : 0);
        return "frame_too_large";
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
        continue;
      }
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN) depth++;
      else if (byte === CLOSE && --depth === 0) {
        const from = start;
        start = -1;
        if (
          this.#pendingBytes === 0 && this.#last !== null &&
          isCanonical(chunk, from, i + 1, this.#last.frame)
        ) {
          onFrame.call(thisArg as T, this.#last);
          continue;
        }
        let bytes = chunk.subarray(from, i + 1);
        if (this.#pendingBytes > 0) bytes = this.#drain(bytes);
        const text = utf8.decode(bytes);
        const result = parseGoFrame(text);
        if (result.ok) {
          if (
            !NON_ASCII.test(text) && text === canonicalText(result.frame)
          ) {
            result.frame.Content = sharedContent(result.frame.Content);
            Object.freeze(result.frame);
            this.#last = Object.freeze(result);
          } else {
            this.#last = null;
          }
        }
        onFrame.call(thisArg as T, result);
      }
    }
    this.#scan = (depth << 2) | (inString ? 2 : 0) | (escaped ? 1 : 0);
    if (depth > 0) {
      // Copy: the transport may reuse the chunk's buffer for the next read.
      // (Not `chunk.slice()`: on a node:net Buffer that is a view.)
      const rest = new Uint8Array(chunk.subarray(start));
      (this.#pending ??= []).push(rest);
      this.#pendingBytes += rest.length;
    }
    return "ok";
  }

  #drain(last: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.#pendingBytes + last.length);
    let offset = 0;
    for (const part of this.#pending!) {
      joined.set(part, offset);
      offset += part.length;
    }
    joined.set(last, offset);
    this.#pending = null;
    this.#pendingBytes = 0;
    return joined;
  }
}

// The `Content` strings of cached frames, so that the many clients sending
// the same text ("i am still alive") hold one string between them instead of
// one each. Bounded: once full, new texts are simply not shared.
const SHARED_CONTENT_LIMIT = 256;
const sharedContents = new Map<string, string>();

function sharedContent(content: string): string {
  const known = sharedContents.get(content);
  if (known !== undefined) return known;
  if (sharedContents.size < SHARED_CONTENT_LIMIT) {
    sharedContents.set(content, content);
  }
  return content;
}

// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** A valid frame's result. */
type GoOkResult = Extract<GoParseResult, { ok: true }>;

const KEY_TYPE = '{"MessageType":';
const KEY_CONTENT = ',"Content":"';
const KEY_OWNER = '","Owner":"';
const END = '"}';

/**
 * The frame as the Go client writes it (`encoding/json`, fields in struct
 * order, no spaces), with its strings inserted raw. A frame's text equals
 * this only when its strings needed no escaping.
 */
function canonicalText(frame: GoFrame): string {
  return `${KEY_TYPE}${frame.MessageType}${KEY_CONTENT}${frame.Content}${KEY_OWNER}${frame.Owner}${END}`;
}

/**
 * Whether `bytes[from..to)` spell {@link canonicalText} of `frame` (an
 * ASCII frame), compared piece by piece without building the text or a view.
 */
function isCanonical(
  bytes: Uint8Array,
  from: number,
  to: number,
  frame: GoFrame,
): boolean {
  const type = frame.MessageType;
  const digits = type < 10 && type >= 0 ? 1 : String(type).length;
  const length = KEY_TYPE.length + digits + KEY_CONTENT.length +
    frame.Content.length + KEY_OWNER.length + frame.Owner.length + END.length;
  if (to - from !== length) return false;
  let at = matchAt(bytes, from, KEY_TYPE);
  at = matchAt(bytes, at, digits === 1 ? DIGITS[type] : String(type));
  at = matchAt(bytes, at, KEY_CONTENT);
  at = matchAt(bytes, at, frame.Content);
  at = matchAt(bytes, at, KEY_OWNER);
  at = matchAt(bytes, at, frame.Owner);
  return matchAt(bytes, at, END) === to;
}

const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** `at + text.length` if `bytes` hold `text` at `at`, else -1 (kept). */
function matchAt(bytes: Uint8Array, at: number, text: string): number {
  if (at < 0) return -1;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return -1;
  }
  return at + text.length;
}

/**
 * Parses and validates one Go-format object.
 *
 * @param text One JSON object.
 * @returns The frame, or why it is not one.
 *
 * @example Parse a heartbeat
 * ```ts
 * import { parseGoFrame } from "@lifeline/lifeline/protocol";
 * const r = parseGoFrame('{"MessageType":1,"Content":"x","Owner":"go"}');
 * console.log(r.ok); // true
 * ```
 */
export function parseGoFrame(text: string): GoParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "Cannot parse Go-format frame: invalid JSON" };
  }
  // Fast path for the common, valid frame; zod explains anything else.
  if (typeof value === "object" && value !== null) {
    const { MessageType, Content, Owner } = value as Record<string, unknown>;
    if (
      Number.isSafeInteger(MessageType) && typeof Content === "string" &&
      typeof Owner === "string"
    ) {
      return {
        ok: true,
        frame: { MessageType: MessageType as number, Content, Owner },
      };
    }
  }
  const result = goFrameSchema.safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      message: `Invalid Go-format frame: ${firstIssue(result.error)}`,
    };
  }
  return { ok: true, frame: result.data };
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
