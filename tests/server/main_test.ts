import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseServerArgs } from "../../server/_cli.ts";
import { RawClient } from "../_helpers/server.ts";

const MAIN = fileURLToPath(new URL("../../server/main.ts", import.meta.url));

async function run(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
}

Deno.test("the server CLI rejects bad flags with one line on stderr and exit code 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--frobnicate"], /Unknown option '--frobnicate'/],
    [["--port", "seventy"], /--port: Cannot use "seventy"/],
    [["--port", "70000"], /--port: Cannot use "70000"/],
    [["--interval", "5x"], /--interval: Cannot parse duration "5x"/],
    [["--timeout", "0s"], /--timeout: Cannot use "0s"/],
    [["--tick", "soon"], /--tick: Cannot parse duration "soon"/],
    [["--max-frame", "lots"], /--max-frame: Cannot parse size "lots"/],
    [["--max-frame", "4"], /--max-frame: Cannot use "4"/],
    [["--max-connections", "0"], /--max-connections: Cannot use "0"/],
    [["--transport", "bun"], /--transport: Cannot use "bun"/],
    [["--log-format", "xml"], /--log-format: Cannot use "xml"/],
    [["--max-watches", "0"], /--max-watches: Cannot use "0"/],
    [["--max-watches", "many"], /--max-watches: Cannot use "many"/],
    [["--suspect-after", "soon"], /--suspect-after: Cannot parse duration/],
    [["--presence-grace=-1s"], /--presence-grace: Cannot parse duration/],
    [["--presence-limit", "100"], /Unknown option '--presence-limit'/],
    [["--interval", "20s"], /--interval: .*shorter than the timeout/],
    [["stray"], /Unexpected argument 'stray'/],
  ];
  for (const [args, pattern] of cases) {
    await t.step(args.join(" "), async () => {
      const output = await run(args);
      const stderr = new TextDecoder().decode(output.stderr);
      assert.equal(output.code, 2, stderr);
      assert.match(stderr, pattern);
      assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
      assert.equal(output.stdout.length, 0);
    });
  }
});

Deno.test("the server CLI prints usage for --help and exits 0", async () => {
  const output = await run(["--help"]);
  assert.equal(output.code, 0);
  const stdout = new TextDecoder().decode(output.stdout);
  for (
    const flag of [
      "--host",
      "--port",
      "--interval",
      "--timeout",
      "--tick",
      "--max-frame",
      "--max-connections",
      "--transport",
      "--suspect-after",
      "--presence-grace",
      "--max-watches",
      "--log-format",
      "--verbose",
    ]
  ) {
    assert.ok(stdout.includes(flag), flag);
  }
});

Deno.test("the server CLI takes the presence flags, with their defaults", () => {
  const defaults = parseServerArgs([]);
  assert.deepEqual(
    [defaults.suspectAfter, defaults.presenceGrace, defaults.maxWatches],
    [undefined, 0, 10_000],
  );
  const given = parseServerArgs([
    "--suspect-after",
    "2s",
    "--presence-grace",
    "15s",
    "--max-watches",
    "50",
  ]);
  assert.deepEqual(
    [given.suspectAfter, given.presenceGrace, given.maxWatches],
    [2000, 15_000, 50],
  );
});

/** A running server CLI whose log lines a test reads one by one. */
interface RunningCli extends AsyncDisposable {
  /** The process. */
  child: Deno.ChildProcess;
  /** The first log line. */
  listening: string;
  /** The port it listens on. */
  port: number;
  /** Reads log lines up to the first that matches, and returns it. */
  line(pattern: RegExp): Promise<string>;
}

/** Starts the server CLI and waits for its "listening on" line. */
async function startCli(args: string[]): Promise<RunningCli> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = "";
  const lines: string[] = [];
  async function line(pattern: RegExp): Promise<string> {
    while (true) {
      const i = buffer.indexOf("\n");
      if (i >= 0) {
        const next = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        lines.push(next);
        if (pattern.test(next)) return next;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`No line matching ${pattern}: ${lines.join("\n")}`);
      }
      buffer += value;
    }
  }
  async function dispose(): Promise<void> {
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await child.status;
  }
  try {
    const listening = await line(/listening on|"event":"listening"/);
    const port = listening.startsWith("{")
      ? JSON.parse(listening).address.port
      : Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]);
    return { child, listening, port, line, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

for (
  const [transport, signal] of [["deno", "SIGTERM"], [
    "node",
    "SIGINT",
  ]] as const
) {
  Deno.test(`the server CLI serves a client, logs it and exits 0 on ${signal} (${transport})`, async () => {
    await using cli = await startCli([
      "--port",
      "0",
      "--interval",
      "100ms",
      "--timeout",
      "400ms",
      "--transport",
      transport,
      "--verbose",
    ]);
    assert.match(
      cli.listening,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z listening on 127\.0\.0\.1:\d+ \(transport /,
    );
    assert.ok(cli.listening.includes(`transport ${transport}`));
    {
      await using a = await RawClient.hello(cli.port, "A");
      await cli.line(/connect A from 127\.0\.0\.1:\d+/);
      await a.send({ type: "ping", seq: 1 });
      await cli.line(/heartbeat A seq 1$/);
    }
    await cli.line(/disconnect A \(closed\)$/);
    {
      // A connection that never speaks is logged when swept.
      await using mute = await RawClient.connect(cli.port);
      await cli.line(/timeout connection \d+ \(no hello\)/);
      await mute.waitClosed();
    }
    cli.child.kill(signal);
    await cli.line(new RegExp(`shutting down \\(${signal}\\)`));
    assert.equal((await cli.child.status).code, 0);
  });
}

Deno.test("the server CLI with --log-format json writes one object per line with a stable event field", async () => {
  await using cli = await startCli([
    "--port",
    "0",
    "--interval",
    "100ms",
    "--timeout",
    "400ms",
    "--log-format",
    "json",
    "--verbose",
  ]);
  const record = (line: string) => JSON.parse(line);
  const listening = record(cli.listening);
  assert.equal(listening.event, "listening");
  assert.deepEqual(
    [listening.address.hostname, listening.interval, listening.timeout],
    ["127.0.0.1", 100, 400],
  );
  assert.ok(!Number.isNaN(Date.parse(listening.time)));
  {
    await using a = await RawClient.hello(cli.port, "A");
    const connect = record(await cli.line(/"event":"connect"/));
    assert.equal(connect.name, "A");
    assert.equal(connect.remoteAddr.hostname, "127.0.0.1");
    await a.send({ type: "ping", seq: 7 });
    const beat = record(await cli.line(/"event":"heartbeat"/));
    assert.deepEqual([beat.name, beat.seq], ["A", 7]);
    // A goes silent: a timeout, then its disconnect with the same reason.
    const timeout = record(await cli.line(/"event":"timeout"/));
    assert.equal(timeout.name, "A");
    assert.ok(timeout.silentMs >= 400, String(timeout.silentMs));
    const gone = record(await cli.line(/"event":"disconnect"/));
    assert.deepEqual([gone.name, gone.reason], ["A", "timeout"]);
  }
  cli.child.kill("SIGTERM");
  const shutdown = record(await cli.line(/"event":"shutdown"/));
  assert.equal(shutdown.signal, "SIGTERM");
  assert.equal(record(await cli.line(/"event":"stopped"/)).event, "stopped");
  assert.equal((await cli.child.status).code, 0);
});

Deno.test("a SIGTERM sent the moment the listening line is read drains the server and exits 0, every time", async () => {
  // The signal handlers are in place before the server listens: a SIGTERM
  // right after the line once killed a starting worker with exit 143.
  for (let i = 0; i < 5; i++) {
    await using cli = await startCli(["--port", "0", "--drain", "0"]);
    cli.child.kill("SIGTERM");
    assert.equal((await cli.child.status).code, 0, `round ${i + 1}`);
  }
});

Deno.test("the server CLI passes --max-watches on: a watch past it gets too_many_watches", async () => {
  await using cli = await startCli(["--port", "0", "--max-watches", "2"]);
  {
    await using a = await RawClient.hello(cli.port, "A", ["B", "C"]);
    await a.send({ type: "watch", names: ["D"] });
    const error = await a.waitFor((f) => f.type === "error");
    assert.equal(error.type === "error" && error.code, "too_many_watches");
  }
  cli.child.kill("SIGTERM");
  assert.equal((await cli.child.status).code, 0);
});

Deno.test("the server CLI says in one line that it cannot listen on a taken port and exits 1", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const output = await run(["--port", String(taken.addr.port)]);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1);
    assert.match(
      stderr,
      /^server: Cannot listen on 127\.0\.0\.1:\d+: .*in use/,
    );
    assert.equal(stderr.trimEnd().split("\n").length, 1);
  } finally {
    taken.close();
  }
});
