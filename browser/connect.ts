/**
 * The browser's `connect()`: a {@link BrowserClient} that is welcomed, or
 * a rejection.
 *
 * @module
 */

import { firstWelcome } from "../client/_first_welcome.ts";
import { BrowserClient, type BrowserClientOptions } from "./browser_client.ts";

/**
 * Connects to a Lifeline server over WebSocket and resolves once it has
 * said `welcome`. Fails fast: if the first attempt fails (refused, no
 * `welcome` within `connectTimeout`, a `bye`), the promise rejects and the
 * client is closed. After that, the client reconnects on its own.
 *
 * @param options The URL, the name, and the policies.
 * @returns The connected client.
 *
 * @example Connect, send, close
 * ```ts
 * import { connect } from "@lifeline/lifeline/browser";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0, ws: { port: 0 } });
 * await using client = await connect({ url: `ws://127.0.0.1:${server.wsAddr!.port}/`, name: "A" });
 * console.log(client.send("hi")); // "sent"
 * ```
 */
export function connect(options: BrowserClientOptions): Promise<BrowserClient> {
  let client: BrowserClient;
  try {
    client = new BrowserClient(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return firstWelcome(client, client.url, options.signal);
}
