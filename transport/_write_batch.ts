/**
 * Write batching shared by the transports: the writes a connection gets in
 * one tick go out as one write. A connection with text queued waits in one
 * shared list for one microtask; a connection being read needs no place in
 * it, as its writes go out when the read's handler returns.
 *
 * @module
 */

import type { ConnectionHandler } from "./types.ts";

/** A connection whose writes are batched per tick. */
export interface BatchedWriter {
  /** Text written in this tick, not yet handed to the socket. */
  queued: string;
  /** Hands what is queued to the socket, or leaves it to the write in flight. */
  flush(): void;
}

// Past this much queued text, a batch is handed over at once: reads may
// come in a synchronous burst, and one batch must not grow without bound.
const FLUSH_AT = 16 * 1024;

let dirty: BatchedWriter[] = [];
let reading: BatchedWriter | null = null;

function flushAll(): void {
  const conns = dirty;
  dirty = [];
  for (const conn of conns) conn.flush();
}

/**
 * Queues text on a connection, to be flushed at the end of its read, in
 * this tick's microtask, or at once past 16 KiB.
 *
 * @param conn The connection.
 * @param text The text.
 *
 * @example
 * ```ts
 * import { queueText } from "./_write_batch.ts";
 * const conn = {
 *   queued: "",
 *   flush() { console.log(JSON.stringify(this.queued)); this.queued = ""; },
 * };
 * queueText(conn, "a");
 * queueText(conn, "b");
 * await Promise.resolve(); // "ab"
 * ```
 */
export function queueText(conn: BatchedWriter, text: string): void {
  if (conn.queued === "" && reading !== conn) {
    if (dirty.length === 0) queueMicrotask(flushAll);
    dirty.push(conn);
  }
  conn.queued += text;
  if (conn.queued.length >= FLUSH_AT) conn.flush();
}

/**
 * Hands a read to the handler, then writes out at once what the handler
 * queued in answer: waiting for the shared flush would hold it until every
 * other connection with data in this turn of the event loop was served
 * (tens of ms at 19k clients).
 *
 * @typeParam S The handler's per-connection state.
 * @param conn The connection.
 * @param handler The handler.
 * @param state The handler's state for the connection.
 * @param chunk The bytes, valid during the call only.
 *
 * @example
 * ```ts
 * import { deliver, queueText } from "./_write_batch.ts";
 * const conn = {
 *   queued: "",
 *   flush() { console.log(this.queued); this.queued = ""; },
 * };
 * const handler = {
 *   open: () => null,
 *   data: () => queueText(conn, "pong"),
 *   closed: () => {},
 * };
 * deliver(conn, handler, null, new Uint8Array(1)); // pong
 * ```
 */
export function deliver<S>(
  conn: BatchedWriter,
  handler: ConnectionHandler<S>,
  state: S,
  chunk: Uint8Array,
): void {
  reading = conn;
  try {
    handler.data(state, chunk);
  } finally {
    reading = null;
    if (conn.queued !== "") conn.flush();
  }
}
