/**
 * Byte counts of text as UTF-8, for limits that are stated in bytes on the
 * wire (write queues, message rates) while the text is a JS string.
 *
 * @module
 */

/**
 * The length of text in UTF-8, without encoding it. A lone surrogate
 * counts 3, as the encoder writes U+FFFD for it.
 *
 * @param text The text.
 * @returns Its UTF-8 length in bytes.
 *
 * @example
 * ```ts
 * import { utf8Length } from "@lifeline/lifeline";
 * console.log(utf8Length("a€😀")); // 8
 * ```
 */
export function utf8Length(text: string): number {
  const units = text.length;
  let bytes = units;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (
      unit >= 0xd800 && unit < 0xdc00 && i + 1 < units &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      // A surrogate pair: two units, four bytes.
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
