/**
 * Validating what a server sends: what every client runs on every line.
 * Apart from the server's parser of client frames (`parse.ts`), so that a
 * client, the browser's included, does not carry the server's schemas.
 *
 * @module
 */

import type { ServerFrame } from "./frames.ts";
import { NOT_JSON, parseJson, quote } from "./_json_line.ts";
import { serverFrameSchema } from "./_server_schema.ts";
import { firstIssue } from "./_zod_issue.ts";

/** The outcome of {@link parseServerFrame}. */
export type ServerParseResult =
  | { ok: true; frame: ServerFrame }
  | { ok: false; message: string };

/**
 * Parses one line from the server into a validated server frame. Never
 * throws: a bad line gives `{ ok: false, message }`. Clients use it to
 * validate what they read.
 *
 * @param line One frame, without its trailing newline.
 * @returns The frame, or why it is not a valid server frame.
 *
 * @example Parse a pong
 * ```ts
 * import { parseServerFrame } from "@lifeline/lifeline/protocol";
 * console.log(parseServerFrame('{"type":"pong","seq":3}'));
 * // { ok: true, frame: { type: "pong", seq: 3 } }
 * ```
 */
export function parseServerFrame(line: string): ServerParseResult {
  const value = parseJson(line);
  if (value === NOT_JSON) {
    return {
      ok: false,
      message: `Cannot parse server frame ${quote(line)}: not valid JSON`,
    };
  }
  const result = serverFrameSchema.safeParse(value);
  if (!result.success) {
    return {
      ok: false,
      message: `Invalid server frame ${quote(line)}: ${
        firstIssue(result.error)
      }`,
    };
  }
  return { ok: true, frame: result.data };
}
