import assert from "node:assert/strict";
import { type ServerShutdownDetail, startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";

const OPTIONS = {
  port: 0,
  interval: 1000,
  timeout: 5000,
  tick: 50,
  retryAfterMin: 1000,
  retryAfterSpread: 4000,
  shutdownGrace: 300,
} as const;

for (const transport of TRANSPORTS) {
  Deno.test(`drain() stops accepting at once and closes the clients spread over the period, each told to come back after it (${transport})`, async () => {
    const server = await startServer({ ...OPTIONS, transport });
    const port = server.addr.port;
    const shutdowns: ServerShutdownDetail[] = [];
    server.addEventListener("shutdown", (e) => shutdowns.push(e.detail));
    const clients: RawClient[] = [];
    for (let i = 0; i < 12; i++) {
      clients.push(await RawClient.hello(port, `C${i}`));
    }
    const closedAt = new Map<RawClient, number>();
    const start = performance.now();
    const drained = server.drain(900);
    assert.equal(server.state, "draining");
    assert.equal(server.drain(900), drained);
    assert.deepEqual(shutdowns, [{ drainMs: 900, connections: 12 }]);
    await Promise.all(clients.map(async (c) => {
      await c.waitFor((f) => f.type === "bye", 3000);
      closedAt.set(c, performance.now() - start);
      await c.close();
    }));
    await drained;
    assert.equal(server.state, "stopped");
    const times = [...closedAt.values()].sort((a, b) => a - b);
    // Spread: not all in the first third, the last near the end.
    assert.ok(times.filter((t) => t < 300).length <= 8, `${times}`);
    assert.ok(times.at(-1)! >= 500, `${times}`);
    assert.ok(times.at(-1)! < 2500, `${times}`);
    for (const c of clients) {
      const bye = c.frames.find((f) => f.type === "bye")!;
      assert.ok(bye.type === "bye" && bye.reason === "shutdown");
      // Told to come back after the drain's end plus the minimum, within
      // the window (timing slack for a loaded machine: 200 ms).
      const comeBack = closedAt.get(c)! + bye.retryAfter!;
      assert.ok(comeBack >= 900 + 1000 - 200, `${comeBack}`);
      assert.ok(comeBack < 900 + 1000 + 4000 + 400, `${comeBack}`);
    }
    const refused = await Deno.connect({ hostname: "127.0.0.1", port })
      .then((conn) => (conn.close(), false), () => true);
    assert.ok(refused, "the listener is closed");
  });
}

Deno.test("close() during a drain closes the clients left at once", async () => {
  const server = await startServer(OPTIONS);
  const clients: RawClient[] = [];
  for (let i = 0; i < 6; i++) {
    clients.push(await RawClient.hello(server.addr.port, `C${i}`));
  }
  const start = performance.now();
  const drained = server.drain(60_000);
  assert.equal(server.close(), drained);
  await Promise.all(clients.map((c) => c.waitFor((f) => f.type === "bye")));
  assert.ok(performance.now() - start < 2000);
  await Promise.all(clients.map((c) => c.close()));
  await drained;
  assert.equal(server.stats().disconnects.shutdown, 6);
});

Deno.test("drain() rejects a negative or endless period with a RangeError", async () => {
  await using server = await startServer(OPTIONS);
  for (const bad of [-1, Infinity, NaN]) {
    assert.throws(
      () => server.drain(bad),
      (error: unknown) =>
        error instanceof RangeError &&
        /^Cannot drain over .*ms: expected a non-negative number/.test(
          error.message,
        ),
    );
  }
  assert.equal(server.state, "serving");
});
