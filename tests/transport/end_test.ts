import assert from "node:assert/strict";
import {
  type ConnectionHandler,
  MAX_BYTES_AFTER_END,
  memoryNetwork,
  type Transport,
  type TransportConn,
} from "../../transport/mod.ts";
import { TRANSPORTS } from "../_helpers/server.ts";

// end() is the server's "go away": after it nothing more reaches the
// handler, and a peer that keeps sending is cut once it passes
// MAX_BYTES_AFTER_END, instead of being read until the close grace ends.

interface Seen {
  chunksAfterEnd: number;
  closed: PromiseWithResolvers<void>;
}

function endOnFirstData(seen: Seen): ConnectionHandler<TransportConn> {
  let ended = false;
  return {
    open: (conn) => conn,
    data(conn) {
      if (ended) {
        seen.chunksAfterEnd++;
        return;
      }
      ended = true;
      conn.write("bye\n");
      conn.end();
    },
    closed: () => seen.closed.resolve(),
  };
}

async function serve(
  transport: Transport,
  send: (port: number, stop: AbortSignal) => Promise<number>,
): Promise<{ seen: Seen; sent: number }> {
  const seen: Seen = { chunksAfterEnd: 0, closed: Promise.withResolvers() };
  const listener = await transport.listen(
    { hostname: "127.0.0.1", port: 0 },
    endOnFirstData(seen),
  );
  const stop = new AbortController();
  try {
    const sending = send(listener.addr.port, stop.signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      seen.closed.promise,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("the connection was not cut within 3s")),
          3000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    stop.abort();
    return { seen, sent: await sending };
  } finally {
    stop.abort();
    await listener.close();
  }
}

async function tcpFlood(port: number, stop: AbortSignal): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const chunk = new Uint8Array(16 * 1024).fill(120);
  let sent = 0;
  try {
    while (!stop.aborted) sent += await conn.write(chunk);
  } catch {
    // Reset by the server: what this test waits for.
  } finally {
    conn.close();
  }
  return sent;
}

for (const transport of TRANSPORTS) {
  Deno.test(`after end() nothing more reaches the handler, and a peer that keeps sending is cut (${transport})`, async () => {
    const { seen } = await serve(transport, tcpFlood);
    assert.equal(seen.chunksAfterEnd, 0);
  });
}

Deno.test("memoryNetwork(): after end() nothing more reaches the handler, and a peer that sends more than 64 KiB is cut", async () => {
  const network = memoryNetwork();
  const { seen, sent } = await serve(
    network.transport,
    async (port, stop) => {
      const closed = Promise.withResolvers<void>();
      const { conn } = await network.dialer.dial({ hostname: "m", port }, {
        open: () => null,
        data: () => {},
        closed: () => closed.resolve(),
      });
      const chunk = "x".repeat(1024);
      let sent = 0;
      let gone = false;
      closed.promise.then(() => gone = true);
      while (!gone && !stop.aborted && sent < 10 * MAX_BYTES_AFTER_END) {
        conn.write(chunk);
        sent += chunk.length;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      conn.destroy();
      return sent;
    },
  );
  assert.equal(seen.chunksAfterEnd, 0);
  assert.ok(sent < 3 * MAX_BYTES_AFTER_END, `sent ${sent}`);
});
