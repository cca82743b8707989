/**
 * What the `Deno.listen` baselines share: the listener, announced with a
 * `listening on HOST:PORT` line, and for the naive ones the table of
 * last-seen times they scan every `--scan`, dropping each client silent for
 * longer than `--timeout` with a `timeout <name>` line (the line the harness
 * counts).
 *
 * @module
 */

import type { BaselineArgs } from "./_args.ts";

/** A client in a naive baseline's table. */
export interface Entry {
  /** Its connection. */
  conn: Deno.Conn;
  /** `Date.now()` of its last heartbeat. */
  last: number;
}

/**
 * Listens on `--host` and `--port` and prints `listening on HOST:PORT`.
 *
 * @param args The baseline's flags.
 * @returns The listener.
 *
 * @example
 * ```ts
 * import { listen } from "./_deno_listen.ts";
 * const listener = listen({ host: "127.0.0.1", port: 0, timeoutMs: 1000, scanMs: 1000 });
 * listener.close();
 * ```
 */
export function listen(args: BaselineArgs): Deno.TcpListener {
  const listener = Deno.listen({ hostname: args.host, port: args.port });
  console.log(`listening on ${args.host}:${listener.addr.port}`);
  return listener;
}

/**
 * Scans a table every `--scan` and drops the clients silent for longer than
 * `--timeout`: removed from the table, a `timeout <name>` line, the
 * connection closed.
 *
 * @param clients The table.
 * @param args The baseline's flags.
 * @param name The name a client is logged under.
 * @returns The interval's id.
 *
 * @example
 * ```ts
 * import { dropSilent } from "./_deno_listen.ts";
 * const timer = dropSilent(new Map(), { host: "", port: 0, timeoutMs: 10, scanMs: 10 }, String);
 * clearInterval(timer);
 * ```
 */
export function dropSilent<K, E extends Entry>(
  clients: Map<K, E>,
  args: BaselineArgs,
  name: (key: K, entry: E) => string,
): ReturnType<typeof setInterval> {
  return setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of clients) {
      if (now - entry.last > args.timeoutMs) {
        clients.delete(key);
        console.log(`timeout ${name(key, entry)}`);
        try {
          entry.conn.close();
        } catch { /* already closed */ }
      }
    }
  }, args.scanMs);
}
