/**
 * Write batching shared by the transports: the writes a connection gets in
 * one tick go out as one write. A connection with text queued waits in one
 * shared list for one microtask; a connection being read needs no place in
 * it, as its writes go out when the read's handler returns.
 *
 * Also the write limit's arithmetic, in bytes of UTF-8: a queue is counted
 * only once it could pass the limit (its code units times three, the most
 * bytes they can take), and from then on each write adds its own bytes, so
 * the text of a connection far from its limit is never scanned and no text
 * is scanned twice.
 *
 * @module
 */

import { utf8Length } from "../common/utf8.ts";
import type { ConnectionHandler } from "./types.ts";

/** A connection whose writes are batched per tick. */
export interface BatchedWriter {
  /** Text written in this tick, not yet handed to the socket. */
  queued: string;
  /**
   * The UTF-8 bytes of `queued`, once it came near the write limit;
   * {@link NOT_COUNTED} until then. Reset by {@link takeQueued}.
   */
  queuedBytes: number;
  /** Hands what is queued to the socket, or leaves it to the write in flight. */
  flush(): void;
}

/**
 * {@link BatchedWriter.queuedBytes} of a queue not counted yet.
 *
 * @example
 * ```ts
 * import { NOT_COUNTED } from "./_write_batch.ts";
 * console.log(NOT_COUNTED); // -1
 * ```
 */
export const NOT_COUNTED = -1;

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
 *   queuedBytes: -1,
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
  if (conn.queuedBytes !== NOT_COUNTED) conn.queuedBytes += utf8Length(text);
  if (conn.queued.length >= FLUSH_AT) conn.flush();
}

/**
 * Takes what is queued, leaving the queue empty (and not counted).
 *
 * @param conn The connection.
 * @returns The text that was queued.
 *
 * @example
 * ```ts
 * import { NOT_COUNTED, takeQueued } from "./_write_batch.ts";
 * const conn = { queued: "ab", queuedBytes: NOT_COUNTED, flush() {} };
 * console.log(takeQueued(conn), JSON.stringify(conn.queued)); // "ab" ""
 * ```
 */
export function takeQueued(conn: BatchedWriter): string {
  const text = conn.queued;
  conn.queued = "";
  conn.queuedBytes = NOT_COUNTED;
  return text;
}

/**
 * Whether a connection has more than `limit` bytes waiting: its queue plus
 * `backlogBytes` handed to the socket and not written yet. Counts the
 * queue's bytes only when its code units could pass the limit (a code unit
 * takes 1 to 3 bytes of UTF-8, a surrogate pair 4); once counted, later
 * writes keep the count up to date.
 *
 * @param conn The connection.
 * @param backlogBytes Bytes handed to the socket and not written yet.
 * @param limit The write limit, in bytes.
 * @returns `true` past the limit.
 *
 * @example
 * ```ts
 * import { NOT_COUNTED, pastWriteLimit } from "./_write_batch.ts";
 * const conn = { queued: "€€€€", queuedBytes: NOT_COUNTED, flush() {} };
 * console.log(pastWriteLimit(conn, 0, 11), pastWriteLimit(conn, 0, 12)); // true false
 * ```
 */
export function pastWriteLimit(
  conn: BatchedWriter,
  backlogBytes: number,
  limit: number,
): boolean {
  const room = limit - backlogBytes;
  const units = conn.queued.length;
  if (units * 3 <= room) return false;
  if (units > room) return true;
  if (conn.queuedBytes === NOT_COUNTED) {
    conn.queuedBytes = utf8Length(conn.queued);
  }
  return conn.queuedBytes > room;
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
 *   queuedBytes: -1,
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
