/**
 * Keeps a `node:net` listener accepting after the process ran out of file
 * descriptors.
 *
 * Deno's `node:net` drains its listening socket into a queue before it
 * hands connections to JavaScript, and stops at the first failed accept
 * (`while let Poll::Ready(Ok(..)) = listener.poll_accept(cx)` in
 * `libs/core/uv_compat/tcp.rs`). An `EMFILE` there is dropped without a
 * word, and the listener's waker is not registered again, so the handle is
 * never polled again: the connections queued in the kernel, and every later
 * one, wait unanswered for good. Calling the listening handle's `listen()`
 * again re-registers it and marks it ready (`uv_listen` on a handle that
 * already listens only does that), which is what a libuv listener does on
 * its own. This module does it on a timer.
 *
 * @module
 */

import type { Server } from "node:net";

/**
 * How often the listener is re-armed, in milliseconds.
 *
 * @example
 * ```ts
 * import { REARM_EVERY_MS } from "./_keep_accepting.ts";
 * console.log(REARM_EVERY_MS); // 250
 * ```
 */
export const REARM_EVERY_MS = 250;

/**
 * The listen backlog of the node transport's listeners: how many
 * connections the kernel completes and queues before the server accepts
 * them. Node's default, 511, overflows in a reconnect storm (a worker of a
 * `--reuse-port` group killed, a restart: thousands of clients in a
 * second), and a connection the full queue drops waits for its SYN to be
 * sent again, 1, 3 then 7 s later. Go's servers take `net.core.somaxconn`;
 * the kernel caps this value at it too (4096 by default since Linux 5.4).
 *
 * @example
 * ```ts
 * import { LISTEN_BACKLOG } from "./_keep_accepting.ts";
 * console.log(LISTEN_BACKLOG); // 4096
 * ```
 */
export const LISTEN_BACKLOG = 4096;

interface Relistenable {
  listen?(backlog: number): number;
}

/**
 * Re-arms a listening server every {@link REARM_EVERY_MS} (on an unref'd
 * timer) until the returned function is called. Where the listening handle
 * has no `listen`, does nothing.
 *
 * @param server A listening `net.Server`.
 * @param everyMs The period.
 * @returns A function that stops re-arming.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { keepAccepting } from "./_keep_accepting.ts";
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const stop = keepAccepting(server);
 * stop();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function keepAccepting(
  server: Server,
  everyMs: number = REARM_EVERY_MS,
): () => void {
  const timer = setInterval(() => {
    const handle = (server as unknown as { _handle?: Relistenable | null })
      ._handle;
    // Ignored as a backlog by a handle that already listens.
    if (typeof handle?.listen === "function") handle.listen(LISTEN_BACKLOG);
  }, everyMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
