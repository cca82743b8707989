import assert from "node:assert/strict";
import type { ConnectionHandler, TransportConn } from "../../transport/mod.ts";
import { memoryNetwork } from "../../transport/mod.ts";
import { TRANSPORTS } from "../_helpers/server.ts";

/** A handler that writes on open and records bufferedBytes before and after. */
function recorder(): {
  handler: ConnectionHandler<null>;
  seen: PromiseWithResolvers<[number | undefined, number | undefined]>;
  closed: PromiseWithResolvers<void>;
  conn: () => TransportConn;
} {
  let accepted: TransportConn | undefined;
  const seen = Promise.withResolvers<
    [number | undefined, number | undefined]
  >();
  const closed = Promise.withResolvers<void>();
  return {
    seen,
    closed,
    conn: () => accepted!,
    handler: {
      open(conn: TransportConn) {
        accepted = conn;
        const before = conn.bufferedBytes;
        conn.write("x".repeat(100));
        seen.resolve([before, conn.bufferedBytes]);
        return null;
      },
      data() {},
      closed: () => closed.resolve(),
    },
  };
}

for (const transport of TRANSPORTS) {
  Deno.test(`bufferedBytes counts text written and not yet sent, then falls back to 0 (${transport})`, async () => {
    const { handler, seen, closed, conn: accepted } = recorder();
    const listener = await transport.listen(
      { hostname: "127.0.0.1", port: 0 },
      handler,
    );
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: listener.addr.port,
    });
    const [before, after] = await seen.promise;
    assert.deepEqual([before, after], [0, 100]);
    const buf = new Uint8Array(100);
    let got = 0;
    while (got < 100) got += (await conn.read(buf.subarray(got))) ?? 100;
    // The write's completion may be reported a moment after the bytes left.
    for (let i = 0; i < 100 && accepted().bufferedBytes !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(accepted().bufferedBytes, 0);
    conn.close();
    await closed.promise;
    await listener.close();
  });
}

Deno.test("bufferedBytes of a memory connection counts the bytes on their way to the peer", async () => {
  const network = memoryNetwork();
  const { handler, seen, closed } = recorder();
  const listener = await network.transport.listen(
    { hostname: "127.0.0.1", port: 1 },
    handler,
  );
  const client = await network.dialer.dial(
    { hostname: "127.0.0.1", port: 1 },
    { open: () => null, data() {}, closed() {} },
  );
  assert.deepEqual(await seen.promise, [0, 100]);
  client.conn.destroy();
  await closed.promise;
  await listener.close();
});
