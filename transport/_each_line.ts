/**
 * Splitting written text into the frames a WebSocket carries, one per
 * message, shared by the server's WebSocket connections and the dialer.
 *
 * @module
 */

/**
 * Calls `send` with each non-empty line of `text`, without its `\n`: the
 * transports write newline-terminated frames, and over WebSocket each frame
 * is a message of its own.
 *
 * @param text One or more frames, each ending in `\n`.
 * @param send Sends one line.
 *
 * @example
 * ```ts
 * import { eachLine } from "./_each_line.ts";
 * const sent: string[] = [];
 * eachLine('{"type":"ping"}\n{"type":"bye"}\n', (line) => sent.push(line));
 * console.log(sent); // [ '{"type":"ping"}', '{"type":"bye"}' ]
 * ```
 */
export function eachLine(text: string, send: (line: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start) send(text.slice(start, end));
    start = end + 1;
  }
}
