/**
 * Measures how long the server takes to notice silent clients, against the
 * bound `timeout + tick`, for each transport. Each client says hello, pings
 * a random number of times, then goes silent at a random moment; the
 * latency is the time from its last frame to the server's `timeout` event
 * (the server's own measure, `silentMs`) and to the `bye` arriving at the
 * client.
 *
 * Run: `deno run -A scripts/measure_detection.ts [--clients 40]
 * [--interval 250ms] [--timeout 1s] [--tick 100ms]`
 *
 * @module
 */

import { z } from "zod";
import {
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import { startServer } from "../server/mod.ts";

const USAGE =
  `Usage: deno run -A scripts/measure_detection.ts [--clients N] [--interval DUR]
                                              [--timeout DUR] [--tick DUR]
  --clients N     silent clients per transport (default 40, at most 1000)
  --interval DUR  the heartbeat interval (default 250ms)
  --timeout DUR   the server's silence limit (default 1s)
  --tick DUR      the server's sweep tick (default 100ms)`;

const FlagsSchema = z.object({
  clients: integerFlag("clients", 1, 1000),
  interval: durationFlag("interval"),
  timeout: durationFlag("timeout"),
  tick: durationFlag("tick"),
});

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function silentClient(
  port: number,
  name: string,
  interval: number,
): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(`{"type":"hello","name":"${name}"}\n`));
    let last = performance.now();
    const pings = Math.floor(Math.random() * 4);
    await sleep(Math.random() * interval);
    for (let seq = 1; seq <= pings; seq++) {
      await conn.write(encoder.encode(`{"type":"ping","seq":${seq}}\n`));
      last = performance.now();
      await sleep(interval);
    }
    // Silent from here: read until the server says bye and closes.
    const buffer = new Uint8Array(4096);
    let text = "";
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (text.includes('"bye"')) break;
    }
    return performance.now() - last;
  } finally {
    conn.close();
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: "40" },
    interval: { type: "string", default: "250ms" },
    timeout: { type: "string", default: "1s" },
    tick: { type: "string", default: "100ms" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { clients, interval, timeout, tick } = validateFlags(
    FlagsSchema,
    values,
  );
  console.log(
    `${clients} silent clients, interval ${interval}ms, timeout ${timeout}ms, tick ${tick}ms: bound ${
      timeout + tick
    }ms`,
  );
  console.log(
    "| transport | server max | server p50 | client max | client p50 | past the bound (timer lateness) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const transport of ["deno", "node"] as const) {
    await using server = await startServer({
      port: 0,
      interval,
      timeout,
      tick,
      transport,
      minPingInterval: 0,
    });
    const silent: number[] = [];
    server.addEventListener("timeout", (e) => silent.push(e.detail.silentMs));
    const seen = await Promise.all(
      Array.from(
        { length: clients },
        (_, i) => silentClient(server.addr.port, `c${i}`, interval),
      ),
    );
    await sleep(50);
    const sorted = (xs: number[]) => xs.toSorted((a, b) => a - b);
    const s = sorted(silent);
    const c = sorted(seen);
    const over = s.filter((ms) => ms > timeout + tick);
    const late = over.length === 0
      ? "none"
      : `${over.length} of ${s.length}, at most ${
        (over.at(-1)! - timeout - tick).toFixed(1)
      }ms`;
    const early = s.filter((ms) => ms < timeout).length;
    if (early > 0) console.error(`${early} clients swept before the timeout`);
    console.log(
      `| ${transport} | ${s.at(-1)?.toFixed(1)}ms | ${
        s[Math.floor(s.length / 2)]?.toFixed(1)
      }ms | ${c.at(-1)?.toFixed(1)}ms | ${
        c[Math.floor(c.length / 2)]?.toFixed(1)
      }ms | ${late} |`,
    );
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("measure_detection", main, Deno.args));
}
