/**
 * Turns one decoded line into a validated client frame, or says exactly why
 * it cannot, with the error code the server sends back.
 *
 * @module
 */

import type { ClientFrame, ErrorCode } from "./frames.ts";
import { firstIssue } from "./_zod_issue.ts";
import { NOT_JSON, parseJson, quote } from "./_json_line.ts";
import { clientFrameSchemas } from "./_schemas.ts";
import { fastPingSeq } from "./fast_ping.ts";

/** The outcome of {@link parseClientFrame}. */
export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; message: string };

/**
 * Parses one line of newline-delimited JSON into a client frame, validated
 * with zod. Never throws: a bad line gives `{ ok: false, code, message }`.
 *
 * @param line One frame, without its trailing newline.
 * @returns The frame, or the error code and message to send back.
 *
 * @example Parse a ping and a frame of unknown type
 * ```ts
 * import { parseClientFrame } from "@lifeline/lifeline/protocol";
 * console.log(parseClientFrame('{"type":"ping","seq":7}'));
 * // { ok: true, frame: { type: "ping", seq: 7 } }
 * console.log(parseClientFrame('{"type":"dance"}').ok); // false
 * ```
 */
export function parseClientFrame(line: string): ParseResult {
  const seq = fastPingSeq(line);
  if (seq >= 0) return { ok: true, frame: { type: "ping", seq } };
  const value = parseJson(line);
  if (value === NOT_JSON) {
    return {
      ok: false,
      code: "invalid_json",
      message: `Cannot parse frame ${quote(line)}: not valid JSON`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      code: "invalid_json",
      message: `Cannot use frame ${quote(line)}: expected a JSON object`,
    };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") {
    return {
      ok: false,
      code: "invalid_frame",
      message: `Cannot use frame ${quote(line)}: "type" must be a string`,
    };
  }
  if (!Object.hasOwn(clientFrameSchemas, type)) {
    return {
      ok: false,
      code: "unknown_type",
      message: `Unknown frame type ${
        quote(type)
      }: expected "hello", "ping", "msg", "watch", "unwatch", "bye" or "refresh"`,
    };
  }
  const schema = clientFrameSchemas[type as keyof typeof clientFrameSchemas];
  const result = schema.safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      code: "invalid_frame",
      message: `Invalid ${type} frame: ${firstIssue(result.error)}`,
    };
  }
  return { ok: true, frame: result.data };
}

export { parseServerFrame, type ServerParseResult } from "./parse_server.ts";
