import assert from "node:assert/strict";
import { startAdmin } from "../../admin/mod.ts";
import { startServer } from "../../server/mod.ts";
import { hasProgram, IN_CI } from "../_helpers/needs.ts";
import { FAST, keepPinging, RawClient } from "../_helpers/server.ts";

const TOKEN = "s3cret-token-of-some-length";

async function get(
  url: string,
  init?: RequestInit,
): Promise<[number, string, Headers]> {
  const response = await fetch(url, init);
  return [response.status, await response.text(), response.headers];
}

/** The value of one sample in Prometheus text, or undefined. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("the admin endpoint's /metrics counts connected clients and timeouts, in text format 0.0.4", async (t) => {
  await using server = await startServer({ port: 0, ...FAST });
  await using admin = await startAdmin(server, { port: 0 });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  const clients: RawClient[] = [];
  const stops: (() => void)[] = [];
  for (let i = 0; i < 4; i++) {
    const c = await RawClient.hello(server.addr.port, `C${i}`);
    clients.push(c);
    if (i < 3) stops.push(keepPinging(c, 40));
  }
  await t.step("lifeline_connections is the number of clients", async () => {
    const [status, text, headers] = await get(`${base}/metrics`);
    assert.equal(status, 200);
    assert.equal(
      headers.get("content-type"),
      "text/plain; version=0.0.4; charset=utf-8",
    );
    assert.equal(
      sampleValue(text, 'lifeline_connections{protocol="lifeline"}'),
      4,
    );
    assert.equal(sampleValue(text, "lifeline_timeouts_total"), 0);
    assert.equal(sampleValue(text, "lifeline_detection_bound_seconds"), 0.33);
    assert.ok(sampleValue(text, "process_resident_memory_bytes")! > 0);
  });
  await t.step(
    "a silent client raises lifeline_timeouts_total by one and lands in the detection histogram",
    async () => {
      await clients[3].waitClosed(3000);
      const [, text] = await get(`${base}/metrics`);
      assert.equal(sampleValue(text, "lifeline_timeouts_total"), 1);
      assert.equal(
        sampleValue(text, 'lifeline_connections{protocol="lifeline"}'),
        3,
      );
      assert.equal(
        sampleValue(text, 'lifeline_disconnects_total{reason="timeout"}'),
        1,
      );
      assert.equal(sampleValue(text, "lifeline_detection_seconds_count"), 1);
      // Detected within the bound: timeout + tick = 0.33 s.
      assert.equal(
        sampleValue(text, 'lifeline_detection_seconds_bucket{le="0.3"}'),
        0,
      );
      assert.equal(
        sampleValue(text, 'lifeline_detection_seconds_bucket{le="+Inf"}'),
        1,
      );
      assert.ok(sampleValue(text, "lifeline_heartbeats_total")! > 0);
    },
  );
  await t.step({
    name: "the whole output passes promtool check metrics",
    ignore: !hasProgram("promtool") && !IN_CI,
    fn: async () => {
      const [, text] = await get(`${base}/metrics`);
      const child = new Deno.Command("promtool", {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(text));
      await writer.close();
      const output = await child.output();
      const problems = new TextDecoder().decode(output.stderr) +
        new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, problems);
    },
  });
  for (const stop of stops) stop();
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("the admin endpoint's /readyz is 200 while serving and 503 from POST /drain on, with the failing condition", async () => {
  const server = await startServer({ port: 0, ...FAST, shutdownGrace: 100 });
  let fenced = false;
  await using admin = await startAdmin(server, {
    port: 0,
    readiness: [{
      name: "fenced",
      check: () => (fenced ? "fenced off" : null),
    }],
  });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  assert.deepEqual(await get(`${base}/healthz`).then((r) => r.slice(0, 2)), [
    200,
    "ok\n",
  ]);
  assert.deepEqual(
    await get(`${base}/readyz`).then((r) => r.slice(0, 2)),
    [200, "ready\n[+] serving ok\n[+] fenced ok\n"],
  );
  fenced = true;
  assert.deepEqual(
    await get(`${base}/readyz`).then((r) => r.slice(0, 2)),
    [503, "not ready\n[+] serving ok\n[-] fenced: fenced off\n"],
  );
  fenced = false;
  const client = await RawClient.hello(server.addr.port, "A");
  const [status, body] = await get(`${base}/drain?duration=200ms`, {
    method: "POST",
  });
  assert.equal(status, 202);
  assert.deepEqual(JSON.parse(body), { state: "draining", drainMs: 200 });
  const [ready, text] = await get(`${base}/readyz`);
  assert.equal(ready, 503);
  assert.match(text, /\[-\] serving: the server is draining/);
  const bye = await client.waitFor((f) => f.type === "bye", 2000);
  assert.ok(
    bye.type === "bye" && bye.reason === "shutdown" && bye.retryAfter! >= 1000,
  );
  // A second drain changes nothing.
  const [again, againBody] = await get(`${base}/drain`, { method: "POST" });
  assert.equal(again, 202);
  assert.equal(JSON.parse(againBody).drainMs, null);
  await client.close();
  await server.close();
  assert.equal(await get(`${base}/healthz`).then((r) => r[0]), 200);
});

Deno.test("the admin endpoint's /clients pages through the clients and refuses a bad page", async () => {
  await using server = await startServer({
    port: 0,
    interval: 1000,
    timeout: 5000,
  });
  await using admin = await startAdmin(server, { port: 0 });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  const clients: RawClient[] = [];
  for (let i = 0; i < 5; i++) {
    clients.push(await RawClient.hello(server.addr.port, `C${i}`));
  }
  const [status, body] = await get(`${base}/clients?offset=2&limit=2`);
  assert.equal(status, 200);
  const page = JSON.parse(body);
  assert.deepEqual([page.total, page.offset, page.limit], [5, 2, 2]);
  assert.deepEqual(page.clients.map((c: { name: string }) => c.name), [
    "C2",
    "C3",
  ]);
  assert.equal(JSON.parse((await get(`${base}/clients`))[1]).clients.length, 5);
  assert.deepEqual(
    await get(`${base}/clients?limit=5000`).then((r) => r.slice(0, 2)),
    [
      400,
      'Cannot use limit "5000": expected an integer from 1 to 1000\n',
    ],
  );
  assert.equal((await get(`${base}/clients?offset=-1`))[0], 400);
  assert.equal(
    (await get(`${base}/drain?duration=soon`, { method: "POST" }))[0],
    400,
  );
  assert.equal(server.state, "serving");
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("the admin endpoint's /stats gives the dashboard the counts, the bound and the recent events after a sequence number", async () => {
  await using server = await startServer({ port: 0, ...FAST });
  await using admin = await startAdmin(server, { port: 0, refreshMs: 250 });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  const a = await RawClient.hello(server.addr.port, "A");
  await a.waitClosed(3000);
  await a.close();
  const data = JSON.parse((await get(`${base}/stats`))[1]);
  assert.equal(data.refreshMs, 250);
  assert.equal(data.server.boundMs, FAST.timeout + FAST.tick);
  assert.equal(data.server.state, "serving");
  assert.equal(data.readiness.ready, true);
  assert.equal(data.stats.timeouts, 1);
  assert.ok(data.process.residentMemoryBytes > 0);
  assert.deepEqual(data.events.map((e: { kind: string }) => e.kind), [
    "connect",
    "timeout",
  ]);
  assert.equal(data.events[1].name, "A");
  assert.ok(data.events[1].silentMs >= FAST.timeout);
  const later = JSON.parse(
    (await get(`${base}/stats?since=${data.lastEventSeq}`))[1],
  );
  assert.deepEqual(later.events, []);
});

Deno.test("the admin endpoint with a token refuses data without it, and serves health, readiness and the page to anyone", async () => {
  await using server = await startServer({ port: 0 });
  await using admin = await startAdmin(server, { port: 0, token: TOKEN });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  for (const path of ["/metrics", "/clients", "/stats"]) {
    const [status, , headers] = await get(`${base}${path}`);
    assert.equal(status, 401, path);
    assert.match(headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal(
      (await get(`${base}${path}`, {
        headers: { authorization: "Bearer wrong" },
      }))[0],
      401,
    );
    assert.equal(
      (await get(`${base}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }))[0],
      200,
      path,
    );
  }
  assert.equal((await get(`${base}/drain`, { method: "POST" }))[0], 401);
  assert.equal(server.state, "serving");
  for (
    const path of [
      "/healthz",
      "/readyz",
      "/",
      "/dashboard.js",
      "/dashboard.css",
    ]
  ) {
    assert.equal((await get(`${base}${path}`))[0], 200, path);
  }
});

Deno.test("the admin endpoint rejects a short token with a RangeError, and answers unknown paths and methods with 404 and 405", async () => {
  await using server = await startServer({ port: 0 });
  await assert.rejects(
    () => startAdmin(server, { port: 0, token: "short" }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot use an admin token of 5 characters: expected at least 16",
  );
  await using admin = await startAdmin(server, { port: 0 });
  const base = `http://127.0.0.1:${admin.addr.port}`;
  assert.equal((await get(`${base}/nope`))[0], 404);
  const [status, , headers] = await get(`${base}/metrics`, { method: "POST" });
  assert.equal(status, 405);
  assert.equal(headers.get("allow"), "GET");
  assert.equal((await get(`${base}/drain`))[0], 405);
  const page = await get(`${base}/`);
  assert.equal(page[2].get("content-type"), "text/html; charset=utf-8");
});
