/**
 * The reconnect storm of a restart, measured: N clients are connected to
 * `server/main.ts`, the server gets SIGTERM, and a new server takes over
 * the port the moment the old one stops listening (a rolling restart on
 * one address). The script records, per 100 ms after the SIGTERM, how many
 * clients were told `bye` and how many said `hello` to the new server.
 * Two shutdowns are compared: `--drain 0` (every client told at once, as
 * `server.close()` does) and `--drain 10s` (closes spread over the drain,
 * `retryAfter` past its end). Two kinds of clients: Lifeline's
 * `LifelineClient` with its default reconnect policy (it honours
 * `retryAfter`), and "eager" raw clients that reconnect as soon as they
 * are told to go, ignoring `retryAfter`, as many clients in the field do.
 *
 * ```sh
 * deno run -A bench/drain_histogram.ts --clients 3000 --drain 10s
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import { connect, type LifelineClient } from "../client/mod.ts";
import { type LifelineServer, startServer } from "../server/mod.ts";
import { ServerProcess } from "./_server_process.ts";
import { freePort } from "./_free_port.ts";

const USAGE = `Usage: deno run -A bench/drain_histogram.ts [options]

  --clients N        clients (default 3000)
  --drain DUR        the drain period of the "drain" runs (default 10s)
  --shutdown S       close | drain | both (default both)
  --clients-kind K   lifeline | eager | both (default both)
  --bin DUR          histogram bin (default 100ms)
  --json             print every histogram as JSON
  --help             show this help`;

const SERVER = new URL("../server/main.ts", import.meta.url).pathname;

const Flags = z.object({
  clients: integerFlag("clients", 1, 8000),
  drain: durationFlag("drain", { min: 100, max: 120_000 }),
  shutdown: choiceFlag("shutdown", ["close", "drain", "both"]),
  "clients-kind": choiceFlag("clients-kind", ["lifeline", "eager", "both"]),
  bin: durationFlag("bin", { min: 10 }),
  json: z.boolean(),
  help: z.boolean(),
});

type Flags = z.infer<typeof Flags>;

/** What one run measured, in milliseconds after the SIGTERM. */
interface Measured {
  shutdown: "close" | "drain";
  kind: "lifeline" | "eager";
  drainMs: number;
  byes: number[];
  reconnects: number[];
}

/** One client of either kind. */
interface Client {
  /** Resolves with the time `bye` arrived. */
  bye: Promise<number>;
  close(): Promise<void>;
}

function lifelineClient(
  port: number,
  name: string,
  now: () => number,
): Promise<Client> {
  return connect({ port, name }).then((client: LifelineClient) => {
    const bye = new Promise<number>((resolve) =>
      client.addEventListener("bye", () => resolve(now()), { once: true })
    );
    return { bye, close: async () => void await client.close() };
  });
}

/**
 * A client that ignores `retryAfter`: on `bye` it closes and dials again
 * at once (every 20 ms while refused), says hello, and stays.
 */
async function eagerClient(
  port: number,
  name: string,
  now: () => number,
): Promise<Client> {
  const encoder = new TextEncoder();
  const hello = encoder.encode(JSON.stringify({ type: "hello", name }) + "\n");
  let current: Deno.TcpConn | null = null;
  let closed = false;
  const { promise: bye, resolve: sawBye } = Promise.withResolvers<number>();
  async function dial(): Promise<Deno.TcpConn> {
    while (true) {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(hello);
        return conn;
      } catch {
        if (closed) throw new Error("closed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
  current = await dial();
  const reader = (async () => {
    const buffer = new Uint8Array(4096);
    let text = "";
    const decoder = new TextDecoder();
    while (!closed && current !== null) {
      const n = await current.read(buffer).catch(() => null);
      if (n === null) {
        // Closed without a bye we could read: count the close instead.
        sawBye(now());
        current = closed ? null : await dial().catch(() => null);
        break;
      }
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      if (text.includes('"type":"bye"')) {
        sawBye(now());
        try {
          current.close();
        } catch { /* closed */ }
        current = closed ? null : await dial().catch(() => null);
        // The new server's frames are not read: it does not matter here.
        break;
      }
    }
  })();
  return {
    bye,
    close: async () => {
      closed = true;
      try {
        current?.close();
      } catch { /* closed */ }
      await reader;
    },
  };
}

/** Starts the new server on the port as soon as the old one lets go. */
async function takeOver(
  port: number,
  deadlineMs: number,
): Promise<LifelineServer> {
  const until = performance.now() + deadlineMs;
  while (true) {
    try {
      return await startServer({
        port,
        interval: 5000,
        timeout: 15000,
        transport: "deno",
      });
    } catch (error) {
      if (
        !(error instanceof Deno.errors.AddrInUse) || performance.now() > until
      ) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

async function run(
  shutdown: "close" | "drain",
  kind: "lifeline" | "eager",
  flags: Flags,
): Promise<Measured> {
  const port = freePort();
  const drainMs = shutdown === "drain" ? flags.drain : 0;
  const old = new ServerProcess([
    Deno.execPath(),
    "run",
    "-A",
    SERVER,
    "--port",
    String(port),
    "--log-format",
    "json",
    "--drain",
    `${drainMs}ms`,
  ]);
  await old.listening("127.0.0.1", port);
  let zero = 0;
  const now = () => performance.now() - zero;
  const clients: Client[] = [];
  const make = kind === "lifeline" ? lifelineClient : eagerClient;
  for (let i = 0; i < flags.clients; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(flags.clients, i + 200); j++) {
      batch.push(make(port, `c${j}`, now));
    }
    clients.push(...await Promise.all(batch));
  }
  const reconnects: number[] = [];
  zero = performance.now();
  old.child.kill("SIGTERM");
  const successor = await takeOver(port, 30_000);
  successor.addEventListener("connect", () => reconnects.push(now()));
  const byes = await Promise.all(clients.map((c) => c.bye));
  const limit = drainMs + 1000 + 10_000 + 10_000;
  while (reconnects.length < flags.clients && now() < limit) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all(clients.map((c) => c.close()));
  await successor.close();
  await old.stop();
  return { shutdown, kind, drainMs, byes, reconnects };
}

/** Counts per bin of `binMs`, from 0 to the last value. */
function histogram(times: number[], binMs: number): number[] {
  const bins: number[] = [];
  for (const t of times) {
    const i = Math.max(0, Math.floor(t / binMs));
    while (bins.length <= i) bins.push(0);
    bins[i]++;
  }
  return bins;
}

const BARS = " ▁▂▃▄▅▆▇█";

/** One character per bin, scaled to the peak. */
function sparkline(bins: number[], peak: number): string {
  return bins.map((n) =>
    n === 0 ? "·" : BARS[Math.max(1, Math.ceil((n / peak) * (BARS.length - 1)))]
  ).join("");
}

function summary(m: Measured, binMs: number): string {
  const lines: string[] = [];
  const byes = histogram(m.byes, binMs);
  const back = histogram(m.reconnects, binMs);
  const peak = Math.max(1, ...byes, ...back);
  const sorted = m.reconnects.toSorted((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  lines.push(
    `## ${
      m.shutdown === "close"
        ? "close (--drain 0)"
        : `drain (--drain ${m.drainMs / 1000}s)`
    }, ${m.kind} clients`,
  );
  lines.push(
    `bye: ${m.byes.length} clients over ${
      (Math.max(...m.byes) - Math.min(...m.byes)).toFixed(0)
    } ms, at most ${Math.max(...byes)} per ${binMs} ms`,
  );
  lines.push(
    `hello to the new server: ${m.reconnects.length}, first at ${
      (sorted[0] ?? NaN).toFixed(0)
    } ms, median ${(at(0.5) ?? NaN).toFixed(0)} ms, p99 ${
      (at(0.99) ?? NaN).toFixed(0)
    } ms, at most ${Math.max(...back)} per ${binMs} ms`,
  );
  lines.push("");
  lines.push(
    `per ${binMs} ms after SIGTERM (one character per bin, █ = ${peak}):`,
  );
  const width = Math.max(byes.length, back.length);
  const pad = (
    bins: number[],
  ) => [...bins, ...new Array(width - bins.length).fill(0)];
  lines.push(`bye   ${sparkline(pad(byes), peak)}`);
  lines.push(`hello ${sparkline(pad(back), peak)}`);
  lines.push("");
  lines.push("| second | bye | max bye per bin | hello | max hello per bin |");
  lines.push("| -----: | --: | --------------: | ----: | ----------------: |");
  const perSecond = Math.round(1000 / binMs);
  for (let s = 0; s * perSecond < width; s++) {
    const b = pad(byes).slice(s * perSecond, (s + 1) * perSecond);
    const h = pad(back).slice(s * perSecond, (s + 1) * perSecond);
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    lines.push(
      `| ${s}–${s + 1} s | ${sum(b)} | ${Math.max(...b)} | ${sum(h)} | ${
        Math.max(...h)
      } |`,
    );
  }
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: "3000" },
    drain: { type: "string", default: "10s" },
    shutdown: { type: "string", default: "both" },
    "clients-kind": { type: "string", default: "both" },
    bin: { type: "string", default: "100ms" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const flags = validateFlags(Flags, values);
  const shutdowns = flags.shutdown === "both"
    ? ["close", "drain"] as const
    : [flags.shutdown];
  const kinds = flags["clients-kind"] === "both"
    ? ["lifeline", "eager"] as const
    : [flags["clients-kind"]];
  const results: Measured[] = [];
  for (const kind of kinds) {
    for (const shutdown of shutdowns) {
      console.error(
        `${shutdown}, ${kind} clients: ${flags.clients} clients...`,
      );
      const measured = await run(shutdown, kind, flags);
      results.push(measured);
      if (!flags.json) console.log(summary(measured, flags.bin) + "\n");
    }
  }
  if (flags.json) {
    console.log(JSON.stringify(
      results.map((m) => ({
        shutdown: m.shutdown,
        kind: m.kind,
        drainMs: m.drainMs,
        binMs: flags.bin,
        byes: histogram(m.byes, flags.bin),
        reconnects: histogram(m.reconnects, flags.bin),
      })),
    ));
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("drain_histogram", main, Deno.args));
}
