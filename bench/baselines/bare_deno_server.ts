/**
 * Baseline: the floor of a `Deno.listen` server. A read loop per connection
 * with a 1 KiB buffer that discards what it reads; no parsing, no table.
 *
 * ```sh
 * deno run -A bench/baselines/bare_deno_server.ts --port 9100
 * ```
 *
 * @module
 */

import { exitOnSignal, parseBaselineArgs } from "./_args.ts";
import { listen } from "./_deno_listen.ts";

if (import.meta.main) {
  const args = parseBaselineArgs(Deno.args);
  exitOnSignal();
  const listener = listen(args);
  const handle = async (conn: Deno.Conn): Promise<void> => {
    const buffer = new Uint8Array(1024);
    try {
      while (await conn.read(buffer) !== null) { /* discard */ }
    } catch { /* reset */ }
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  for await (const conn of listener) handle(conn);
}
