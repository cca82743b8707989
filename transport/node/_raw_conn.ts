/**
 * Connections on bare native TCP handles (see `tcp_wrap.ts`): accepted
 * from `net.Server`'s listening handle without a `net.Socket`, read into
 * one buffer shared by every connection, written with one string write per
 * batch.
 *
 * The lifecycle follows `net.Socket` with `allowHalfOpen: false`: when the
 * peer ends, what is queued is written and the connection closes; `end()`
 * writes what is queued, sends FIN and reads on until the peer closes; a
 * read or write error destroys the connection. The handler's `closed` runs
 * once, when the handle is closed.
 *
 * @module
 */

import type {
  ShutdownRequest,
  TcpHandle,
  TcpServerHandle,
  TcpWrap,
  WriteRequest,
} from "./tcp_wrap.ts";
import { takeQueued } from "../_write_batch.ts";
import { DESTROYED, ENDING, NodeConnBase, type Shared } from "./_conn_base.ts";

// Flag bits besides DESTROYED and ENDING.
/** FIN is to be sent once the pending write completes. */
const SHUTDOWN_WANTED = 4;
/** The peer ended: close once the pending write completes. */
const PEER_ENDED = 8;

const CONN = Symbol("lifeline.conn");

/** A listener's shared part, with the bindings its handles use. */
interface RawShared extends Shared {
  readonly wrap: TcpWrap;
}

interface TaggedHandle extends TcpHandle {
  [CONN]?: RawConn;
}

interface TaggedWrite extends WriteRequest {
  conn?: RawConn | null;
}

// One read buffer for every connection: reads are handed out one at a time
// on this thread, and a handler keeps no bytes past its call (see
// ConnectionHandler.data).
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Uint8Array | null = null;
// Views of its first n bytes, made once per length: heartbeats come in a
// few sizes, and a view per read would be the one allocation left per read.
const VIEWS_UP_TO = 4096;
const views = new Array<Uint8Array | undefined>(VIEWS_UP_TO + 1);

function sharedReadBuffer(): Uint8Array {
  return readBuffer ??= new Uint8Array(READ_BUFFER_BYTES);
}

function viewOfRead(bytes: number): Uint8Array {
  const buffer = sharedReadBuffer();
  return bytes <= VIEWS_UP_TO
    ? views[bytes] ??= buffer.subarray(0, bytes)
    : buffer.subarray(0, bytes);
}

// A write that completes at once leaves its request unused: it is kept for
// the next write instead of allocating one per write.
let spareWrite: TaggedWrite | null = null;

function onWriteComplete(this: TaggedWrite, status: number): void {
  const conn = this.conn;
  this.conn = null;
  this.handle = null;
  conn?.writeDone(status);
}

function onShutdownComplete(this: ShutdownRequest, status: number): void {
  const conn = (this.handle as TaggedHandle | null)?.[CONN];
  this.handle = null;
  if (status < 0) conn?.destroy();
}

function noop(): void {}

function socketError(what: string, status: number): Error {
  return new Error(`Cannot ${what}: socket error ${status}`);
}

/**
 * A connection on a bare native handle. Its flags add SHUTDOWN_WANTED and
 * PEER_ENDED to DESTROYED and ENDING.
 */
export class RawConn extends NodeConnBase {
  declare readonly shared: RawShared;
  #handle: TaggedHandle;
  /** UTF-8 bytes of the write that is pending, 0 when none is. */
  #pending = 0;

  constructor(
    handle: TcpHandle,
    shared: RawShared,
    peer: { address?: string; port?: number },
  ) {
    super(shared, peer.address ?? "", peer.port ?? 0);
    this.#handle = handle;
  }

  protected get backlog(): number {
    return this.#pending;
  }

  /** Hands what is queued to the handle, unless a write is pending. */
  flush(): void {
    if ((this.flags & DESTROYED) !== 0) {
      takeQueued(this);
      return;
    }
    // A pending write takes the queue with it when it completes.
    if (this.#pending !== 0 || this.queued === "") return;
    const text = takeQueued(this);
    const req: TaggedWrite = spareWrite ?? this.shared.wrap.newWriteRequest();
    spareWrite = null;
    req.handle = this.#handle;
    const status = this.#handle.writeUtf8String(req, text);
    if (status === 0 && this.shared.wrap.lastWriteWasAsync()) {
      // The handle counted the bytes as it encoded them.
      this.#pending = this.shared.wrap.lastWriteBytes();
      req.conn = this;
      req.oncomplete = onWriteComplete;
      return;
    }
    req.handle = null;
    spareWrite = req;
    if (status !== 0) this.destroy();
  }

  /**
   * The pending write completed: write what queued up meanwhile, then do
   * what waited for it.
   *
   * @param status 0, or a negative error code.
   */
  writeDone(status: number): void {
    this.#pending = 0;
    if ((this.flags & DESTROYED) !== 0) return;
    if (status < 0) {
      this.destroy(socketError("write", status));
      return;
    }
    this.flush();
    if (this.#pending !== 0) return;
    if ((this.flags & PEER_ENDED) !== 0) {
      this.destroy();
    } else if ((this.flags & SHUTDOWN_WANTED) !== 0) {
      this.flags &= ~SHUTDOWN_WANTED;
      this.#shutdown();
    }
  }

  end(): void {
    if (this.flags !== 0) return;
    this.flush();
    this.flags |= ENDING;
    if (this.#pending !== 0) {
      this.flags |= SHUTDOWN_WANTED;
    } else {
      this.#shutdown();
    }
  }

  #shutdown(): void {
    const req = this.shared.wrap.newShutdownRequest();
    req.handle = this.#handle;
    req.oncomplete = onShutdownComplete;
    if (this.#handle.shutdown(req) !== 0) this.destroy();
  }

  /** The peer sent FIN: write out what is queued, then close. */
  peerEnded(): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.flush();
    this.flags |= PEER_ENDED;
    if (this.#pending === 0) this.destroy();
  }

  /**
   * Closes at once, dropping what is queued.
   *
   * @param error Why, when the connection failed.
   */
  destroy(error?: Error): void {
    if ((this.flags & DESTROYED) !== 0) return;
    this.flags |= DESTROYED;
    takeQueued(this);
    const handle = this.#handle;
    handle.readStop();
    handle.close(() => {
      handle.onread = null;
      handle[CONN] = undefined;
      this.shared.handler.closed(this.state, error);
    });
  }
}

function makeOnRead(wrap: TcpWrap): (this: TaggedHandle) => void {
  const eof = wrap.eof;
  return function onRead(this: TaggedHandle): void {
    const conn = this[CONN];
    if (conn === undefined) return;
    const result = wrap.lastReadResult();
    if (result > 0) {
      conn.received(viewOfRead(result));
    } else if (result === eof) {
      conn.peerEnded();
    } else if (result < 0) {
      conn.destroy(socketError("read", result));
    }
  };
}

/**
 * Makes a listening handle hand its connections over as {@link RawConn}s:
 * replaces its `onconnection`, accepts each connection into a bare handle,
 * turns on no-delay and keepalive, and starts reading.
 *
 * @param server `net.Server`'s listening handle.
 * @param wrap The bindings.
 * @param shared The handler and write limit.
 * @param keepAliveDelayMs Idle time before the first keepalive probe.
 *
 * @example Serve a listener's connections on bare handles
 * ```ts
 * import { createServer } from "node:net";
 * import { acceptBareHandles } from "./_raw_conn.ts";
 * import { listeningHandleOf, loadTcpWrap } from "./tcp_wrap.ts";
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const handle = listeningHandleOf(server);
 * const wrap = loadTcpWrap();
 * if (wrap !== null && handle !== null) {
 *   const handler = { open: () => null, data: () => {}, closed: () => {} };
 *   acceptBareHandles(handle, wrap, { handler, maxWrite: 65536 }, 30_000);
 * }
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function acceptBareHandles(
  server: TcpServerHandle,
  wrap: TcpWrap,
  shared: Shared,
  keepAliveDelayMs: number,
): void {
  const onRead = makeOnRead(wrap);
  const rawShared: RawShared = { ...shared, wrap };
  server.onconnection = (status: number, accepted?: TcpHandle): void => {
    // A failed accept (EMFILE and the like) leaves nothing to serve.
    if (status !== 0) return;
    let handle = accepted;
    if (handle === undefined) {
      handle = wrap.newSocketHandle();
      if (server.accept(handle) !== 0) {
        handle.close(noop);
        return;
      }
    }
    // Read once, while the handle is open.
    const peer: { address?: string; port?: number } = {};
    handle.getpeername(peer);
    handle.setNoDelay(true);
    // Seconds, as net.Socket converts them; 0 keeps the system default.
    handle.setKeepAlive(true, Math.floor(keepAliveDelayMs / 1000));
    const conn = new RawConn(handle, rawShared, peer);
    (handle as TaggedHandle)[CONN] = conn;
    handle.onread = onRead;
    handle.useUserBuffer(sharedReadBuffer());
    conn.state = shared.handler.open(conn);
    if ((conn.flags & DESTROYED) === 0) handle.readStart();
  };
}
