/**
 * Baseline: the floor of a `node:net` server under Deno.
 * `net.createServer`, `on("data")` discarding; no parsing, no table.
 *
 * ```sh
 * deno run -A bench/baselines/bare_node_server.ts --port 9100
 * ```
 *
 * @module
 */

import net from "node:net";
import { exitOnSignal, parseBaselineArgs } from "./_args.ts";

function discard(): void {}

if (import.meta.main) {
  const args = parseBaselineArgs(Deno.args);
  exitOnSignal();
  const server = net.createServer((socket) => {
    socket.on("data", discard);
    socket.on("error", discard);
  });
  server.listen(args.port, args.host, () => {
    const address = server.address() as net.AddressInfo;
    console.log(`listening on ${args.host}:${address.port}`);
  });
}
