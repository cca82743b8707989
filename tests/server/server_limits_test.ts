import assert from "node:assert/strict";
import { type SessionCloseDetail, startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";

for (const transport of TRANSPORTS) {
  Deno.test(`a client that never reads is closed once too much waits to be written to it (${transport})`, async () => {
    await using server = await startServer({
      port: 0,
      interval: 1000,
      timeout: 10_000,
      maxWriteBufferBytes: 256 * 1024,
      // The sender's rates off: this is about the reader's write limit.
      msgRate: 0,
      msgByteRate: 0,
      transport,
    });
    const closes: SessionCloseDetail[] = [];
    server.addEventListener("close", (e) => closes.push(e.detail));
    // A raw socket that says hello and then never reads.
    const deaf = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.addr.port,
    });
    await deaf.write(
      new TextEncoder().encode('{"type":"hello","name":"deaf"}\n'),
    );
    await using talker = await RawClient.hello(server.addr.port, "talker");
    const body = "x".repeat(60_000);
    try {
      // Up to 64 MB for the deaf one, far more than the kernel buffers.
      for (let i = 0; i < 1000 && closes.length === 0; i++) {
        await talker.send({ type: "msg", to: "deaf", body });
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await talker.until(
        () => closes.length === 1,
        3000,
        "the deaf client to be closed",
      );
      assert.deepEqual(closes.map((c) => [c.client.name, c.reason]), [
        ["deaf", "closed"],
      ]);
      // The talker is unaffected.
      await talker.send({ type: "ping", seq: 1 });
      await talker.waitFor((f) => f.type === "pong");
    } finally {
      deaf.close();
    }
  });

  Deno.test(`startServer() rejects when the port is taken and leaks nothing (${transport})`, async () => {
    await using first = await startServer({ port: 0, transport });
    await assert.rejects(
      () => startServer({ port: first.addr.port, transport }),
      (error: unknown) =>
        error instanceof Deno.errors.AddrInUse ||
        (error as { code?: string }).code === "EADDRINUSE",
    );
  });
}
