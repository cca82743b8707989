import assert from "node:assert/strict";
import { type SessionCloseDetail, startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";

const OPTIONS = { port: 0, interval: 1000, timeout: 5000, tick: 50 } as const;

function retryAfterOf(client: RawClient): number {
  const bye = client.frames.find((f) => f.type === "bye");
  assert.ok(bye?.type === "bye" && bye.reason === "shutdown");
  assert.equal(typeof bye.retryAfter, "number");
  return bye.retryAfter!;
}

for (const transport of TRANSPORTS) {
  Deno.test(`close() sends every client bye shutdown with retryAfter spread over the window (${transport})`, async () => {
    const server = await startServer({
      ...OPTIONS,
      retryAfterMin: 1000,
      retryAfterSpread: 8000,
      transport,
    });
    const closes: SessionCloseDetail[] = [];
    server.addEventListener("close", (e) => closes.push(e.detail));
    const clients: RawClient[] = [];
    for (let i = 0; i < 8; i++) {
      clients.push(await RawClient.hello(server.addr.port, `C${i}`));
    }
    const closing = server.close();
    assert.equal(server.close(), closing);
    await Promise.all(clients.map((c) => c.waitClosed()));
    await Promise.all(clients.map((c) => c.close()));
    await closing;
    const hints = clients.map(retryAfterOf).sort((a, b) => a - b);
    // One hint per 1000ms stratum of [1000, 9000): spread, not bunched.
    hints.forEach((ms, i) => {
      assert.ok(ms >= 1000 + i * 1000 && ms < 2000 + i * 1000, `${hints}`);
    });
    assert.equal(new Set(hints).size, hints.length);
    assert.deepEqual(
      closes.map((c) => c.reason),
      new Array(8).fill("shutdown"),
    );
    assert.equal(server.connectionCount, 0);
  });

  Deno.test(`aborting the signal shuts the server down (${transport})`, async () => {
    const controller = new AbortController();
    const server = await startServer({
      ...OPTIONS,
      signal: controller.signal,
      transport,
    });
    await using a = await RawClient.hello(server.addr.port, "A");
    controller.abort();
    await a.waitClosed();
    assert.ok(retryAfterOf(a) >= 1000);
    await a.close();
    await server.close();
  });

  Deno.test(`a client that ignores bye is cut after the shutdown grace (${transport})`, async () => {
    const server = await startServer({
      ...OPTIONS,
      shutdownGrace: 200,
      transport,
    });
    // RawClient reads the FIN but keeps its own side open.
    await using a = await RawClient.hello(server.addr.port, "A");
    const start = performance.now();
    await server.close();
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 150 && elapsed < 1500, `${elapsed}ms`);
    assert.ok(a.eof);
  });
}

Deno.test("startServer() rejects an already aborted signal", async () => {
  await assert.rejects(
    () => startServer({ port: 0, signal: AbortSignal.abort() }),
    (error: unknown) => error instanceof DOMException,
  );
});
