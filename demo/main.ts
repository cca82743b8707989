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

import { parseArgs } from "node:util";
import { parseDuration } from "../common/duration.ts";
import { startServer } from "../server/mod.ts";
import { serveDemoSite } from "./site.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      http: { type: "string", default: "8080" },
      port: { type: "string", default: "9090" },
      ws: { type: "string", default: "9092" },
      interval: { type: "string", default: "2s" },
      timeout: { type: "string", default: "6s" },
      grace: { type: "string", default: "0ms" },
    },
  });
  const server = await startServer({
    port: Number(values.port),
    ws: { port: Number(values.ws) },
    interval: parseDuration(values.interval),
    timeout: parseDuration(values.timeout),
    presenceGrace: parseDuration(values.grace),
  });
  const wsUrl = `ws://127.0.0.1:${server.wsAddr!.port}/`;
  const site = serveDemoSite({ wsUrl, port: Number(values.http) });
  console.log(
    `Lifeline demo: open http://127.0.0.1:${site.addr.port}/ (server: tcp 127.0.0.1:${server.addr.port}, ${wsUrl})`,
  );
  const stop = async () => {
    await site.shutdown();
    await server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
