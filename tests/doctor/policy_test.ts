import assert from "node:assert/strict";
import { serverPolicy } from "../../doctor/_policy.ts";
import { startServer } from "../../server/mod.ts";

Deno.test("serverPolicy() derives the tick and the ping rate limit as the server does", async () => {
  for (
    const [interval, timeout] of [[5000, 15_000], [1000, 3000], [
      30_000,
      90_000,
    ], [
      333,
      50,
    ]]
  ) {
    await using server = await startServer({ port: 0, interval, timeout });
    const p = serverPolicy(interval, timeout);
    assert.deepEqual(
      [p.tickMs, p.minPingIntervalMs, p.maxPingStrikes],
      [
        server.options.tick,
        server.options.minPingInterval,
        server.options.maxPingStrikes,
      ],
      `${interval}/${timeout}`,
    );
  }
});

Deno.test("serverPolicy() takes a given tick and says where the values come from", () => {
  const p = serverPolicy(1000, 3000, {
    tickMs: 250,
    source: "flags",
    assumed: ["minPingInterval"],
  });
  assert.deepEqual(p, {
    intervalMs: 1000,
    timeoutMs: 3000,
    tickMs: 250,
    minPingIntervalMs: 500,
    maxPingStrikes: 2,
    source: "flags",
    assumed: ["minPingInterval"],
  });
});
