/**
 * Baseline: the floor of a `node:net` server under Deno.
 * `net.createServer`, `on("data")` discarding; no parsing, no table. With
 * `--pong` it is the floor of Lifeline's protocol instead: it answers each
 * `hello` with a `welcome` and each `ping` with a `pong`, found with
 * `indexOf` (no JSON, no validation, no liveness).
 *
 * ```sh
 * deno run -A bench/baselines/bare_node_server.ts --port 9100 [--pong] [--with-zod]
 * ```
 *
 * With `--with-zod` it first loads zod and builds one schema, as any server
 * that validates with zod does at startup, and uses it for nothing else: the
 * floor of a server that has zod in memory (see bench/RESULTS.md for why
 * that alone moves the floor).
 *
 * @module
 */

import net from "node:net";
import { exitOnSignal, parseBaselineArgs } from "./_args.ts";

function discard(): void {}

const PING = '{"type":"ping","seq":';
const WELCOME = '{"type":"welcome","id":"0","interval":1000,"timeout":5000}\n';

function answer(this: net.Socket, chunk: Uint8Array): void {
  const text = (chunk as Uint8Array & { latin1Slice(): string }).latin1Slice();
  let start = 0;
  let newline = text.indexOf("\n");
  while (newline !== -1) {
    if (text.startsWith(PING, start)) {
      this.write(
        `{"type":"pong","seq":${
          text.slice(start + PING.length, newline - 1)
        }}\n`,
      );
    } else if (text.startsWith('{"type":"hello"', start)) {
      this.write(WELCOME);
    }
    start = newline + 1;
    newline = text.indexOf("\n", start);
  }
}

if (import.meta.main) {
  const pong = Deno.args.includes("--pong");
  const withZod = Deno.args.includes("--with-zod");
  const args = parseBaselineArgs(
    Deno.args.filter((a) => a !== "--pong" && a !== "--with-zod"),
  );
  if (withZod) {
    const { z } = await import("zod");
    z.object({ type: z.literal("ping"), seq: z.number().int() }).parse({
      type: "ping",
      seq: 1,
    });
  }
  exitOnSignal();
  const server = net.createServer((socket) => {
    if (pong) socket.setNoDelay(true);
    socket.on("data", pong ? answer : discard);
    socket.on("error", discard);
  });
  server.listen(args.port, args.host, () => {
    const address = server.address() as net.AddressInfo;
    console.log(`listening on ${args.host}:${address.port}`);
  });
}
