import assert from "node:assert/strict";
import { type TransportCase, TRANSPORTS } from "../_helpers/server.ts";
import { cliFor } from "../_helpers/server_cli.ts";
import { REPO } from "../_helpers/run.ts";
import { Witnesses } from "../_helpers/witnesses.ts";

// A burst of connections past the open-file limit runs the server out of
// descriptors before it can refuse anyone. Deno's node:net listener used
// to stop accepting for good after that EMFILE (its accept loop drops the
// error and is never polled again): the queued clients, and every later
// one, waited unanswered while the process lived on. Whatever the burst,
// once descriptors are free again newcomers must be welcomed within 1 s,
// on every transport, and the clients already served must not notice.

const OPEN_FILES = 200;
const BURST = 400;
const NEWCOMERS = 10;

interface Listening {
  port: number;
  transport: string;
  transportDetail?: string;
  maxConnections: number;
}

async function startCli(
  transport: TransportCase,
): Promise<{ child: Deno.ChildProcess; listening: Listening }> {
  const { args, env } = cliFor(transport);
  const command = [
    `ulimit -n ${OPEN_FILES}`,
    `exec "${Deno.execPath()}" run -A "${REPO}server/main.ts" --port 0 ` +
    `--interval 1s --timeout 10s --log-format json ${args.join(" ")}`,
  ].join(" && ");
  const child = new Deno.Command("bash", {
    args: ["-c", command],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes('"listening"')) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the server exited: ${text}`);
    text += chunk.value;
  }
  const line = text.split("\n").find((l) => l.includes('"listening"'))!;
  const record = JSON.parse(line);
  // Drain the log from here on, so that it never blocks the server.
  (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  return {
    child,
    listening: { ...record, port: record.address.port },
  };
}

/** One burst client: connects, says hello, remembers its first frame. */
interface BurstClient {
  conn: Deno.TcpConn;
  first: string | undefined;
}

async function burstClient(port: number, name: string): Promise<BurstClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const client: BurstClient = { conn, first: undefined };
  conn.write(new TextEncoder().encode(`{"type":"hello","name":"${name}"}\n`))
    .catch(() => {});
  (async () => {
    const buffer = new Uint8Array(512);
    const n = await conn.read(buffer);
    if (n !== null) {
      const line = new TextDecoder().decode(buffer.subarray(0, n));
      client.first = JSON.parse(line.split("\n")[0]).type;
    }
  })().catch(() => {});
  return client;
}

/** Milliseconds from connect to welcome, or Infinity after `ms`. */
async function timeToWelcome(
  port: number,
  name: string,
  ms: number,
): Promise<number> {
  const start = performance.now();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(`{"type":"hello","name":"${name}"}\n`),
    );
    const buffer = new Uint8Array(512);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = conn.read(buffer).then((n) =>
      n === null ? "eof" : new TextDecoder().decode(buffer.subarray(0, n))
    );
    const text = await Promise.race([
      read,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve("nothing"), ms);
      }),
    ]).finally(() => clearTimeout(timer));
    return text.startsWith('{"type":"welcome"')
      ? performance.now() - start
      : Infinity;
  } finally {
    conn.close();
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`after a burst past the open-file limit, newcomers are welcomed within 1 s once descriptors are free (${transport})`, async () => {
    const { child, listening } = await startCli(transport);
    let witnesses: Witnesses | undefined;
    const burst: BurstClient[] = [];
    try {
      assert.equal(listening.transport, transport.name);
      assert.equal(listening.transportDetail, transport.detail);
      assert.equal(listening.maxConnections, OPEN_FILES - 64);
      witnesses = await Witnesses.start(listening.port, { everyMs: 1000 });
      // The burst: far more connections at once than descriptors.
      burst.push(
        ...await Promise.all(
          Array.from(
            { length: BURST },
            (_, i) => burstClient(listening.port, `burst${i}`),
          ),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const welcomed = burst.filter((c) => c.first === "welcome").length;
      assert.ok(welcomed > 0, "some of the burst were served");
      // The burst leaves: descriptors are free again.
      for (const c of burst) c.conn.close();
      burst.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waits = await Promise.all(
        Array.from(
          { length: NEWCOMERS },
          (_, i) => timeToWelcome(listening.port, `new${i}`, 3000),
        ),
      );
      const late = waits.filter((ms) => ms > 1000);
      assert.deepEqual(
        late,
        [],
        `newcomers welcomed after ${
          waits.map((ms) => Math.round(ms)).join(", ")
        } ms`,
      );
      await witnesses.untilEachPonged(1);
      await witnesses.assertHealthy({ maxRttMs: 1000, maxGapMs: 2500 });
    } finally {
      for (const c of burst) c.conn.close();
      await witnesses?.stop();
      child.kill("SIGTERM");
      await child.status;
    }
  });
}
