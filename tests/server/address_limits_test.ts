import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { startServer } from "../../server/mod.ts";

/** Connects from a given loopback source address and reads the first frame. */
function helloFrom(
  port: number,
  localAddress: string,
  name: string,
): Promise<{ socket: Socket; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress });
    socket.setEncoding("utf8");
    socket.on("error", reject);
    let text = "";
    socket.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        resolve({ socket, first: JSON.parse(text.slice(0, newline)) });
      }
    });
    socket.write(`{"type":"hello","name":"${name}"}\n`);
  });
}

async function closeAll(sockets: Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((s) =>
      new Promise<void>((resolve) => {
        if (s.closed) return resolve();
        s.once("close", () => resolve());
        s.destroy();
      })
    ),
  );
}

Deno.test("--max-per-ip refuses an address's connections past the limit, and others are served", async () => {
  await using server = await startServer({ port: 0, maxPerIp: 2 });
  const port = server.addr.port;
  const sockets: Socket[] = [];
  try {
    for (const name of ["a1", "a2"]) {
      const { socket, first } = await helloFrom(port, "127.0.0.2", name);
      sockets.push(socket);
      assert.equal(first.type, "welcome");
    }
    const third = await helloFrom(port, "127.0.0.2", "a3");
    sockets.push(third.socket);
    assert.equal(third.first.type, "bye");
    assert.equal(third.first.reason, "too_many_connections");
    assert.ok(Number(third.first.retryAfter) >= 1000);
    const other = await helloFrom(port, "127.0.0.3", "b1");
    sockets.push(other.socket);
    assert.equal(other.first.type, "welcome");
    // Once one of the address's connections closes, it may connect again.
    await closeAll([sockets.shift()!]);
    await new Promise((r) => setTimeout(r, 50));
    const again = await helloFrom(port, "127.0.0.2", "a4");
    sockets.push(again.socket);
    assert.equal(again.first.type, "welcome");
  } finally {
    await closeAll(sockets);
  }
});

Deno.test("--connect-rate refuses an address that connects too fast, with a retryAfter", async () => {
  await using server = await startServer({ port: 0, connectRate: 5 });
  const port = server.addr.port;
  const sockets: Socket[] = [];
  try {
    const firsts: string[] = [];
    for (let i = 0; i < 14; i++) {
      const { socket, first } = await helloFrom(port, "127.0.0.4", `r${i}`);
      sockets.push(socket);
      firsts.push(`${first.type}${first.reason ? ` ${first.reason}` : ""}`);
    }
    // A burst of twice the rate passes, then the address must wait.
    assert.deepEqual(firsts.slice(0, 10), Array(10).fill("welcome"));
    assert.ok(firsts.slice(10).every((f) => f === "bye too_many_connections"));
    const elsewhere = await helloFrom(port, "127.0.0.5", "other");
    sockets.push(elsewhere.socket);
    assert.equal(elsewhere.first.type, "welcome");
  } finally {
    await closeAll(sockets);
  }
});
