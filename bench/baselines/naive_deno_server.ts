/**
 * Baseline: a straightforward Deno heartbeat server for the Go project's
 * frames. `Deno.listen`, a read loop per connection with a 1 KiB buffer,
 * `JSON.parse` of each read, a `Map` of last-seen times keyed by `Owner`, a
 * full scan every 10 s. Prints `timeout <owner>` for each client it drops.
 *
 * ```sh
 * deno run -A bench/baselines/naive_deno_server.ts --port 9100
 * ```
 *
 * @module
 */

import { exitOnSignal, parseBaselineArgs } from "./_args.ts";
import { dropSilent, type Entry, listen } from "./_deno_listen.ts";

if (import.meta.main) {
  const args = parseBaselineArgs(Deno.args);
  exitOnSignal();
  const clients = new Map<string, Entry>();
  const listener = listen(args);
  dropSilent(clients, args, (owner) => owner);

  const handle = async (conn: Deno.Conn): Promise<void> => {
    const buffer = new Uint8Array(1024);
    const decoder = new TextDecoder();
    let owner: string | undefined;
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        try {
          const frame = JSON.parse(decoder.decode(buffer.subarray(0, n)));
          if (frame.MessageType === 1 && typeof frame.Owner === "string") {
            owner = frame.Owner;
            clients.set(frame.Owner, { conn, last: Date.now() });
          }
        } catch { /* not one whole frame: ignored, as the Go server does */ }
      }
    } catch { /* reset or closed by the scan */ }
    if (owner !== undefined && clients.get(owner)?.conn === conn) {
      clients.delete(owner);
    }
    try {
      conn.close();
    } catch { /* already closed */ }
  };

  for await (const conn of listener) handle(conn);
}
