import assert from "node:assert/strict";
import { REPO, runDeno } from "../_helpers/run.ts";

Deno.test("load generator rejects a bad flag or a missing port with exit code 2", async () => {
  for (
    const args of [
      ["--clients", "10"],
      ["--port", "9090", "--protocol", "http"],
      ["--port", "9090", "--host", "10.0.0.1"],
    ]
  ) {
    const result = await runDeno("bench/load_generator.ts", args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^bench:load: /);
  }
});

Deno.test("load generator drives a server with its clients spread over several worker processes", async () => {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${REPO}bench/baselines/naive_ndjson_server.ts`,
      "--port",
      "0",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = server.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const first = await reader.read();
    const port = Number(first.value?.match(/:(\d+)/)?.[1]);
    assert.ok(port > 0, `server said ${first.value}`);
    const result = await runDeno("bench/load_generator.ts", [
      "--port",
      String(port),
      "--clients",
      "30",
      "--per-process",
      "12",
      "--interval",
      "100ms",
      "--duration",
      "1s",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.workers, 3);
    assert.equal(report.connections, 30);
    assert.equal(report.dropped, 0);
    assert.ok(report.heartbeats >= 150, `${report.heartbeats} heartbeats`);
    assert.ok(report.rtt.count >= 150, `${report.rtt.count} pongs`);
    await reader.cancel();
  } finally {
    server.kill("SIGTERM");
    await server.status;
  }
});
