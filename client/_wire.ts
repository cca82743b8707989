/**
 * Small socket helpers for the client.
 *
 * @module
 */

const utf8 = new TextEncoder();

/**
 * Writes all of `text` to `conn`, looping over partial writes.
 *
 * @param conn The connection.
 * @param text The text to write, encoded as UTF-8.
 */
export async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = utf8.encode(text);
  let offset = 0;
  while (offset < bytes.length) {
    offset += await conn.write(bytes.subarray(offset));
  }
}

/**
 * Formats an error for an event or a log line.
 *
 * @param error Anything thrown.
 * @returns A short message.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
