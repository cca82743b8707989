import assert from "node:assert/strict";
import { REPO } from "../_helpers/run.ts";
import { TRANSPORTS } from "../_helpers/server.ts";
import { cliFor } from "../_helpers/server_cli.ts";
import { Witnesses } from "../_helpers/witnesses.ts";

// With stdout a pipe nobody reads, console.log blocked the event loop once
// the pipe was full: the server froze (34 s in the report) and, when it ran
// again, timed out every witness, blaming them for its own stall. The log
// is now a bounded buffer written asynchronously: lines that do not fit are
// dropped and counted, and the count is logged once writing resumes.

const LOAD_MS = 4000;

async function hello(port: number, name: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`{"type":"hello","name":"${name}"}\n`),
  );
  return conn;
}

/** Connects, says hello, waits for an answer, leaves; again and again. */
async function churn(port: number, name: string, stop: AbortSignal) {
  const buffer = new Uint8Array(1024);
  while (!stop.aborted) {
    try {
      const conn = await hello(port, name);
      await conn.read(buffer);
      conn.close();
    } catch {
      // The server cut it: fine, this is load, not a witness.
    }
  }
}

/** Pings every `everyMs`: one verbose heartbeat line each. */
async function chatter(port: number, name: string, stop: AbortSignal) {
  const conn = await hello(port, name);
  const reading = (async () => {
    const buffer = new Uint8Array(4096);
    while ((await conn.read(buffer)) !== null);
  })().catch(() => {});
  let seq = 0;
  const encoder = new TextEncoder();
  while (!stop.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 120));
    await conn.write(encoder.encode(`{"type":"ping","seq":${++seq}}\n`))
      .catch(() => {});
  }
  conn.close();
  await reading;
}

for (const transport of TRANSPORTS) {
  Deno.test(`a log nobody reads never stalls the server: witnesses keep their pongs, and the dropped lines are counted once the log is read (${transport})`, async () => {
    const cli = cliFor(transport);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO}server/main.ts`,
        "--port",
        "0",
        "--interval",
        "200ms",
        "--timeout",
        "2s",
        "--verbose",
        "--log-format",
        "json",
        "--log-buffer",
        "64KiB",
        ...cli.args,
      ],
      env: { NO_COLOR: "1", ...cli.env },
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const stop = new AbortController();
    let witnesses: Witnesses | undefined;
    try {
      // The first line gives the port; then nobody reads the pipe.
      let text = "";
      while (!text.includes("\n")) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the server exited: ${text}`);
        text += chunk.value;
      }
      const port = JSON.parse(text.split("\n")[0]).address.port;
      witnesses = await Witnesses.start(port, { everyMs: 150 });
      const load = [
        ...Array.from(
          { length: 20 },
          (_, i) => churn(port, `churn${i}`, stop.signal),
        ),
        ...Array.from(
          { length: 40 },
          (_, i) => chatter(port, `chatter${i}`, stop.signal),
        ),
      ];
      await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
      // The witnesses were served all along, and still are.
      await witnesses.untilEachPonged(2, 3000);
      const report = await witnesses.assertHealthy({
        maxRttMs: 1000,
        maxGapMs: 1500,
      });
      stop.abort();
      await Promise.all(load);
      assert.ok(
        report.pongs > 20 * (LOAD_MS / 150) / 2,
        JSON.stringify(report),
      );
      // Reading the log again lets the server write on, and tell what it
      // dropped meanwhile.
      let notice: { dropped: number } | undefined;
      let rest = text;
      const deadline = Date.now() + 10_000;
      while (notice === undefined && Date.now() < deadline) {
        const chunk = await reader.read();
        if (chunk.done) break;
        rest += chunk.value;
        const lines = rest.split("\n");
        rest = lines.pop()!;
        for (const line of lines) {
          const record = JSON.parse(line);
          if (record.event === "log_dropped") notice = record;
        }
      }
      assert.ok(
        notice !== undefined,
        "a log_dropped line once writing resumed",
      );
      assert.ok(notice.dropped > 0);
    } finally {
      stop.abort();
      await witnesses?.stop();
      child.kill("SIGTERM");
      // Read to the end so that the server can write its last lines and exit.
      while (!(await reader.read()).done);
      await child.status;
    }
  });
}
