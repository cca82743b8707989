/**
 * Baseline: the straightforward Deno server speaking Lifeline's
 * newline-delimited JSON. `Deno.listen`, a read loop per connection with a
 * 1 KiB buffer, `JSON.parse` of each line, a `welcome` for each `hello`, a
 * `pong` written at once for each `ping`, a `Map` of last-seen times, a full
 * scan every 10 s. Prints `timeout <name>` for each client it drops.
 *
 * ```sh
 * deno run -A bench/baselines/naive_ndjson_server.ts --port 9100
 * ```
 *
 * @module
 */

import { exitOnSignal, parseBaselineArgs } from "./_args.ts";
import { dropSilent, type Entry, listen } from "./_deno_listen.ts";

if (import.meta.main) {
  const args = parseBaselineArgs(Deno.args);
  exitOnSignal();
  const clients = new Map<Deno.Conn, Entry & { name: string }>();
  const encoder = new TextEncoder();
  const listener = listen(args);
  let nextId = 1;
  dropSilent(clients, args, (_conn, entry) => entry.name);

  const handle = async (conn: Deno.Conn): Promise<void> => {
    const buffer = new Uint8Array(1024);
    const decoder = new TextDecoder();
    let text = "";
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        text += decoder.decode(buffer.subarray(0, n), { stream: true });
        let newline = text.indexOf("\n");
        while (newline !== -1) {
          const line = text.slice(0, newline);
          text = text.slice(newline + 1);
          newline = text.indexOf("\n");
          let frame: { type?: string; name?: string; seq?: number };
          try {
            frame = JSON.parse(line);
          } catch {
            continue;
          }
          const entry = clients.get(conn);
          if (entry) entry.last = Date.now();
          if (frame.type === "hello" && typeof frame.name === "string") {
            clients.set(conn, { conn, last: Date.now(), name: frame.name });
            const welcome = {
              type: "welcome",
              id: String(nextId++),
              interval: 1000,
              timeout: args.timeoutMs,
            };
            await conn.write(encoder.encode(JSON.stringify(welcome) + "\n"));
          } else if (frame.type === "ping") {
            const pong = { type: "pong", seq: frame.seq };
            await conn.write(encoder.encode(JSON.stringify(pong) + "\n"));
          }
        }
      }
    } catch { /* reset or closed by the scan */ }
    clients.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  };

  for await (const conn of listener) handle(conn);
}
