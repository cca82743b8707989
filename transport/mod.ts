/**
 * The transport seam and its implementations. The server listens through a
 * {@link Transport}, the client connects through a {@link Dialer}; both
 * see a connection as a {@link TransportConn} (write, end, destroy) and
 * get its bytes through a {@link ConnectionHandler}. `denoTransport` and
 * `denoDialer` use `Deno.listen` and `Deno.connect`; `nodeTransport`
 * serves `node:net`'s native TCP handles without `net.Socket` (less than
 * half the memory per connection); `webSocketTransport` serves WebSocket
 * clients (one frame per text message) and `webSocketDialer` dials them on
 * the standard `WebSocket`; `memoryNetwork` connects both in one process,
 * for tests.
 *
 * @example A server handler on the Deno transport
 * ```ts
 * import { denoTransport } from "@lifeline/lifeline/transport";
 * const listener = await denoTransport().listen({ hostname: "127.0.0.1", port: 0 }, {
 *   open: (conn) => conn,
 *   data: (conn, chunk) => conn.write(`got ${chunk.length} bytes\n`),
 *   closed: () => {},
 * });
 * console.log(listener.info.name, listener.addr.port > 0); // "deno" true
 * await listener.close();
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./deno.ts";
export * from "./node/node.ts";
export * from "./node/tls.ts";
export * from "./node/websocket.ts";
export * from "./websocket_dialer.ts";
export * from "./memory.ts";
