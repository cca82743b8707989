// A real Prometheus (Debian's `prometheus`) scrapes a test server's admin
// endpoint every second, with the bearer token, and its HTTP API must report
// the connected clients and exactly the timeouts the test caused.

import assert from "node:assert/strict";
import { startAdmin } from "../../admin/mod.ts";
import { startServer } from "../../server/mod.ts";
import { hasProgram, ignoreUnless } from "../_helpers/needs.ts";
import { delay, keepPinging, RawClient } from "../_helpers/server.ts";
import { freePort } from "../_helpers/net.ts";

const TOKEN = "prometheus-test-token-0123456789";
const OPTIONS = {
  interval: 250,
  timeout: 1000,
  tick: 100,
  minPingInterval: 0,
} as const;

/** Queries Prometheus; returns the single sample's value, or undefined. */
async function query(
  base: string,
  promql: string,
): Promise<number | undefined> {
  const response = await fetch(
    `${base}/api/v1/query?query=${encodeURIComponent(promql)}`,
  );
  const body = await response.json();
  assert.equal(body.status, "success", JSON.stringify(body));
  const result = body.data.result as { value: [number, string] }[];
  return result.length === 0 ? undefined : Number(result[0].value[1]);
}

/** Polls until `check` holds for the query's value; returns the value. */
async function until(
  base: string,
  promql: string,
  check: (value: number | undefined) => boolean,
  ms: number,
): Promise<number | undefined> {
  const deadline = performance.now() + ms;
  let value: number | undefined;
  while (performance.now() < deadline) {
    value = await query(base, promql);
    if (check(value)) return value;
    await delay(200);
  }
  throw new Error(`Timed out waiting on ${promql}: last value ${value}`);
}

Deno.test({
  name:
    "Prometheus scraping the admin endpoint sees the connected clients and exactly the timeouts of the clients silenced",
  ignore: ignoreUnless(
    "prometheus",
    hasProgram("prometheus"),
    "tests/admin/prometheus_test.ts",
  ),
}, async () => {
  await using server = await startServer({ port: 0, ...OPTIONS });
  await using admin = await startAdmin(server, { port: 0, token: TOKEN });
  const dir = await Deno.makeTempDir({ prefix: "lifeline_prometheus_" });
  const webPort = freePort();
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: lifeline
    scrape_interval: 1s
    scrape_timeout: 900ms
    authorization:
      type: Bearer
      credentials: ${TOKEN}
    static_configs:
      - targets: ["127.0.0.1:${admin.addr.port}"]
`,
  );
  const prometheus = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${webPort}`,
      "--log.level=warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${webPort}`;
  const clients: RawClient[] = [];
  const stops: (() => void)[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const client = await RawClient.hello(server.addr.port, `P${i}`);
      clients.push(client);
      stops.push(keepPinging(client, 100));
    }
    // Ready, then a first scrape with all six connected.
    const readyBy = performance.now() + 20_000;
    while (true) {
      const ready = await fetch(`${base}/-/ready`).then(
        async (r) => (await r.body?.cancel(), r.ok),
        () => false,
      );
      if (ready) break;
      assert.ok(performance.now() < readyBy, "Prometheus did not become ready");
      await delay(200);
    }
    const connected = await until(
      base,
      'lifeline_connections{protocol="lifeline"}',
      (v) => v === 6,
      15_000,
    );
    assert.equal(connected, 6);
    assert.equal(await query(base, 'up{job="lifeline"}'), 1);
    const before = await query(base, "lifeline_timeouts_total");
    assert.equal(before, 0);

    // Two go silent: two timeouts, no more.
    stops[0]();
    stops[1]();
    await Promise.all([
      clients[0].waitClosed(5000),
      clients[1].waitClosed(5000),
    ]);
    assert.equal(server.stats().timeouts, 2);
    const after = await until(
      base,
      "lifeline_timeouts_total",
      (v) => v !== undefined && v >= before! + 2,
      10_000,
    );
    assert.equal(after, before! + 2);
    await until(
      base,
      'lifeline_connections{protocol="lifeline"}',
      (v) => v === 4,
      10_000,
    );
    // One scrape later it has not moved.
    await delay(1500);
    assert.equal(await query(base, "lifeline_timeouts_total"), before! + 2);
  } finally {
    for (const stop of stops) stop();
    await Promise.all(clients.map((c) => c.close()));
    prometheus.kill("SIGTERM");
    const output = await prometheus.output();
    await Deno.remove(dir, { recursive: true });
    if (!output.success && output.code !== 143) {
      console.error(new TextDecoder().decode(output.stderr));
    }
  }
});
