/**
 * The Lifeline client for Deno: {@link ClientBase} dialling TCP (or TLS)
 * with `Deno.connect` unless another dialer is given. The one place the
 * client imports a Deno API.
 *
 * @module
 */

import { denoDialer } from "../transport/deno.ts";
import { ClientBase } from "./client_base.ts";
import type { ClientOptions } from "./options.ts";

/**
 * A client of a Lifeline server, dialling TCP from Deno. The constructor
 * starts connecting at once and keeps reconnecting according to
 * `reconnect`; watch its events. To wait for the first `welcome` and fail
 * fast when the server is not there, use {@link connect} instead.
 *
 * Liveness: the client pings every interval (the server's, doubled after
 * each `too_many_pings`, or the adaptive one) and declares the server dead
 * when nothing at all has arrived from it for `welcome.timeout`. It judges
 * that by timestamps, checked on every tick (at most `tick` apart) and
 * before every send, so a process that was paused or a laptop that slept
 * notices at once when it wakes.
 *
 * @example Listen to events, send, close
 * ```ts
 * import { LifelineClient } from "@lifeline/lifeline/client";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * await using client = new LifelineClient({ name: "B", port: server.addr.port });
 * client.addEventListener("message", (e) => console.log(e.detail.from, e.detail.body));
 * client.addEventListener("reconnected", (e) => console.log("back after", e.detail.downtime, "ms"));
 * console.log(client.send("hi all")); // "queued": it goes out after the first welcome
 * await new Promise((resolve) => client.addEventListener("welcome", resolve, { once: true }));
 * console.log(client.connected, client.queued); // true 0
 * ```
 */
export class LifelineClient extends ClientBase {
  /**
   * Creates the client and starts connecting (on the next microtask, so
   * listeners added right after construction see every event).
   *
   * @param options Where to connect, the name, and the policies.
   */
  constructor(options: ClientOptions) {
    super(
      options,
      options.dialer ?? denoDialer(options.tls ? { tls: options.tls } : {}),
    );
  }
}
