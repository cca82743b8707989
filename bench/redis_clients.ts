/**
 * Why the cluster's Redis engine uses ioredis: the two well-kept npm Redis
 * clients side by side on one local `redis-server`, in alternating rounds.
 *
 * - pub/sub throughput: 50,000 presence-sized messages published without
 *   waiting, received on a second connection (what the cluster's fan-out
 *   does);
 * - an outage: with each client set to fail fast (no offline queue), how
 *   long a command takes to fail while Redis is down, how long after Redis
 *   is back the client is ready again (with its own reconnect policy), and
 *   whether the subscription came back by itself;
 * - a cold start: a fresh `deno` process that loads the client, connects
 *   and gets a PONG (what a restarted worker pays before it can join), the
 *   whole process timed, median of 5.
 *
 * ```sh
 * deno run -A bench/redis_clients.ts --rounds 3
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { RedisServer } from "./_redis_server.ts";
import { freePort } from "./_free_port.ts";

const MESSAGES = 50_000;
const PAYLOAD = JSON.stringify({
  t: "presence",
  name: "client-04711",
  state: "online",
  version: "1733520000000000",
  origin: "node-1",
});

/** One client library, behind the few calls the benchmark makes. */
interface Subject {
  name: string;
  connect(port: number): Promise<void>;
  subscribe(onMessage: () => void): Promise<void>;
  publish(message: string): Promise<unknown>;
  set(): Promise<unknown>;
  ready(): boolean;
  close(): Promise<void>;
}

function ioredis(): Subject {
  let pub: Redis;
  let sub: Redis;
  return {
    name: "ioredis",
    async connect(port) {
      const options = {
        port,
        host: "127.0.0.1",
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (n: number) => Math.min(2000, 50 * 2 ** n),
      };
      pub = new Redis(options);
      sub = new Redis(options);
      pub.on("error", () => {});
      sub.on("error", () => {});
      await Promise.all(
        [pub, sub].map((r) =>
          new Promise((resolve) => r.once("ready", resolve))
        ),
      );
    },
    async subscribe(onMessage) {
      sub.on("message", onMessage);
      await sub.subscribe("bench");
    },
    publish: (message) => pub.publish("bench", message),
    set: () => pub.set("k", "v"),
    ready: () => pub.status === "ready" && sub.status === "ready",
    close: async () => {
      pub.disconnect();
      sub.disconnect();
      await Promise.resolve();
    },
  };
}

function nodeRedis(): Subject {
  type Client = ReturnType<typeof createClient>;
  let pub: Client;
  let sub: Client;
  return {
    name: "node-redis",
    async connect(port) {
      pub = createClient({
        url: `redis://127.0.0.1:${port}`,
        disableOfflineQueue: true,
        socket: {
          reconnectStrategy: (n: number) => Math.min(2000, 50 * 2 ** n),
        },
      });
      pub.on("error", () => {});
      sub = pub.duplicate();
      sub.on("error", () => {});
      await pub.connect();
      await sub.connect();
    },
    async subscribe(onMessage) {
      await sub.subscribe("bench", onMessage);
    },
    publish: (message) => pub.publish("bench", message),
    set: () => pub.set("k", "v"),
    ready: () => pub.isReady && sub.isReady,
    close: async () => {
      await Promise.allSettled([pub.disconnect(), sub.disconnect()]);
    },
  };
}

async function throughput(subject: Subject, port: number): Promise<number> {
  await subject.connect(port);
  let got = 0;
  const done = Promise.withResolvers<void>();
  await subject.subscribe(() => {
    if (++got === MESSAGES) done.resolve();
  });
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) subject.publish(PAYLOAD).catch(() => {});
  await done.promise;
  const perSecond = MESSAGES / ((performance.now() - start) / 1000);
  await subject.close();
  return perSecond;
}

const COLD = {
  "ioredis": `import { Redis } from "ioredis";
const r = new Redis({ port: PORT, host: "127.0.0.1" });
await r.ping(); r.disconnect();`,
  "node-redis": `import { createClient } from "redis";
const r = createClient({ url: "redis://127.0.0.1:PORT" });
await r.connect(); await r.ping(); await r.disconnect();`,
};

async function coldStartMs(name: string, port: number): Promise<number> {
  const code = COLD[name as keyof typeof COLD].replace("PORT", String(port));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const { success } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--config",
        new URL("../deno.json", import.meta.url).pathname,
        code,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) throw new Error(`The cold start of ${name} failed`);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[2];
}

interface Outage {
  failMs: number;
  readyMs: number;
  resubscribed: boolean;
}

async function outage(subject: Subject, redis: RedisServer): Promise<Outage> {
  await subject.connect(redis.port);
  let got = 0;
  await subject.subscribe(() => got++);
  await redis.crash();
  await new Promise((r) => setTimeout(r, 200));
  const failStart = performance.now();
  const failMs = await Promise.race([
    subject.set().then(() => NaN, () => performance.now() - failStart),
    new Promise<number>((r) => setTimeout(() => r(Infinity), 5000)),
  ]);
  await redis.restart();
  const back = performance.now();
  while (!subject.ready() && performance.now() - back < 10_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - back;
  const before = got;
  await subject.publish(PAYLOAD).catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  const resubscribed = got > before;
  await subject.close();
  return { failMs, readyMs, resubscribed };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { rounds: { type: "string", default: "3" } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    console.error(
      `redis_clients: Cannot use --rounds "${values.rounds}": expected 1 to 20`,
    );
    Deno.exit(2);
  }
  const port = freePort();
  const redis = await RedisServer.start(port);
  const rows: string[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so neither always gets a warm server.
      const subjects = round % 2 === 1
        ? [ioredis, nodeRedis]
        : [nodeRedis, ioredis];
      for (const make of subjects) {
        const perSecond = await throughput(make(), port);
        const o = await outage(make(), redis);
        const name = make().name;
        const cold = await coldStartMs(name, port);
        rows.push(
          `| ${round} | ${name} | ${Math.round(perSecond)} | ${
            o.failMs.toFixed(1)
          } | ${o.readyMs.toFixed(0)} | ${o.resubscribed ? "yes" : "no"} | ${
            cold.toFixed(0)
          } |`,
        );
        console.error(rows.at(-1));
      }
    }
  } finally {
    await redis.stop();
  }
  console.log(
    "| round | client | pub/sub msg/s | command fails while down, ms | ready after Redis is back, ms | subscription back by itself | cold start to PONG, ms |",
  );
  console.log("| --: | --- | --: | --: | --: | --- | --: |");
  for (const row of rows) console.log(row);
  Deno.exit(0);
}
