import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import { nodeTransport } from "../server/mod.ts";
import {
  isAcceptingHandle,
  loadTcpWrap,
  tcpWrapSwitch,
} from "../server/_tcp_wrap.ts";
import { GoFrameDecoder, type GoParseResult } from "../protocol/mod.ts";

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
async function deliverTwo(): Promise<
  { received: Received[]; sent: string[] }
> {
  const received: Received[] = [];
  let allClosed: () => void;
  const done = new Promise<void>((resolve) => allClosed = resolve);
  const listener = await nodeTransport().listen<Received>(
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
    return { received, sent: [a.join(""), b.join("")] };
  } finally {
    await listener.close();
  }
}

Deno.test("node transport: reads of different connections land in one shared buffer, each delivered intact", async () => {
  const { received, sent } = await deliverTwo();
  assert.deepEqual(received.map((r) => r.text).sort(), sent.sort());
  // Every connection closed exactly once.
  assert.deepEqual(received.map((r) => r.closed), [1, 1]);
  // Every chunk of both connections was a view of the same buffer: reads
  // went to the shared buffer, not to a Buffer per read.
  const all = new Set(received.flatMap((r) => [...r.buffers]));
  assert.equal(all.size, 1);
});

Deno.test("node transport: without bare handles, net.Socket data events deliver the same bytes", async () => {
  tcpWrapSwitch.enabled = false;
  try {
    const { received, sent } = await deliverTwo();
    assert.deepEqual(received.map((r) => r.text).sort(), sent.sort());
    assert.deepEqual(received.map((r) => r.closed), [1, 1]);
    // Each connection's chunks are its own Buffers here, never shared.
    const [first, second] = received.map((r) => r.buffers);
    assert.ok([...first].every((buffer) => !second.has(buffer)));
  } finally {
    tcpWrapSwitch.enabled = true;
  }
});

Deno.test("the tcp_wrap bindings are found here, and a handle without accept is refused", () => {
  // This runtime (Deno 2.9) has them: without them the default transport
  // silently falls back to net.Socket, and the benchmarks would measure that.
  const wrap = loadTcpWrap();
  assert.notEqual(wrap, null);
  assert.equal(typeof wrap!.eof, "number");
  assert.ok(wrap!.eof < 0);
  tcpWrapSwitch.enabled = false;
  try {
    assert.equal(loadTcpWrap(), null);
  } finally {
    tcpWrapSwitch.enabled = true;
  }
  assert.equal(isAcceptingHandle(null), false);
  assert.equal(isAcceptingHandle({ onconnection() {} }), false);
  assert.equal(isAcceptingHandle({ accept() {}, onconnection() {} }), true);
});

Deno.test("GoFrameDecoder keeps its own copy of a partial frame when the reader reuses the buffer", () => {
  const text = '{"MessageType":1,"Content":"hi","Owner":"go"}';
  const bytes = new TextEncoder().encode(text);
  // As a node:net reader does: one Buffer, overwritten by the next read.
  const shared = Buffer.alloc(64);
  const frames: GoParseResult[] = [];
  const decoder = new GoFrameDecoder();
  shared.set(bytes.subarray(0, 20));
  decoder.push(shared.subarray(0, 20), (r) => frames.push(r));
  shared.fill(0x78);
  shared.set(bytes.subarray(20));
  decoder.push(shared.subarray(0, bytes.length - 20), (r) => frames.push(r));
  assert.deepEqual(frames, [{
    ok: true,
    frame: { MessageType: 1, Content: "hi", Owner: "go" },
  }]);
});
