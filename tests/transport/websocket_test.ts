import assert from "node:assert/strict";
import { WS_CLOSE } from "../../protocol/mod.ts";
import {
  type ConnectionHandler,
  MAX_BYTES_AFTER_END,
  type TransportConn,
  type TransportListener,
  webSocketTransport,
  type WebSocketTransportOptions,
} from "../../transport/mod.ts";
import { delay } from "../_helpers/server.ts";
import { clientFrame, OP, WsClient } from "../_helpers/ws_client.ts";

const decoder = new TextDecoder();

interface Served {
  listener: TransportListener;
  port: number;
  chunks: string[];
  conns: TransportConn[];
  closed: PromiseWithResolvers<Error | undefined>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function serve(
  options: WebSocketTransportOptions = {},
  onData?: (conn: TransportConn, text: string) => void,
  listen: { maxWriteBufferBytes?: number } = {},
): Promise<Served> {
  const chunks: string[] = [];
  const conns: TransportConn[] = [];
  const closed = Promise.withResolvers<Error | undefined>();
  const handler: ConnectionHandler<TransportConn> = {
    open(conn) {
      conns.push(conn);
      return conn;
    },
    data(conn, chunk) {
      const text = decoder.decode(chunk);
      chunks.push(text);
      onData?.(conn, text);
    },
    closed: (_conn, error) => closed.resolve(error),
  };
  const listener = await webSocketTransport(options).listen(
    { hostname: "127.0.0.1", port: 0, ...listen },
    handler,
  );
  return {
    listener,
    port: listener.addr.port,
    chunks,
    conns,
    closed,
    async [Symbol.asyncDispose]() {
      for (const conn of conns) conn.destroy();
      await listener.close();
    },
  };
}

Deno.test("a text message reaches the handler as one line, and each line written goes out as one message", async () => {
  await using served = await serve({}, (conn, text) => {
    if (text === "ping\n") conn.write("one\ntwo\n");
  });
  await using client = await WsClient.connect(served.port);
  assert.equal(client.status, 101);
  await client.text("ping");
  await client.until(() => client.messages.length >= 2);
  assert.deepEqual(served.chunks, ["ping\n"]);
  assert.deepEqual(
    client.messages.map((m) => [m.opcode, decoder.decode(m.payload)]),
    [[OP.text, "one"], [OP.text, "two"]],
  );
  assert.equal(served.conns[0].remoteAddr.hostname, "127.0.0.1");
  assert.equal(
    served.conns[0].remoteAddr.port,
    (client.conn.localAddr as Deno.NetAddr).port,
  );
});

Deno.test("the transport refuses what is not one frame: binary with 1003, a line end with 1007, and delivers nothing", async (t) => {
  for (
    const [what, bytes, code] of [
      ["binary", clientFrame(OP.binary, "{}"), WS_CLOSE.unsupportedData],
      ["a line end", clientFrame(OP.text, '{"a":1}\n{"b":2}'), 1007],
      ["bad UTF-8", clientFrame(OP.text, new Uint8Array([0xff, 0xfe])), 1007],
    ] as const
  ) {
    await t.step(what, async () => {
      await using served = await serve();
      await using client = await WsClient.connect(served.port);
      await client.write(bytes);
      const close = await client.waitClose();
      assert.equal(close.code, code);
      await served.closed.promise;
      assert.deepEqual(served.chunks, []);
    });
  }
});

Deno.test("a message longer than maxMessageBytes closes with 1009 before it is delivered; one of exactly the limit passes", async () => {
  await using served = await serve({ maxMessageBytes: 100 });
  await using ok = await WsClient.connect(served.port);
  await ok.text("x".repeat(100));
  await ok.until(() => served.chunks.length === 1);
  assert.equal(served.chunks[0], "x".repeat(100) + "\n");
  await using big = await WsClient.connect(served.port);
  // Only the header of a huge frame: the transport must not wait for it.
  await big.write(clientFrame(OP.text, "x".repeat(101)).subarray(0, 8));
  const close = await big.waitClose();
  assert.equal(close.code, WS_CLOSE.messageTooBig);
  assert.equal(served.chunks.length, 1);
});

Deno.test("a WebSocket ping is answered with a pong carrying its payload, and is not a frame for the handler", async () => {
  await using served = await serve();
  await using client = await WsClient.connect(served.port);
  await client.write(clientFrame(OP.ping, "are you there"));
  await client.until(() => client.messages.some((m) => m.opcode === OP.pong));
  const pong = client.messages.find((m) => m.opcode === OP.pong)!;
  assert.equal(decoder.decode(pong.payload), "are you there");
  assert.deepEqual(served.chunks, []);
});

Deno.test("end(reason) sends what is queued, then a close frame whose code and reason carry the bye reason", async (t) => {
  for (
    const [reason, code] of [
      ["timeout", 4002],
      ["shutdown", 1001],
      ["server_full", 1013],
      [undefined, 1000],
    ] as const
  ) {
    await t.step(`${reason}`, async () => {
      await using served = await serve({}, (conn) => {
        conn.write('{"type":"bye","reason":"x"}\n');
        conn.end(reason);
      });
      await using client = await WsClient.connect(served.port);
      await client.text("go");
      const close = await client.waitClose();
      assert.deepEqual(close, { code, reason: reason ?? "" });
      assert.equal(client.frames.length, 1, "the bye message came first");
      // The peer answers the close and closes, and the connection is over.
      await client.write(clientFrame(OP.close, new Uint8Array([3, 232])));
      await client.until(() => client.eof, 3000, "the server's FIN");
      await client.close();
      assert.equal(await served.closed.promise, undefined);
    });
  }
});

Deno.test("after end() a peer that keeps sending is cut once it passes MAX_BYTES_AFTER_END", async () => {
  await using served = await serve({}, (conn) => conn.end("protocol_error"));
  await using client = await WsClient.connect(served.port);
  await client.text("go");
  await client.waitClose();
  const chunk = "y".repeat(16 * 1024);
  let sent = 0;
  while (!client.eof && sent < 4 * MAX_BYTES_AFTER_END) {
    await client.text(chunk).catch(() => {});
    sent += chunk.length;
    await delay(1);
  }
  await served.closed.promise;
  assert.ok(sent <= MAX_BYTES_AFTER_END + 3 * chunk.length, `${sent} bytes`);
  assert.deepEqual(served.chunks, ["go\n"]);
});

Deno.test("destroy() cuts the TCP connection at once, without a close frame", async () => {
  await using served = await serve({}, (conn) => conn.destroy());
  await using client = await WsClient.connect(served.port);
  await client.text("go");
  await client.until(() => client.eof);
  assert.equal(client.close_, undefined);
  await served.closed.promise;
});

Deno.test("a client that reads nothing is destroyed once more than the write limit waits for it", async () => {
  const limit = 256 * 1024;
  await using served = await serve({}, (conn) => {
    const message = "z".repeat(16 * 1024) + "\n";
    for (let i = 0; i < 400; i++) conn.write(message);
  }, { maxWriteBufferBytes: limit });
  await using client = await WsClient.connect(served.port, { read: false });
  await client.text("flood me");
  const started = performance.now();
  await served.closed.promise;
  assert.ok(performance.now() - started < 2000);
  // The connection is gone at the TCP level too.
  client.startReading();
  await client.until(() => client.eof, 3000, "EOF");
  const bytes = client.messages.reduce((n, m) => n + m.payload.length, 0);
  assert.ok(bytes < 400 * 16 * 1024, `${bytes} bytes got through`);
});

Deno.test("origins: an upgrade from another origin gets 403; a listed origin and a request without one are served", async () => {
  await using served = await serve({ origins: ["http://good.example"] });
  await using bad = await WsClient.connect(served.port, {
    origin: "http://evil.example",
  });
  assert.equal(bad.status, 403);
  await using good = await WsClient.connect(served.port, {
    origin: "http://good.example",
  });
  assert.equal(good.status, 101);
  await using program = await WsClient.connect(served.port);
  assert.equal(program.status, 101);
});

Deno.test("a plain HTTP request gets 426 Upgrade Required", async () => {
  await using served = await serve();
  const response = await fetch(`http://127.0.0.1:${served.port}/`);
  assert.equal(response.status, 426);
  assert.match(await response.text(), /Lifeline WebSocket endpoint/);
});

Deno.test("webSocketTransport refuses a maxMessageBytes that is not a positive integer", () => {
  assert.throws(
    () => webSocketTransport({ maxMessageBytes: 0 }),
    /Cannot use maxMessageBytes "0": expected a positive integer/,
  );
});

Deno.test("a connection that does not finish its upgrade within the handshake timeout is cut", async () => {
  await using served = await serve({ handshakeTimeoutMs: 200 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: served.port });
  await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n"));
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const n = await Promise.race([
    conn.read(new Uint8Array(1024)).catch(() => null),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("still open after 3 s"), 3000);
    }),
  ]);
  clearTimeout(timer);
  const after = performance.now() - started;
  conn.close();
  assert.equal(n, null);
  assert.ok(after >= 150 && after < 2000, `cut after ${after} ms`);
  // An upgraded connection is not cut by it.
  await using client = await WsClient.connect(served.port);
  await delay(400);
  await client.text("still here");
  await client.until(() => served.chunks.includes("still here\n"));
});
