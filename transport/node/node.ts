/**
 * The `node:net` transport. `net.Server` listens; each accepted connection
 * is a bare native TCP handle (see `tcp_wrap.ts` and `_raw_conn.ts`) that
 * reads only when data arrives, into one buffer shared by every connection,
 * with no `net.Socket`, no stream and no event per read or write. Where the
 * runtime does not offer those handles, or they are turned off, connections
 * are `net.Socket`s read through `"data"` events instead
 * (`_socket_conn.ts`), as Netty's native transport falls back to NIO.
 *
 * @module
 */

import { createServer } from "node:net";
import { connectionsThatFit } from "../_open_file_limit.ts";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  type Transport,
  type TransportListener,
  type TransportListenOptions,
} from "../types.ts";
import type { Shared } from "./_conn_base.ts";
import { LISTEN_BACKLOG } from "./_keep_accepting.ts";
import { NodeListener } from "./_listener.ts";
import { acceptBareHandles } from "./_raw_conn.ts";
import { acceptSockets } from "./_socket_conn.ts";
import { listeningHandleOf, loadTcpWrap } from "./tcp_wrap.ts";

/**
 * The environment variable that turns the bare handles off: with
 * `LIFELINE_NO_BARE_HANDLES=1` the node transport uses `net.Socket` even
 * where the bindings exist (as Netty's `io.netty.transport.noNative`).
 *
 * @example
 * ```ts
 * import { NO_BARE_HANDLES_ENV } from "@lifeline/lifeline/transport";
 * console.log(NO_BARE_HANDLES_ENV); // "LIFELINE_NO_BARE_HANDLES"
 * ```
 */
export const NO_BARE_HANDLES_ENV = "LIFELINE_NO_BARE_HANDLES";

/** Options for {@link nodeTransport}. */
export interface NodeTransportOptions {
  /**
   * Whether to serve connections on bare native handles where the runtime
   * offers them; `false` uses `net.Socket`.
   * @default {true, unless the environment sets LIFELINE_NO_BARE_HANDLES=1}
   */
  bareHandles?: boolean;
  /**
   * Idle time before the first TCP keepalive probe (TCP_KEEPIDLE), in
   * milliseconds; `0` keeps the system default.
   * @default {0}
   */
  keepAliveInitialDelayMs?: number;
}

function envTurnsOff(): boolean {
  try {
    return Deno.env.get(NO_BARE_HANDLES_ENV) === "1";
  } catch {
    // No --allow-env: the variable cannot have been meant for us.
    return false;
  }
}

/**
 * Creates the `node:net` transport. Every accepted connection gets TCP
 * keepalive (with `keepAliveInitialDelayMs`) and no-delay.
 *
 * @param options Bare handles or `net.Socket`, and the keepalive delay.
 * @returns The transport.
 *
 * @example Listen on a free port and close again
 * ```ts
 * import { nodeTransport } from "@lifeline/lifeline/transport";
 * const listener = await nodeTransport().listen(
 *   { hostname: "127.0.0.1", port: 0 },
 *   { open: () => null, data: () => {}, closed: () => {} },
 * );
 * console.log(listener.addr.port > 0, listener.info.name); // true "node"
 * await listener.close();
 * ```
 */
export function nodeTransport(options: NodeTransportOptions = {}): Transport {
  const keepAliveDelay = options.keepAliveInitialDelayMs ?? 0;
  return {
    name: "node",
    listen<S>(
      listenOptions: TransportListenOptions,
      handler: ConnectionHandler<S>,
    ): Promise<TransportListener> {
      const bare = options.bareHandles ?? !envTurnsOff();
      return listenNode(listenOptions, handler, bare, keepAliveDelay);
    },
  };
}

function listenNode<S>(
  options: TransportListenOptions,
  handler: ConnectionHandler<S>,
  wantBare: boolean,
  keepAliveDelay: number,
): Promise<TransportListener> {
  // Shared by every connection of this listener: a connection holds one
  // reference to it instead of a copy of each field.
  const shared: Shared = {
    handler: handler as ConnectionHandler<unknown>,
    maxWrite: options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES,
  };
  const server = createServer();
  // Only reached where the listening handle does not hand over bare handles.
  acceptSockets(server, shared, keepAliveDelay);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({
      host: options.hostname,
      port: options.port,
      reusePort: options.reusePort === true,
      backlog: LISTEN_BACKLOG,
    }, () => {
      server.off("error", reject);
      const wrap = wantBare ? loadTcpWrap() : null;
      const handle = wrap === null ? null : listeningHandleOf(server);
      if (wrap !== null && handle !== null) {
        acceptBareHandles(handle, wrap, shared, keepAliveDelay);
      }
      resolve(
        new NodeListener(server, {
          name: "node",
          detail: handle !== null ? "bare handles" : "net.Socket",
          connectionLimit: connectionsThatFit(),
        }),
      );
    });
  });
}
