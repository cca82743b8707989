/**
 * Reading one line as JSON, and quoting a line in a message, for both
 * parsers.
 *
 * @module
 */

/** What {@link parseJson} returns for a line that is not JSON. */
export const NOT_JSON: unique symbol = Symbol("not JSON");

/**
 * Parses a line as JSON without throwing.
 *
 * @param line The line.
 * @returns The value, or {@link NOT_JSON}.
 *
 * @example
 * ```ts
 * import { NOT_JSON, parseJson } from "./_json_line.ts";
 * console.log(parseJson("[1]"), parseJson("{") === NOT_JSON); // [ 1 ] true
 * ```
 */
export function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return NOT_JSON;
  }
}

/**
 * Quotes a line for a message, cut to 80 characters.
 *
 * @param text The line.
 * @returns It as a JSON string.
 *
 * @example
 * ```ts
 * import { quote } from "./_json_line.ts";
 * console.log(quote("ab")); // "\"ab\""
 * ```
 */
export function quote(text: string): string {
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(short);
}
