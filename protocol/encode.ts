/**
 * Encodes frames as newline-delimited JSON.
 *
 * @module
 */

import type { ClientFrame, ServerFrame } from "./frames.ts";

/**
 * Encodes one frame as a single line of JSON ending in `\n`.
 *
 * @param frame A client or server frame.
 * @returns The line to write.
 *
 * @example Encode a pong
 * ```ts
 * import { encodeFrame } from "@lifeline/lifeline/protocol";
 * console.log(encodeFrame({ type: "pong", seq: 1 })); // '{"type":"pong","seq":1}\n'
 * ```
 */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame) + "\n";
}

/**
 * Encodes a `pong` without building an object: the hottest write path.
 *
 * @param seq The ping's sequence number.
 * @returns The same line `encodeFrame({ type: "pong", seq })` gives.
 *
 * @example
 * ```ts
 * import { encodePong } from "@lifeline/lifeline/protocol";
 * console.log(encodePong(42)); // '{"type":"pong","seq":42}\n'
 * ```
 */
export function encodePong(seq: number): string {
  return `{"type":"pong","seq":${seq}}\n`;
}

/**
 * Encodes a `ping` the way Lifeline's client writes it (the server's fast
 * path recognises exactly this form).
 *
 * @param seq The sequence number.
 * @returns The line to write.
 *
 * @example
 * ```ts
 * import { encodePing } from "@lifeline/lifeline/protocol";
 * console.log(encodePing(1)); // '{"type":"ping","seq":1}\n'
 * ```
 */
export function encodePing(seq: number): string {
  return `{"type":"ping","seq":${seq}}\n`;
}
