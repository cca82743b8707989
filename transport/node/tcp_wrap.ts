/**
 * The native TCP handles under `node:net`, reached the way `node:net`
 * itself reaches them: `process.binding("tcp_wrap")` and
 * `process.binding("stream_wrap")`.
 *
 * A `net.Socket` wraps each handle in a `Readable`, a `Writable` and an
 * event emitter: about 1.5 KB of heap per connection and a chain of stream
 * calls per read and per write. The node transport drives the handles of
 * the connections it accepts directly instead: it reads them into one
 * shared buffer and writes strings to them, as Netty's native transport
 * does under its NIO API.
 *
 * These bindings are internal (`process.binding` is deprecated in Node.js,
 * DEP0111). {@link loadTcpWrap} checks every member this module uses and
 * returns `null` if one is missing, and the transport then falls back to
 * `net.Socket`. No module outside `transport/node/` reaches them: this one
 * is not underscored only because the benchmarks' bare `tcp_wrap` floor
 * (`bench/baselines/bare_tcp_wrap_server.ts`) drives the same handles.
 *
 * @module
 */

import type { Server } from "node:net";
import process from "node:process";

/** A native TCP handle of an accepted connection. */
export interface TcpHandle {
  /** Called on every read; the result is in `streamBaseState`. */
  onread: ((this: TcpHandle) => void) | null;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): unknown;
  writeUtf8String(req: WriteRequest, text: string): number;
  shutdown(req: ShutdownRequest): number;
  close(callback: () => void): void;
  setKeepAlive(enable: boolean, delaySeconds: number): number;
  setNoDelay(enable: boolean): number;
  getpeername(out: { address?: string; port?: number }): number;
}

/** A listening handle (what `net.Server` keeps in `_handle`). */
export interface TcpServerHandle {
  onconnection: (status: number, accepted?: TcpHandle) => void;
  accept(client: TcpHandle): number;
}

/** A pending write, completed through `oncomplete(status)`. */
export interface WriteRequest {
  handle: TcpHandle | null;
  oncomplete: ((this: WriteRequest, status: number) => void) | null;
}

/** A pending shutdown (FIN), completed through `oncomplete(status)`. */
export interface ShutdownRequest {
  handle: TcpHandle | null;
  oncomplete: ((this: ShutdownRequest, status: number) => void) | null;
}

/** What the transport needs of the bindings. */
export interface TcpWrap {
  /** Creates the handle for a connection about to be accepted. */
  newSocketHandle(): TcpHandle;
  /** Creates a write request. */
  newWriteRequest(): WriteRequest;
  /** Creates a shutdown request. */
  newShutdownRequest(): ShutdownRequest;
  /** The bytes read by the last read, or a negative error code. */
  lastReadResult(): number;
  /** Whether the last write is still pending (its `oncomplete` will run). */
  lastWriteWasAsync(): boolean;
  /** The bytes the last write took (its text's UTF-8 length). */
  lastWriteBytes(): number;
  /** The libuv end-of-stream code. */
  readonly eof: number;
}

// Looked up once; `null` once known to be missing.
let cached: TcpWrap | null | undefined;

interface Bindings {
  tcp: {
    TCP: new (type: number) => TcpHandle;
    constants: { SOCKET: number };
  };
  stream: {
    WriteWrap: new () => WriteRequest;
    ShutdownWrap: new () => ShutdownRequest;
    kReadBytesOrError: number;
    kBytesWritten: number;
    kLastWriteWasAsync: number;
    streamBaseState: Int32Array;
  };
  uv: { UV_EOF: number };
}

function bind(): Bindings | null {
  const binding = (process as unknown as {
    binding?: (name: string) => unknown;
  }).binding;
  if (typeof binding !== "function") return null;
  try {
    return {
      tcp: binding.call(process, "tcp_wrap") as Bindings["tcp"],
      stream: binding.call(process, "stream_wrap") as Bindings["stream"],
      uv: binding.call(process, "uv") as Bindings["uv"],
    };
  } catch {
    return null;
  }
}

const HANDLE_METHODS = [
  "readStart",
  "readStop",
  "useUserBuffer",
  "writeUtf8String",
  "shutdown",
  "close",
  "setKeepAlive",
  "setNoDelay",
  "getpeername",
] as const;

function check(b: Bindings): TcpWrap | null {
  const { tcp, stream, uv } = b;
  if (
    typeof tcp?.TCP !== "function" ||
    typeof tcp.constants?.SOCKET !== "number" ||
    typeof stream?.WriteWrap !== "function" ||
    typeof stream.ShutdownWrap !== "function" ||
    !(stream.streamBaseState instanceof Int32Array) ||
    typeof stream.kReadBytesOrError !== "number" ||
    typeof stream.kLastWriteWasAsync !== "number" ||
    typeof stream.kBytesWritten !== "number" ||
    typeof uv?.UV_EOF !== "number"
  ) {
    return null;
  }
  const proto = tcp.TCP.prototype as unknown as Record<string, unknown>;
  if (HANDLE_METHODS.some((name) => typeof proto[name] !== "function")) {
    return null;
  }
  const state = stream.streamBaseState;
  const readIndex = stream.kReadBytesOrError;
  const asyncIndex = stream.kLastWriteWasAsync;
  const bytesIndex = stream.kBytesWritten;
  const { TCP } = tcp;
  const { WriteWrap, ShutdownWrap } = stream;
  const socketType = tcp.constants.SOCKET;
  return {
    newSocketHandle: () => new TCP(socketType),
    newWriteRequest: () => new WriteWrap(),
    newShutdownRequest: () => new ShutdownWrap(),
    lastReadResult: () => state[readIndex],
    lastWriteWasAsync: () => state[asyncIndex] !== 0,
    lastWriteBytes: () => state[bytesIndex],
    eof: uv.UV_EOF,
  };
}

/**
 * The native TCP bindings, or `null` where this runtime does not have all
 * of them.
 *
 * @returns The bindings, or `null`.
 *
 * @example
 * ```ts
 * import { loadTcpWrap } from "./tcp_wrap.ts";
 * const wrap = loadTcpWrap();
 * console.log(wrap === null || typeof wrap.eof === "number"); // true
 * ```
 */
export function loadTcpWrap(): TcpWrap | null {
  if (cached === undefined) {
    const b = bind();
    cached = b === null ? null : check(b);
  }
  return cached;
}

/**
 * Whether a listening handle can hand over its connections as bare
 * handles: it has `accept` and a replaceable `onconnection`.
 *
 * @param handle `net.Server`'s `_handle`.
 * @returns Whether {@link loadTcpWrap}'s handles can be accepted on it.
 *
 * @example
 * ```ts
 * import { isAcceptingHandle } from "./tcp_wrap.ts";
 * console.log(isAcceptingHandle({})); // false
 * ```
 */
export function isAcceptingHandle(
  handle: unknown,
): handle is TcpServerHandle {
  if (typeof handle !== "object" || handle === null) return false;
  const h = handle as Record<string, unknown>;
  return typeof h.accept === "function" &&
    typeof h.onconnection === "function";
}

/**
 * The native handle a listening `net.Server` accepts on, when it can hand
 * over its connections as bare handles.
 *
 * @param server A listening server.
 * @returns Its handle, or `null`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { listeningHandleOf } from "./tcp_wrap.ts";
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * console.log(listeningHandleOf(server) !== undefined); // true
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function listeningHandleOf(server: Server): TcpServerHandle | null {
  const handle = (server as unknown as { _handle?: unknown })._handle;
  return isAcceptingHandle(handle) ? handle : null;
}
