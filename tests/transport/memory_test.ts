import assert from "node:assert/strict";
import {
  type ConnectionHandler,
  memoryNetwork,
  type TransportConn,
} from "../../transport/mod.ts";

const decoder = new TextDecoder();

interface Side {
  conn: TransportConn | null;
  text: string;
  closed: number;
  error: Error | undefined;
  gone: PromiseWithResolvers<void>;
}

function side(): Side {
  return {
    conn: null,
    text: "",
    closed: 0,
    error: undefined,
    gone: Promise.withResolvers<void>(),
  };
}

function handlerFor(
  sides: Side[],
  onData?: (s: Side, text: string) => void,
): ConnectionHandler<Side> {
  return {
    open(conn) {
      const s = side();
      s.conn = conn;
      sides.push(s);
      return s;
    },
    data(s, chunk) {
      const text = decoder.decode(chunk);
      s.text += text;
      onData?.(s, text);
    },
    closed(s, error) {
      s.closed++;
      s.error = error;
      s.gone.resolve();
    },
  };
}

Deno.test("memoryNetwork() carries bytes both ways, in order, later than the write", async () => {
  const network = memoryNetwork();
  const servers: Side[] = [];
  const listener = await network.transport.listen(
    { hostname: "memory", port: 0 },
    handlerFor(servers, (s, text) => s.conn!.write(text.toUpperCase())),
  );
  const clients: Side[] = [];
  const { conn, localAddr } = await network.dialer.dial(
    { hostname: "memory", port: listener.addr.port },
    handlerFor(clients),
  );
  assert.equal(servers[0].conn!.remoteAddr.port, localAddr.port);
  conn.write("a");
  conn.write("b");
  conn.write("c");
  // Nothing arrives inside the call that wrote it, as on a socket.
  assert.equal(servers[0].text, "");
  while (clients[0].text.length < 3) {
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(servers[0].text, "abc");
  assert.equal(clients[0].text, "ABC");
  assert.equal(network.openConnections, 2);
  conn.destroy();
  await Promise.all([clients[0].gone.promise, servers[0].gone.promise]);
  assert.deepEqual([clients[0].closed, servers[0].closed], [1, 1]);
  assert.equal(network.openConnections, 0);
  await listener.close();
});

Deno.test("memoryNetwork(): end() delivers what is queued, then both sides close once", async () => {
  const network = memoryNetwork();
  const servers: Side[] = [];
  const listener = await network.transport.listen(
    { hostname: "memory", port: 0 },
    handlerFor(servers),
  );
  const clients: Side[] = [];
  const { conn } = await network.dialer.dial(
    { hostname: "memory", port: listener.addr.port },
    handlerFor(clients),
  );
  conn.write("last words");
  conn.end();
  conn.write("ignored after end");
  await Promise.all([clients[0].gone.promise, servers[0].gone.promise]);
  assert.equal(servers[0].text, "last words");
  assert.deepEqual([clients[0].closed, servers[0].closed], [1, 1]);
  assert.equal(servers[0].error, undefined);
  await listener.close();
});

Deno.test("memoryNetwork(): destroy() drops what is queued, and a writer past the limit is destroyed", async () => {
  const network = memoryNetwork();
  const servers: Side[] = [];
  const listener = await network.transport.listen(
    { hostname: "memory", port: 0, maxWriteBufferBytes: 10 },
    handlerFor(servers),
  );
  const clients: Side[] = [];
  const { conn } = await network.dialer.dial(
    { hostname: "memory", port: listener.addr.port },
    handlerFor(clients),
  );
  conn.write("dropped");
  conn.destroy();
  await servers[0].gone.promise;
  assert.equal(servers[0].text, "");
  // The server side writes more than its 10-byte limit in one tick.
  const second = await network.dialer.dial(
    { hostname: "memory", port: listener.addr.port },
    handlerFor(clients),
  );
  servers[1].conn!.write("0123456789ABC");
  await Promise.all([servers[1].gone.promise, clients[1].gone.promise]);
  assert.equal(clients[1].text, "");
  second.conn.write("after the close: nothing happens");
  await listener.close();
});

Deno.test("memoryNetwork(): dialing a port nobody listens on is refused, and ports are reusable", async () => {
  const network = memoryNetwork();
  const refused = network.dialer.dial(
    { hostname: "memory", port: 7 },
    handlerFor([]),
  );
  await assert.rejects(
    refused,
    /Cannot connect to memory port 7: connection refused/,
  );
  const first = await network.transport.listen(
    { hostname: "memory", port: 7 },
    handlerFor([]),
  );
  await assert.rejects(
    network.transport.listen({ hostname: "memory", port: 7 }, handlerFor([])),
    /address in use/,
  );
  await first.close();
  const again = await network.transport.listen(
    { hostname: "memory", port: 7 },
    handlerFor([]),
  );
  assert.equal(again.addr.port, 7);
  assert.equal(again.info.name, "memory");
  await again.close();
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(
    network.dialer.dial(
      { hostname: "memory", port: 7, signal: aborted.signal },
      handlerFor([]),
    ),
  );
});
