/**
 * Waiting for a client's first `welcome`, failing fast: what `connect()`
 * does for the Deno client and the browser client alike.
 *
 * @module
 */

import type { ClientBase } from "./client_base.ts";

/**
 * Resolves once the client is welcomed; if its first attempt fails
 * (refused, no `welcome` in time, a `bye`) closes it and rejects with
 * `Cannot connect to WHERE as "NAME": why`.
 *
 * @typeParam C The client's class.
 * @param client A client that has just been created.
 * @param where The server, for the message (`host:port` or a URL).
 * @param signal The client's abort signal, if any.
 * @returns The client, welcomed.
 *
 * @example
 * ```ts
 * import { firstWelcome } from "./_first_welcome.ts";
 * import { LifelineClient } from "./client.ts";
 * const client = new LifelineClient({ name: "A", port: 1, reconnect: false });
 * try {
 *   await firstWelcome(client, "127.0.0.1:1");
 * } catch (error) {
 *   console.log((error as Error).message.startsWith('Cannot connect to 127.0.0.1:1 as "A"')); // true
 * }
 * ```
 */
export function firstWelcome<C extends ClientBase>(
  client: C,
  where: string,
  signal?: AbortSignal,
): Promise<C> {
  return new Promise((resolve, reject) => {
    let lastError = "the connection ended";
    // One signal takes every listener off again, whichever way it ends.
    const listening = new AbortController();
    const on = { signal: listening.signal };
    client.addEventListener("welcome", () => {
      listening.abort();
      resolve(client);
    }, on);
    client.addEventListener("error", (event) => {
      lastError = event.detail.message;
    }, on);
    client.addEventListener("disconnect", (event) => {
      if (event.detail.reason === "eof") {
        lastError = "the server closed the connection before welcome";
      }
    }, on);
    client.addEventListener("bye", (event) => {
      lastError = `the server said bye (${event.detail.reason})`;
    }, on);
    const fail = () => {
      listening.abort();
      const aborted = signal?.aborted === true;
      client.close(aborted ? "aborted" : "gave_up").finally(() => {
        reject(
          aborted ? signal!.reason : new Error(
            `Cannot connect to ${where} as "${client.name}": ${lastError}`,
          ),
        );
      });
    };
    client.addEventListener("reconnecting", fail, on);
    client.addEventListener("close", fail, on);
  });
}
