/**
 * The browser demo, `deno task demo`: a Lifeline server (TCP on 9090,
 * WebSocket on 9092) and the demo page on http://127.0.0.1:8080/. Sign in
 * with a name in two tabs (or one tab and `deno task client -n B --watch
 * A`), watch names, see their state and chat. Ctrl-C stops both.
 *
 * ```sh
 * deno task demo
 * deno task demo --http 8081 --port 9190 --ws 9192 --interval 1s --timeout 3s
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { startServer } from "../server/mod.ts";
import { serveDemoSite } from "./site.ts";

const USAGE = `Usage: deno task demo [options]

The browser demo: a Lifeline server and a page to sign in, watch and chat.

Options:
  --http <port>            The page's port (default 8080)
  --port <port>            The server's TCP port (default 9090)
  --ws <port>              The server's WebSocket port (default 9092)
  --interval <duration>    Ping interval (default 2s)
  --timeout <duration>     Silence before a client is dropped (default 6s)
  --grace <duration>       Presence grace window (default 0ms: off)
  --help                   Show this help`;

const schema = z.object({
  help: z.boolean(),
  http: integerFlag("http", 0, 65535),
  port: integerFlag("port", 0, 65535),
  ws: integerFlag("ws", 0, 65535),
  interval: durationFlag("interval"),
  timeout: durationFlag("timeout"),
  grace: durationFlag("grace", { min: 0 }),
});

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    help: { type: "boolean", default: false },
    http: { type: "string", default: "8080" },
    port: { type: "string", default: "9090" },
    ws: { type: "string", default: "9092" },
    interval: { type: "string", default: "2s" },
    timeout: { type: "string", default: "6s" },
    grace: { type: "string", default: "0ms" },
  });
  const flags = validateFlags(schema, values);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.interval >= flags.timeout) {
    throw new UsageError(
      "--interval: Cannot use an interval as long as the timeout: expected a shorter one",
    );
  }
  const server = await startServer({
    port: flags.port,
    ws: { port: flags.ws },
    interval: flags.interval,
    timeout: flags.timeout,
    presenceGrace: flags.grace,
  });
  const wsUrl = `ws://127.0.0.1:${server.wsAddr!.port}/`;
  const site = serveDemoSite({ wsUrl, port: flags.http });
  console.log(
    `Lifeline demo: open http://127.0.0.1:${site.addr.port}/ (server: tcp 127.0.0.1:${server.addr.port}, ${wsUrl})`,
  );
  const stopped = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", () => stopped.resolve());
  Deno.addSignalListener("SIGTERM", () => stopped.resolve());
  await stopped.promise;
  await site.shutdown();
  await server.close();
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("demo", main, Deno.args));
}
