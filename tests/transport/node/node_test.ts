import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { nodeTransport } from "../../../transport/mod.ts";
import {
  isAcceptingHandle,
  loadTcpWrap,
} from "../../../transport/node/tcp_wrap.ts";

interface Received {
  text: string;
  buffers: Set<ArrayBufferLike>;
  closed: number;
}

/** Opens a client, writes `parts` one by one with a pause between, ends. */
async function sendInParts(port: number, parts: string[]): Promise<void> {
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
  socket.destroy();
}

/** Two clients write in parts at once; returns what each connection got. */
async function deliverTwo(bareHandles: boolean): Promise<
  { received: Received[]; sent: string[]; detail: string | undefined }
> {
  const received: Received[] = [];
  let allClosed: () => void;
  const done = new Promise<void>((resolve) => allClosed = resolve);
  const listener = await nodeTransport({ bareHandles }).listen<Received>(
    { hostname: "127.0.0.1", port: 0 },
    {
      open: () => {
        const r: Received = { text: "", buffers: new Set(), closed: 0 };
        received.push(r);
        return r;
      },
      data: (r, chunk) => {
        r.text += new TextDecoder().decode(chunk);
        r.buffers.add(chunk.buffer);
      },
      closed: (r) => {
        r.closed++;
        if (received.length === 2 && received.every((x) => x.closed > 0)) {
          allClosed();
        }
      },
    },
  );
  try {
    const a = ["alpha-1 ", "alpha-2 ", "alpha-3 ".repeat(1000)];
    const b = ["beta-1 ", "beta-2 ", "beta-3"];
    await Promise.all([
      sendInParts(listener.addr.port, a),
      sendInParts(listener.addr.port, b),
    ]);
    await done;
    return {
      received,
      sent: [a.join(""), b.join("")],
      detail: listener.info.detail,
    };
  } finally {
    await listener.close();
  }
}

Deno.test("node transport: reads of different connections land in one shared buffer, each delivered intact", async () => {
  const { received, sent, detail } = await deliverTwo(true);
  assert.equal(detail, "bare handles");
  assert.deepEqual(received.map((r) => r.text).sort(), sent.sort());
  // Every connection closed exactly once.
  assert.deepEqual(received.map((r) => r.closed), [1, 1]);
  // Every chunk of both connections was a view of the same buffer: reads
  // went to the shared buffer, not to a Buffer per read.
  const all = new Set(received.flatMap((r) => [...r.buffers]));
  assert.equal(all.size, 1);
});

Deno.test("node transport: without bare handles, net.Socket data events deliver the same bytes", async () => {
  const { received, sent, detail } = await deliverTwo(false);
  assert.equal(detail, "net.Socket");
  assert.deepEqual(received.map((r) => r.text).sort(), sent.sort());
  assert.deepEqual(received.map((r) => r.closed), [1, 1]);
  // Each connection's chunks are its own Buffers here, never shared.
  const [first, second] = received.map((r) => r.buffers);
  assert.ok([...first].every((buffer) => !second.has(buffer)));
});

Deno.test("the tcp_wrap bindings are found here, and a handle without accept is refused", () => {
  // This runtime (Deno 2.9) has them: without them the default transport
  // silently falls back to net.Socket, and the benchmarks would measure that.
  const wrap = loadTcpWrap();
  assert.notEqual(wrap, null);
  assert.equal(typeof wrap!.eof, "number");
  assert.ok(wrap!.eof < 0);
  assert.equal(isAcceptingHandle(null), false);
  assert.equal(isAcceptingHandle({ onconnection() {} }), false);
  assert.equal(isAcceptingHandle({ accept() {}, onconnection() {} }), true);
});
