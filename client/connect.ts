/**
 * `connect()`: a client that is welcomed, or a rejection.
 *
 * @module
 */

import { DEFAULT_HOSTNAME, DEFAULT_PORT } from "../protocol/defaults.ts";
import { firstWelcome } from "./_first_welcome.ts";
import { LifelineClient } from "./client.ts";
import type { ClientOptions } from "./options.ts";

/**
 * Connects to a Lifeline server and resolves once it has said `welcome`.
 * Fails fast: if the first attempt fails (refused, no `welcome` within
 * `connectTimeout`, a `bye`), the promise rejects and the client is
 * closed. After that first `welcome`, the client reconnects on its own
 * according to `reconnect`.
 *
 * @param options Where to connect, the name, and the policies.
 * @returns The connected client.
 *
 * @example Connect, send, and close with `await using`
 * ```ts
 * import { connect } from "@lifeline/lifeline/client";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0, interval: 1000, timeout: 3000 });
 * await using client = await connect({ name: "B", port: server.addr.port });
 * client.addEventListener("presence", (e) => console.log(e.detail.name, e.detail.state));
 * console.log(client.interval, client.send("hi")); // 1000 "sent"
 * ```
 */
export function connect(options: ClientOptions): Promise<LifelineClient> {
  let client: LifelineClient;
  try {
    client = new LifelineClient(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return firstWelcome(
    client,
    `${options.hostname ?? options.host ?? DEFAULT_HOSTNAME}:${
      options.port ?? DEFAULT_PORT
    }`,
    options.signal,
  );
}
