/**
 * The listener of the node transports (plain and TLS): the address of a
 * listening `net.Server`, its close, and the timer that keeps it accepting
 * after an `EMFILE` (see `_keep_accepting.ts`).
 *
 * @module
 */

import type { Server } from "node:net";
import type {
  TransportAddr,
  TransportInfo,
  TransportListener,
} from "../types.ts";
import { keepAccepting } from "./_keep_accepting.ts";

/**
 * A listening `net.Server` (or `tls.Server`) as a {@link TransportListener}.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { NodeListener } from "./_listener.ts";
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const listener = new NodeListener(server, { name: "node", connectionLimit: 10 });
 * console.log(listener.addr.port > 0); // true
 * await listener.close();
 * ```
 */
export class NodeListener implements TransportListener {
  readonly addr: TransportAddr;
  readonly info: TransportInfo;
  #server: Server;
  #closing: Promise<void> | null = null;
  #stopRearming: () => void;

  /**
   * Wraps a server that listens already.
   *
   * @param server The server.
   * @param info What it runs on.
   */
  constructor(server: Server, info: TransportInfo) {
    this.#server = server;
    this.info = info;
    const addr = server.address();
    if (addr === null || typeof addr === "string") {
      throw new TypeError(`Cannot read the listener's address ${addr}`);
    }
    this.addr = { hostname: addr.address, port: addr.port };
    // After an EMFILE, Deno's listener would never accept again.
    this.#stopRearming = keepAccepting(server);
  }

  /**
   * Stops accepting.
   *
   * @returns A promise that settles once the server is closed.
   */
  close(): Promise<void> {
    // node:net settles close() once every net.Socket is gone too; bare
    // handles are not counted, so with them it settles at once.
    this.#stopRearming();
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }
}
