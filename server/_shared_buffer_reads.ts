/**
 * Reads of accepted `node:net` sockets into one shared buffer, without a
 * `Buffer` or a `"data"` event per read.
 *
 * `node:net` already knows how: a client socket created with
 * `new net.Socket({ onread: { buffer, callback } })` has its native handle
 * read into `buffer` and calls `callback(bytesRead, buffer)`, and never
 * pushes the bytes through its stream machinery. A server cannot pass that
 * option to the sockets it accepts, so this module sets on an accepted
 * socket the same two fields the constructor sets for `onread` and points
 * the handle at the buffer, as the constructor does. Everything else (end of
 * stream, errors, `"close"`, writes) is unchanged.
 *
 * Those fields are internal to `node:net`. Where they are not found (another
 * runtime, another version), {@link readIntoSharedBuffer} changes nothing
 * and says so, and the caller falls back to `"data"` events.
 *
 * @module
 */

import type { Socket } from "node:net";

/**
 * Called for each read with the number of bytes read into the shared
 * buffer, with the socket as `this`. The bytes are only valid during the
 * call. Returning `false` stops reading from this socket (backpressure).
 */
export type SharedBufferReadCallback = (
  this: Socket,
  bytesRead: number,
  buffer: Uint8Array,
) => boolean | void;

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
}

/**
 * Whether {@link readIntoSharedBuffer} may use the shared buffer at all.
 * Tests turn it off to run the `"data"` fallback on a runtime that has the
 * fields.
 *
 * @example Force the fallback for one test
 * ```ts
 * import { sharedBufferReads } from "./_shared_buffer_reads.ts";
 * sharedBufferReads.enabled = false;
 * // ... listen, connect, check ...
 * sharedBufferReads.enabled = true;
 * ```
 */
export const sharedBufferReads: { enabled: boolean } = { enabled: true };

// Found once, on the first socket that has them; `null` once known absent.
let fields: OnreadFields | null | undefined;

function findFields(socket: Socket): OnreadFields | null {
  let buffer: symbol | undefined;
  let callback: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === "kBuffer") buffer = symbol;
    else if (symbol.description === "kBufferCb") callback = symbol;
  }
  return buffer !== undefined && callback !== undefined
    ? { buffer, callback }
    : null;
}

/**
 * Makes a freshly accepted, still paused socket (`pauseOnConnect: true`)
 * read into `buffer` and report each read to `callback` instead of emitting
 * `"data"`. Call `socket.resume()` afterwards either way.
 *
 * @param socket An accepted socket that has not started reading.
 * @param buffer The buffer every read lands in; share one between sockets
 * only if no callback keeps the bytes past its own call.
 * @param callback Called for each read.
 * @returns `true` if reads now go to `buffer`, `false` if this runtime's
 * `node:net` does not offer it (the socket is untouched).
 *
 * @example Count bytes without a Buffer per read
 * ```ts
 * import { createServer, connect } from "node:net";
 * import { readIntoSharedBuffer } from "./_shared_buffer_reads.ts";
 * const shared = new Uint8Array(65536);
 * let total = 0;
 * const server = createServer({ pauseOnConnect: true }, (socket) => {
 *   readIntoSharedBuffer(socket, shared, (n) => {
 *     total += n;
 *   });
 *   socket.resume();
 *   socket.on("close", () => server.close());
 * }).listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   const client = connect(port, "127.0.0.1", () => client.end("hello"));
 * });
 * await new Promise((done) => server.on("close", done));
 * console.log(total); // 5
 * ```
 */
export function readIntoSharedBuffer(
  socket: Socket,
  buffer: Uint8Array,
  callback: SharedBufferReadCallback,
): boolean {
  const handle = (socket as unknown as { _handle?: unknown })._handle as
    | Partial<UserBufferHandle>
    | null
    | undefined;
  if (!sharedBufferReads.enabled) return false;
  if (typeof handle?.useUserBuffer !== "function") return false;
  if (fields === undefined) fields = findFields(socket);
  if (fields === null) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  if (target[fields.buffer] !== null || target[fields.callback] !== null) {
    // Not the shape this was written against: leave the socket alone.
    return false;
  }
  target[fields.buffer] = buffer;
  target[fields.callback] = callback;
  handle.useUserBuffer(buffer);
  return true;
}
