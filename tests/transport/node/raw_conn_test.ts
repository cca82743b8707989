import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import {
  nodeTransport,
  type TransportConn,
  type TransportListener,
} from "../../../transport/mod.ts";

// The node transport's connections on bare tcp_wrap handles: writes that
// outrun the peer, end(), the peer's FIN. The transport tests and the server
// tests cover the rest through the default transport.

interface Events {
  conn: TransportConn | null;
  data: string;
  closed: number;
}

interface Hooks {
  open?(conn: TransportConn): void;
  data?(e: Events, chunk: Uint8Array): void;
}

async function listen(
  handler: Hooks,
  maxWriteBufferBytes?: number,
): Promise<{ listener: TransportListener; events: Events[] }> {
  const events: Events[] = [];
  const listener = await nodeTransport({ bareHandles: true }).listen<Events>(
    { hostname: "127.0.0.1", port: 0, maxWriteBufferBytes },
    {
      open: (conn) => {
        const e: Events = { conn, data: "", closed: 0 };
        events.push(e);
        handler.open?.(conn);
        return e;
      },
      data: (e, chunk) => {
        e.data += new TextDecoder().decode(chunk);
        handler.data?.(e, chunk);
      },
      closed: (e) => {
        e.closed++;
      },
    },
  );
  return { listener, events };
}

function dial(port: number): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function readAll(socket: Socket): Promise<string> {
  let text = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => text += chunk);
  return new Promise((resolve) => socket.once("end", () => resolve(text)));
}

async function until(
  condition: () => boolean,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("node transport: writes queued behind a pending write reach a slow reader whole and in order", async () => {
  // 256 writes of 128 KiB, one per macrotask, while the client does not
  // read: loopback's buffers (a few MiB) fill, a write goes pending, the
  // rest queue behind it and must all come out, in order, once the client
  // reads.
  const size = 128 * 1024;
  const chunks = Array.from(
    { length: 256 },
    (_, i) => String.fromCharCode(65 + (i % 26)).repeat(size),
  );
  let server: TransportConn | null = null;
  const { listener, events } = await listen(
    { open: (conn) => void (server = conn) },
    64 * 1024 * 1024,
  );
  try {
    const client = await dial(listener.addr.port);
    client.pause();
    await until(() => server !== null, "accept");
    for (const chunk of chunks) {
      server!.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    server!.end();
    const received = readAll(client);
    client.resume();
    const text = await received;
    assert.equal(text.length, chunks.length * size);
    assert.ok(text === chunks.join(""), "bytes lost or out of order");
    client.end();
    await until(() => events[0].closed === 1, "closed");
    client.destroy();
  } finally {
    await listener.close();
  }
});

Deno.test("node transport: a peer that reads nothing is destroyed once its backlog passes the write limit", async () => {
  const limit = 256 * 1024;
  let server: TransportConn | null = null;
  const { listener, events } = await listen(
    { open: (conn) => void (server = conn) },
    limit,
  );
  try {
    const client = await dial(listener.addr.port);
    client.pause();
    await until(() => server !== null, "accept");
    let written = 0;
    const chunk = "x".repeat(32 * 1024);
    // Far more than loopback's socket buffers can hold: without the limit
    // this loop runs out and the connection is still open.
    while (events[0].closed === 0 && written < 64 * 1024 * 1024) {
      server!.write(chunk);
      written += chunk.length;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.equal(events[0].closed, 1, `still open after ${written} bytes`);
    // It got the limit's worth past what the kernel buffered, not less.
    assert.ok(written > limit, `destroyed after only ${written} bytes`);
    client.destroy();
  } finally {
    await listener.close();
  }
});

Deno.test("node transport: end() sends what is queued, then FIN; closed runs once when the peer closes", async () => {
  const { listener, events } = await listen({
    data: (e) => {
      if (e.data.endsWith("\n")) {
        e.conn!.write("bye");
        e.conn!.write("\n");
        e.conn!.end();
        e.conn!.write("never sent\n");
      }
    },
  });
  try {
    const client = await dial(listener.addr.port);
    const received = readAll(client);
    client.write("hello\n");
    assert.equal(await received, "bye\n");
    // Half-closed by the server: the connection stays until the client
    // closes its side too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(events[0].closed, 0);
    client.end();
    await until(() => events[0].closed === 1, "closed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(events[0].closed, 1);
    client.destroy();
  } finally {
    await listener.close();
  }
});

Deno.test("node transport: after the peer's FIN, the answer to its last bytes still goes out", async () => {
  const { listener, events } = await listen({
    data: (e) => {
      if (e.data.endsWith("ping\n")) e.conn!.write("pong\n");
    },
  });
  try {
    const client = await dial(listener.addr.port);
    const received = readAll(client);
    // The ping and the FIN arrive together.
    client.end("ping\n");
    assert.equal(await received, "pong\n");
    await until(() => events[0].closed === 1, "closed");
    assert.equal(events[0].data, "ping\n");
    client.destroy();
  } finally {
    await listener.close();
  }
});

Deno.test("node transport: destroy() closes at once and drops what is queued", async () => {
  const { listener, events } = await listen({
    data: (e) => {
      e.conn!.write("dropped\n");
      e.conn!.destroy();
      e.conn!.destroy();
    },
  });
  try {
    const client = await dial(listener.addr.port);
    const received = readAll(client);
    client.on("error", () => {});
    client.write("x");
    assert.equal(await received, "");
    await until(() => events[0].closed === 1, "closed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(events[0].closed, 1);
    client.destroy();
  } finally {
    await listener.close();
  }
});
