/**
 * Telling a connection's wire format from its first bytes, as Netty's port
 * unification does: a connection whose bytes start with the Go project's
 * frame prefix speaks the Go format, any other first byte means
 * Lifeline's ndjson.
 *
 * @module
 */

import { GO_FRAME_PREFIX } from "./go_frame_decoder.ts";

const PREFIX = new TextEncoder().encode(GO_FRAME_PREFIX);

/**
 * The wire format a connection speaks: `"lifeline"` (ndjson) or `"go"`
 * (the Go project's concatenated JSON).
 */
export type WireProtocol = "lifeline" | "go";

/**
 * The bytes of {@link GO_FRAME_PREFIX}, for replaying the part of it that
 * was matched before the format was known.
 *
 * @example
 * ```ts
 * import { GO_PREFIX_BYTES } from "@lifeline/lifeline/protocol";
 * console.log(GO_PREFIX_BYTES.length); // 14
 * ```
 */
export const GO_PREFIX_BYTES: Uint8Array = PREFIX;

/**
 * {@link sniffWireFormat}'s answer: the connection speaks ndjson.
 *
 * @example
 * ```ts
 * import { SNIFFED_LINES } from "@lifeline/lifeline/protocol";
 * console.log(SNIFFED_LINES); // -1
 * ```
 */
export const SNIFFED_LINES: number = -1;
/**
 * {@link sniffWireFormat}'s answer: the connection speaks the Go format
 * (the whole prefix matched).
 *
 * @example
 * ```ts
 * import { SNIFFED_GO } from "@lifeline/lifeline/protocol";
 * console.log(SNIFFED_GO); // 14
 * ```
 */
export const SNIFFED_GO: number = PREFIX.length;

/**
 * Matches the next bytes of a connection against the Go prefix.
 *
 * @param matched How many bytes of the prefix the earlier chunks matched
 * (0 at first).
 * @param chunk The next bytes.
 * @returns {@link SNIFFED_LINES}, {@link SNIFFED_GO}, or the new number of
 * matched bytes (below {@link SNIFFED_GO}: not known yet).
 *
 * @example Known after a few bytes, or only after the whole prefix
 * ```ts
 * import { SNIFFED_GO, SNIFFED_LINES, sniffWireFormat } from "@lifeline/lifeline/protocol";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * console.log(sniffWireFormat(0, bytes('{"type"')) === SNIFFED_LINES); // true
 * console.log(sniffWireFormat(0, bytes('{"Mess'))); // 6
 * console.log(sniffWireFormat(6, bytes('ageType":1')) === SNIFFED_GO); // true
 * ```
 */
export function sniffWireFormat(matched: number, chunk: Uint8Array): number {
  let i = 0;
  while (i < chunk.length && matched < PREFIX.length) {
    if (chunk[i] !== PREFIX[matched]) return SNIFFED_LINES;
    matched++;
    i++;
  }
  return matched;
}
