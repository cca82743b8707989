import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { HarnessReport } from "../bench/_report.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const HARNESS = `${ROOT}bench/harness.ts`;
const LOAD = `${ROOT}bench/load_generator.ts`;

async function run(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test("bench harness smoke run: every client connects, none is dropped or falsely timed out, pongs are measured", async () => {
  const outDir = await Deno.makeTempDir({ prefix: `bench_smoke_${Deno.pid}_` });
  try {
    const clients = 40;
    const result = await run(HARNESS, [
      "--clients",
      String(clients),
      "--interval",
      "200ms",
      "--timeout",
      "2s",
      "--settle",
      "300ms",
      "--steady",
      "1500ms",
      "--protocol",
      "go,lifeline",
      "--servers",
      "lifeline-deno,lifeline-node,naive-deno,bare-tcp-wrap",
      "--out-dir",
      outDir,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.equal(files.length, 2, `files: ${files}`);
    assert.match(files[0], /-n40-go\+lifeline\.json$/);
    assert.match(files[1], /-n40-go\+lifeline\.md$/);
    const report: HarnessReport = JSON.parse(
      await Deno.readTextFile(`${outDir}/${files[0]}`),
    );
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(
      report.results.map((r) => `${r.kind}/${r.protocol}`),
      [
        "lifeline-deno/go",
        "lifeline-node/go",
        "naive-deno/go",
        "bare-tcp-wrap/go",
        "lifeline-deno/lifeline",
        "lifeline-node/lifeline",
        "naive-deno/lifeline",
        "bare-tcp-wrap/lifeline",
      ],
    );
    for (const r of report.results) {
      const where = `${r.label} / ${r.protocol}`;
      assert.equal(r.connections, clients, where);
      assert.equal(r.failed, 0, where);
      assert.equal(r.dropped, 0, where);
      assert.equal(r.falseTimeouts, 0, where);
      // 40 clients at 5 Hz: about 200 heartbeats per second.
      assert.ok(
        r.heartbeatsPerSecond > 120 && r.heartbeatsPerSecond < 280,
        `${where}: ${r.heartbeatsPerSecond} heartbeats/s`,
      );
      assert.ok(r.rssBeforeKiB > 1000, `${where}: RSS ${r.rssBeforeKiB} KiB`);
      assert.ok(r.peakKiB >= r.rssEndKiB, where);
      assert.ok(Number.isFinite(r.rssPerConnectionKiB), where);
      assert.ok(r.cpuPercent >= 0 && r.cpuPercent < 200, where);
      assert.ok(r.samples.length >= 1, where);
      if (r.protocol === "lifeline") {
        assert.ok(r.rtt.count > 100, `${where}: ${r.rtt.count} pongs`);
        assert.ok(r.rtt.p50 > 0 && r.rtt.p50 <= r.rtt.p99, where);
        assert.ok(r.rtt.p99 <= r.rtt.max && r.rtt.max < 2000, where);
      } else {
        assert.equal(r.rtt.count, 0, where);
      }
    }
    const markdown = await Deno.readTextFile(`${outDir}/${files[1]}`);
    assert.match(markdown, /\| Lifeline \(deno\) \| 40\/40 \|/);
    assert.match(markdown, /Ratios in the same run/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("bench harness rejects a bad flag with one line on stderr and exit code 2", async () => {
  for (
    const args of [
      ["--servers", "lifeline-deno,nginx"],
      ["--clients", "0"],
      ["--steady", "5x"],
      ["--bogus"],
    ]
  ) {
    const result = await run(HARNESS, args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    assert.match(result.stderr, /^(Cannot use --|Unknown option)/);
  }
});

Deno.test("load generator rejects a bad flag or a missing port with exit code 2", async () => {
  for (
    const args of [
      ["--clients", "10"],
      ["--port", "9090", "--protocol", "http"],
      ["--port", "9090", "--host", "10.0.0.1"],
    ]
  ) {
    const result = await run(LOAD, args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});

Deno.test("load generator drives a server with its clients spread over several worker processes", async () => {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/baselines/naive_ndjson_server.ts`,
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
    const result = await run(LOAD, [
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
