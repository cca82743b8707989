/**
 * Measures the server's heap per watch entry: starts a Lifeline server in
 * this process on the in-memory network (`memoryNetwork()`), connects N
 * clients that say `hello`, forces a full GC and reads the heap; then each
 * client watches K random others (the harness's watch lists) and the heap
 * is read again after every snapshot has arrived; then every client
 * unwatches them all and it is read a third time. Heap bytes per watch
 * entry = (heap while watching − heap before) ÷ (N × K). The clients' side
 * keeps nothing per frame, so the difference is the server's.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/watch_memory.ts --clients 10000 --watch 1,10,100
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { startServer } from "../server/mod.ts";
import { memoryNetwork } from "../transport/mod.ts";
import type { TransportConn } from "../transport/mod.ts";
import { watchList } from "./_presence_plan.ts";

const USAGE =
  `Usage: deno run -A --v8-flags=--expose-gc bench/watch_memory.ts [options]

  --clients N   clients connected to the server (default 10000)
  --watch LIST  names each client watches, one fresh server per value
                (default 10; each at most 1000 and fewer than --clients)
  --json        print the results as JSON
  --help        show this help`;

/** Options of {@link measureWatchMemory}. */
export interface WatchMemoryOptions {
  /** Clients connected. */
  clients: number;
  /** Names each client watches. */
  watch: number;
  /**
   * The seed of the watch lists.
   * @default {1}
   */
  seed?: number;
}

/** The heap of one measurement, after a full GC each time. */
export interface WatchMemoryResult {
  /** Clients connected. */
  clients: number;
  /** Names each client watched. */
  watch: number;
  /** Watch entries: clients × watch. */
  entries: number;
  /** Distinct names watched. */
  names: number;
  /** Heap used with every client registered and watching nothing, bytes. */
  heapBefore: number;
  /** Heap used with every client watching, bytes. */
  heapWatching: number;
  /** Heap used after every client unwatched everything, bytes. */
  heapAfterUnwatch: number;
  /** (heapWatching − heapBefore) ÷ entries. */
  bytesPerEntry: number;
  /** (heapAfterUnwatch − heapBefore) ÷ clients: what unwatching leaves. */
  residueBytesPerClient: number;
}

function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    throw new UsageError(
      "Cannot force a GC: run with --v8-flags=--expose-gc",
    );
  }
  for (let i = 0; i < 4; i++) gc();
  return Deno.memoryUsage().heapUsed;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * Runs one measurement on a fresh server.
 *
 * @param options The clients and the watches.
 * @returns The heap before, while watching and after unwatching.
 * @throws {UsageError} When the process cannot force a GC.
 *
 * @example
 * ```ts ignore
 * import { measureWatchMemory } from "./watch_memory.ts";
 * const result = await measureWatchMemory({ clients: 1000, watch: 10 });
 * console.log(result.bytesPerEntry);
 * ```
 */
export async function measureWatchMemory(
  options: WatchMemoryOptions,
): Promise<WatchMemoryResult> {
  const { clients, watch } = options;
  const plan = { clients, watch, seed: options.seed ?? 1 };
  const network = memoryNetwork();
  // Timeouts far beyond the measurement: nobody goes silent or suspect.
  await using server = await startServer({
    transport: network.transport,
    hostname: "memory",
    port: 0,
    interval: 600_000,
    timeout: 3_600_000,
  });
  const port = server.addr.port;
  // What each client has received: lines only, never kept.
  const lines = new Uint32Array(clients);
  let total = 0;
  let waiting: { count: number; resolve: () => void } | null = null;
  const arrived = (count: number) => {
    if (waiting !== null && total >= waiting.count) {
      waiting.resolve();
      waiting = null;
    }
    return count;
  };
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      waiting = { count, resolve };
      arrived(0);
    });
  const conns: TransportConn[] = [];
  for (let id = 0; id < clients; id++) {
    const { conn } = await network.dialer.dial({ hostname: "memory", port }, {
      open: () => id,
      data: (i: number, chunk: Uint8Array) => {
        for (const byte of chunk) {
          if (byte === 10) {
            lines[i]++;
            total++;
          }
        }
        arrived(total);
      },
      closed: () => {},
    });
    conns.push(conn);
    conn.write(`{"type":"hello","name":"c${id}"}\n`);
  }
  await until(clients);
  await settle();
  const heapBefore = collect();
  const names = new Set<number>();
  const lists: string[][] = [];
  for (let id = 0; id < clients; id++) {
    const list = watchList(id, plan);
    for (const other of list) names.add(other);
    lists.push(list.map((other) => `c${other}`));
  }
  for (let id = 0; id < clients; id++) {
    conns[id].write(`${JSON.stringify({ type: "watch", names: lists[id] })}\n`);
  }
  await until(clients + clients * watch);
  await settle();
  const heapWatching = collect();
  for (let id = 0; id < clients; id++) {
    conns[id].write(
      `${JSON.stringify({ type: "unwatch", names: lists[id] })}\n`,
    );
  }
  await settle();
  await settle();
  lists.length = 0;
  const heapAfterUnwatch = collect();
  for (const conn of conns) conn.destroy();
  const entries = clients * watch;
  return {
    clients,
    watch,
    entries,
    names: names.size,
    heapBefore,
    heapWatching,
    heapAfterUnwatch,
    bytesPerEntry: (heapWatching - heapBefore) / entries,
    residueBytesPerClient: (heapAfterUnwatch - heapBefore) / clients,
  };
}

const FlagsSchema = z.object({
  clients: integerFlag("clients", 2, 1_000_000),
  watch: z.string().transform((text, ctx) => {
    const counts = text.split(",").map((s) => s.trim()).filter(Boolean).map(
      (s) => /^\d+$/.test(s) ? Number(s) : NaN,
    );
    if (counts.length === 0 || counts.some((k) => !(k >= 1 && k <= 1000))) {
      ctx.addIssue({
        code: "custom",
        message:
          `--watch: Cannot use "${text}": expected counts from 1 to 1000, such as 1,10,100`,
      });
      return z.NEVER;
    }
    return counts;
  }),
  json: z.boolean(),
});

function formatResult(r: WatchMemoryResult): string {
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  return `${r.clients} clients × ${r.watch} names (${r.names} distinct): heap ${
    mib(r.heapBefore)
  } → ${mib(r.heapWatching)} MiB watching → ${
    mib(r.heapAfterUnwatch)
  } MiB after unwatch; ${r.bytesPerEntry.toFixed(0)} bytes per watch entry, ${
    r.residueBytesPerClient.toFixed(0)
  } bytes per client left after unwatch`;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: "10000" },
    watch: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const v = validateFlags(FlagsSchema, values);
  for (const k of v.watch) {
    if (k >= v.clients) {
      throw new UsageError(
        `--watch: Cannot watch ${k} others among ${v.clients} clients: expected fewer than --clients`,
      );
    }
  }
  collect();
  const results: WatchMemoryResult[] = [];
  for (const watch of v.watch) {
    results.push(await measureWatchMemory({ clients: v.clients, watch }));
  }
  console.log(
    v.json
      ? JSON.stringify(results, null, 2)
      : results.map(formatResult).join("\n"),
  );
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("watch_memory", main, Deno.args));
}
