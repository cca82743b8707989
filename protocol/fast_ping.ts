/**
 * The hottest path: recognise `{"type":"ping","seq":N}` exactly as
 * Lifeline's client writes it, without a regex match, JSON.parse or zod.
 * Tests fuzz it against `parseClientFrame`.
 *
 * @module
 */

const PREFIX = '{"type":"ping","seq":';
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_BRACE = 0x7d;

/**
 * Returns the `seq` of a canonical ping line, or `-1` when the line is
 * anything else (which then takes the full parser).
 *
 * @param line One frame without its newline.
 * @returns The sequence number, or `-1`.
 *
 * @example
 * ```ts
 * import { fastPingSeq } from "@lifeline/lifeline/protocol";
 * console.log(fastPingSeq('{"type":"ping","seq":42}')); // 42
 * console.log(fastPingSeq('{"seq":42,"type":"ping"}')); // -1: the full parser decides
 * ```
 */
export function fastPingSeq(line: string): number {
  const length = line.length;
  // At least one digit and the closing brace; at most 15 digits.
  if (length < PREFIX.length + 2 || length > PREFIX.length + 16) return -1;
  if (line.charCodeAt(length - 1) !== CLOSE_BRACE) return -1;
  if (!line.startsWith(PREFIX)) return -1;
  const first = PREFIX.length;
  const last = length - 1;
  if (line.charCodeAt(first) === ZERO && last - first > 1) return -1;
  let seq = 0;
  for (let i = first; i < last; i++) {
    const c = line.charCodeAt(i);
    if (c < ZERO || c > NINE) return -1;
    seq = seq * 10 + (c - ZERO);
  }
  return seq;
}
