// The server CLI's admin endpoint and drain, run as a subprocess.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runDeno } from "../_helpers/run.ts";
import { RawClient } from "../_helpers/server.ts";

const MAIN = fileURLToPath(new URL("../../server/main.ts", import.meta.url));

interface Cli extends AsyncDisposable {
  child: Deno.ChildProcess;
  /** The JSON log records read so far. */
  records: Record<string, unknown>[];
  /** Reads records up to the first with this event, and returns it. */
  next(event: string): Promise<Record<string, unknown>>;
}

function startCli(args: string[]): Cli {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--port", "0", "--log-format", "json", ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const records: Record<string, unknown>[] = [];
  let buffer = "";
  let read = 0;
  async function next(event: string): Promise<Record<string, unknown>> {
    while (true) {
      while (read < records.length) {
        const record = records[read++];
        if (record.event === event) return record;
      }
      const i = buffer.indexOf("\n");
      if (i >= 0) {
        records.push(JSON.parse(buffer.slice(0, i)));
        buffer = buffer.slice(i + 1);
        continue;
      }
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`No "${event}" record: ${JSON.stringify(records)}`);
      }
      buffer += value;
    }
  }
  return {
    child,
    records,
    next,
    async [Symbol.asyncDispose]() {
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await child.status;
    },
  };
}

function portOf(record: Record<string, unknown>): number {
  return (record.address as { port: number }).port;
}

Deno.test("the server CLI with --admin serves metrics and readiness, and on SIGTERM drains: readiness 503, bye with retryAfter past the drain, exit 0", async () => {
  await using cli = startCli([
    "--admin",
    "127.0.0.1:0",
    "--drain",
    "1s",
    "--interval",
    "1s",
    "--timeout",
    "5s",
  ]);
  const port = portOf(await cli.next("listening"));
  const admin = `http://127.0.0.1:${portOf(await cli.next("admin"))}`;
  const clients = await Promise.all(
    ["A", "B", "C"].map((name) => RawClient.hello(port, name)),
  );
  const metrics = await (await fetch(`${admin}/metrics`)).text();
  assert.match(metrics, /^lifeline_connections\{protocol="lifeline"\} 3$/m);
  const ready = await fetch(`${admin}/readyz`);
  await ready.body?.cancel();
  assert.equal(ready.status, 200);

  const start = performance.now();
  cli.child.kill("SIGTERM");
  const shutdown = await cli.next("shutdown");
  assert.deepEqual([shutdown.signal, shutdown.connections, shutdown.drain], [
    "SIGTERM",
    3,
    1000,
  ]);
  const draining = await fetch(`${admin}/readyz`);
  await draining.body?.cancel();
  assert.equal(draining.status, 503);
  await Promise.all(clients.map(async (c) => {
    const bye = await c.waitFor((f) => f.type === "bye", 4000);
    const at = performance.now() - start;
    assert.ok(bye.type === "bye" && bye.reason === "shutdown");
    // Back no sooner than the drain's end plus the 1 s minimum (slack for
    // a loaded machine: 300 ms).
    assert.ok(
      at + bye.retryAfter! >= 1000 + 1000 - 300,
      `${at} + ${bye.retryAfter}`,
    );
    await c.close();
  }));
  await cli.next("stopped");
  assert.equal((await cli.child.status).code, 0);
});

Deno.test("the server CLI drains on POST /drain and exits 0", async () => {
  await using cli = startCli([
    "--admin",
    "127.0.0.1:0",
    "--drain",
    "300ms",
  ]);
  const port = portOf(await cli.next("listening"));
  const admin = `http://127.0.0.1:${portOf(await cli.next("admin"))}`;
  const a = await RawClient.hello(port, "A");
  const response = await fetch(`${admin}/drain`, { method: "POST" });
  assert.equal(response.status, 202);
  assert.deepEqual(await response.json(), { state: "draining", drainMs: 300 });
  const shutdown = await cli.next("shutdown");
  assert.deepEqual([shutdown.signal, shutdown.drain], ["POST /drain", 300]);
  await a.waitFor((f) => f.type === "bye", 3000);
  await a.close();
  await cli.next("stopped");
  assert.equal((await cli.child.status).code, 0);
});

Deno.test("the server CLI forces exit 1 on a second SIGINT during a drain", async () => {
  await using cli = startCli(["--drain", "1m"]);
  const port = portOf(await cli.next("listening"));
  // Enough clients that the drain cannot be over before the second signal.
  const clients = await Promise.all(
    Array.from({ length: 20 }, (_, i) => RawClient.hello(port, `C${i}`)),
  );
  cli.child.kill("SIGINT");
  await cli.next("shutdown");
  const start = performance.now();
  cli.child.kill("SIGINT");
  const forced = await cli.next("forced");
  assert.equal(forced.reason, "second SIGINT");
  assert.equal((await cli.child.status).code, 1);
  assert.ok(performance.now() - start < 3000);
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("the server CLI refuses a bad --admin, a short --admin-token and a token without --admin, with one line and exit code 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--admin", "nowhere"],
      /^server: --admin: Cannot use "nowhere": expected HOST:PORT/,
    ],
    [
      ["--admin", "1:2", "--admin-token", "short"],
      /--admin-token: Cannot use a token this short/,
    ],
    [
      ["--admin-token", "a-long-enough-token"],
      /--admin-token: Cannot use a token without --admin/,
    ],
    [
      ["--drain", "2h"],
      /--drain: Cannot use "2h": expected a duration from 0ms to 1h/,
    ],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stderr } = await runDeno(MAIN, args);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
      assert.equal(stderr.trimEnd().split("\n").length, 1);
    });
  }
});

Deno.test("the server CLI says in one line that it cannot serve the admin endpoint on a taken port, and exits 1", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { code, stderr } = await runDeno(MAIN, [
      "--port",
      "0",
      "--admin",
      `127.0.0.1:${taken.addr.port}`,
    ]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^server: Cannot serve the admin endpoint on 127\.0\.0\.1:\d+: /,
    );
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  } finally {
    taken.close();
  }
});
