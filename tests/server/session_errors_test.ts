import assert from "node:assert/strict";
import type { ServerFrame } from "../../protocol/mod.ts";
import { startServer } from "../../server/mod.ts";
import { RawClient, TRANSPORTS } from "../_helpers/server.ts";

const OPTIONS = {
  port: 0,
  interval: 1000,
  timeout: 5000,
  maxFrameBytes: 1024,
  maxInvalidFrames: 3,
} as const;

function errors(frames: ServerFrame[]): string[] {
  return frames.flatMap((f) => f.type === "error" ? [f.code] : []);
}

/** Checks that B is still served: a ping gets its pong. */
async function stillServed(b: RawClient, seq: number): Promise<void> {
  await b.send({ type: "ping", seq });
  await b.waitFor((f) => f.type === "pong" && f.seq === seq);
}

for (const transport of TRANSPORTS) {
  Deno.test(`a frame too large gets frame_too_large and a close while another client is served (${transport})`, async (t) => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using b = await RawClient.hello(server.addr.port, "B");
    await t.step(
      "a line longer than the limit, without a newline yet",
      async () => {
        await using a = await RawClient.hello(server.addr.port, "A");
        await a.write("x".repeat(1500));
        await a.waitClosed();
        assert.deepEqual(errors(a.frames), ["frame_too_large"]);
        assert.deepEqual(a.frames.at(-1), {
          type: "bye",
          reason: "protocol_error",
        });
        await stillServed(b, 1);
      },
    );
    await t.step("a whole line over the limit in one chunk", async () => {
      await using a = await RawClient.connect(server.addr.port);
      await a.write(
        JSON.stringify({ type: "hello", name: "y".repeat(2000) }) + "\n",
      );
      await a.waitClosed();
      assert.deepEqual(errors(a.frames), ["frame_too_large"]);
      await stillServed(b, 2);
    });
    await t.step("a line of exactly the limit is accepted", async () => {
      await using a = await RawClient.hello(server.addr.port, "A");
      const frame = { type: "msg", to: "B", body: "" };
      const room = 1024 - JSON.stringify(frame).length;
      frame.body = "z".repeat(room);
      await a.write(JSON.stringify(frame) + "\r\n");
      const got = await b.waitFor((f) => f.type === "msg");
      assert.equal(got.type === "msg" && got.body.length, room);
      assert.deepEqual(errors(a.frames), []);
    });
    assert.deepEqual(errors(b.frames), []);
  });

  Deno.test(`invalid JSON and non-objects get invalid_json; a few of them close the connection (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using b = await RawClient.hello(server.addr.port, "B", ["A"]);
    await using a = await RawClient.hello(server.addr.port, "A");
    await a.write("this is not json\n");
    await a.waitFor((f) => f.type === "error");
    await a.write("[1,2,3]\n");
    await a.until(() => errors(a.frames).length === 2);
    assert.equal(a.eof, false);
    await stillServed(b, 1);
    await a.write("42\n");
    await a.waitClosed();
    assert.deepEqual(errors(a.frames), [
      "invalid_json",
      "invalid_json",
      "invalid_json",
      "too_many_errors",
    ]);
    assert.deepEqual(a.frames.at(-1), {
      type: "bye",
      reason: "protocol_error",
    });
    await stillServed(b, 2);
    await b.waitFor((f) =>
      f.type === "presence" && f.name === "A" && f.state === "offline"
    );
  });

  Deno.test(`an unknown type gets unknown_type and counts toward the invalid-frame limit (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using a = await RawClient.hello(server.addr.port, "A");
    await a.send({ type: "dance", step: 1 });
    await a.waitFor((f) => f.type === "error");
    await stillServed(a, 9);
    for (let i = 2; i <= 3; i++) await a.send({ type: "dance", step: i });
    await a.waitClosed();
    assert.deepEqual(errors(a.frames), [
      "unknown_type",
      "unknown_type",
      "unknown_type",
      "too_many_errors",
    ]);
    assert.deepEqual(a.frames.at(-1), {
      type: "bye",
      reason: "protocol_error",
    });
  });

  Deno.test(`binary garbage gets an error and is closed while another client is served (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using b = await RawClient.hello(server.addr.port, "B");
    await using a = await RawClient.connect(server.addr.port);
    const garbage = new Uint8Array(600);
    let seed = 7;
    for (let i = 0; i < garbage.length; i++) {
      seed = (seed * 48271) % 2147483647;
      garbage[i] = seed & 0xff;
    }
    garbage[0] = 0xff; // Not a "{", so not the Go format.
    garbage[200] = 0x0a;
    garbage[400] = 0x0a;
    garbage[599] = 0x0a;
    await a.write(garbage);
    await a.waitClosed();
    const codes = errors(a.frames);
    assert.ok(codes.length >= 1, JSON.stringify(a.frames));
    assert.ok(
      codes.every((c) =>
        ["invalid_json", "frame_too_large", "too_many_errors"].includes(c)
      ),
      codes.join(),
    );
    await stillServed(b, 1);
  });

  Deno.test(`frames before hello, a second hello, a bad name and an unknown recipient each get their error (${transport})`, async () => {
    await using server = await startServer({ ...OPTIONS, transport });
    await using a = await RawClient.connect(server.addr.port);
    await a.send({ type: "ping", seq: 1 });
    await a.waitFor((f) => f.type === "error" && f.code === "hello_required");
    await a.send({ type: "hello", name: "no spaces allowed" });
    await a.waitFor((f) => f.type === "error" && f.code === "invalid_frame");
    await a.send({ type: "hello", name: "A" });
    await a.waitFor((f) => f.type === "welcome");
    await a.send({ type: "hello", name: "A2" });
    await a.waitFor((f) => f.type === "error" && f.code === "duplicate_hello");
    await a.send({ type: "msg", to: "nobody", body: "hi" });
    await a.waitFor((f) =>
      f.type === "error" && f.code === "unknown_recipient"
    );
    assert.equal(a.eof, false);
    assert.deepEqual(server.clients().map((c) => c.name), ["A"]);
  });
}
