import assert from "node:assert/strict";
import {
  type ConnectionHandler,
  DEFAULT_MAX_WRITE_BUFFER_BYTES,
  memoryNetwork,
  type Transport,
  type TransportConn,
} from "../../transport/mod.ts";
import { TRANSPORTS } from "../_helpers/server.ts";

// The write limit (1 MiB by default) is in bytes on the wire. It used to be
// compared with the length of the queued text in UTF-16 code units, so
// three-byte characters (CJK, "€") let three times the limit pile up
// toward a peer that never reads.

const MiB = 1024 * 1024;
// 1024 "€": 1024 code units, 3072 bytes of UTF-8.
const EURO_CHUNK = "€".repeat(1024);
const ASCII_CHUNK = "e".repeat(1024);

interface Outcome {
  closed: boolean;
}

/**
 * Listens, lets a peer that never reads connect, and writes `units` code
 * units of `chunk` to it in one synchronous burst: nothing reaches the
 * peer in between, so what the kernel does not take at once stays queued.
 */
async function burst(
  transport: Transport,
  dial: (port: number) => Promise<() => void>,
  chunk: string,
  chunks: number,
): Promise<Outcome> {
  const outcome: Outcome = { closed: false };
  const closed = Promise.withResolvers<void>();
  const opened = Promise.withResolvers<TransportConn>();
  const handler: ConnectionHandler<null> = {
    open(conn) {
      opened.resolve(conn);
      return null;
    },
    data() {},
    closed() {
      outcome.closed = true;
      closed.resolve();
    },
  };
  const listener = await transport.listen(
    { hostname: "127.0.0.1", port: 0 },
    handler,
  );
  const hangUp = await dial(listener.addr.port);
  try {
    const conn = await opened.promise;
    for (let i = 0; i < chunks; i++) conn.write(chunk);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      closed.promise,
      new Promise((resolve) => timer = setTimeout(resolve, 1500)),
    ]);
    clearTimeout(timer);
    const byTheTransport = outcome.closed;
    conn.destroy();
    hangUp();
    await closed.promise;
    outcome.closed = byTheTransport;
  } finally {
    await listener.close();
  }
  return outcome;
}

async function tcpPeer(port: number): Promise<() => void> {
  // Connects and never reads.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  return () => conn.close();
}

// 900 chunks of "€": 2.7 MiB of UTF-8 but only 0.88 Mi code units, under
// the limit when counted in code units. Even if the kernel takes its fill
// at once (loopback buffers of a peer that never reads), more than 1 MiB
// stays queued.
const OVER_IN_BYTES = 900;
// 900 chunks of ASCII: 0.88 MiB, under the limit however it is counted.
const UNDER = 900;

for (const transport of TRANSPORTS) {
  Deno.test(`a peer that never reads is destroyed once more than 1 MiB of multi-byte text waits for it (${transport})`, async () => {
    assert.equal(DEFAULT_MAX_WRITE_BUFFER_BYTES, MiB);
    const euro = await burst(transport, tcpPeer, EURO_CHUNK, OVER_IN_BYTES);
    assert.equal(
      euro.closed,
      true,
      "2.7 MiB of UTF-8 queued toward a non-reader should pass the 1 MiB limit",
    );
    const ascii = await burst(transport, tcpPeer, ASCII_CHUNK, UNDER);
    assert.equal(ascii.closed, false, "0.88 MiB is under the limit");
  });
}

Deno.test("the memory transport counts its write limit in bytes too", async () => {
  const network = memoryNetwork();
  async function memoryPeer(port: number): Promise<() => void> {
    const { conn } = await network.dialer.dial({ hostname: "memory", port }, {
      open: () => null,
      data: () => {},
      closed: () => {},
    });
    return () => conn.destroy();
  }
  const euro = await burst(
    network.transport,
    memoryPeer,
    EURO_CHUNK,
    OVER_IN_BYTES,
  );
  assert.equal(euro.closed, true);
  const ascii = await burst(network.transport, memoryPeer, ASCII_CHUNK, UNDER);
  assert.equal(ascii.closed, false);
});
