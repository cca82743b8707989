import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { LineDecoder } from "../../protocol/mod.ts";

const encoder = new TextEncoder();

function collect(decoder: LineDecoder, chunks: Uint8Array[]) {
  const lines: string[] = [];
  const results = chunks.map((c) => decoder.push(c, (l) => lines.push(l)));
  return { lines, results };
}

Deno.test("LineDecoder accepts a frame of exactly the maximum size and rejects one byte more", async (t) => {
  for (const max of [1, 10, 100]) {
    await t.step(`max ${max}`, () => {
      const exact = "a".repeat(max);
      assert.deepEqual(
        collect(new LineDecoder({ maxFrameBytes: max }), [
          encoder.encode(exact + "\n" + exact + "\r\n"),
        ]),
        { lines: [exact, exact], results: ["ok"] },
      );
      const over = "a".repeat(max + 1);
      assert.deepEqual(
        collect(new LineDecoder({ maxFrameBytes: max }), [
          encoder.encode(over + "\n"),
        ]).results,
        ["frame_too_large"],
      );
      // Over the limit split across chunks, with and without its newline.
      const split = new LineDecoder({ maxFrameBytes: max });
      assert.equal(split.push(encoder.encode(exact), () => {}), "ok");
      assert.equal(
        split.push(encoder.encode("aa"), () => {}),
        "frame_too_large",
      );
      const late = new LineDecoder({ maxFrameBytes: max });
      assert.equal(late.push(encoder.encode(exact), () => {}), "ok");
      assert.equal(
        late.push(encoder.encode("a\n"), () => {}),
        "frame_too_large",
      );
    });
  }
});

Deno.test("LineDecoder reports frame_too_large before the newline of an endless line arrives", () => {
  const decoder = new LineDecoder({ maxFrameBytes: 64 });
  let result = "ok";
  let fed = 0;
  while (result === "ok" && fed < 10_000) {
    result = decoder.push(encoder.encode("x".repeat(16)), () => {});
    fed += 16;
  }
  assert.equal(result, "frame_too_large");
  assert.ok(fed <= 96, `fed ${fed} bytes`);
});

Deno.test("LineDecoder reassembles lines split anywhere, including inside a UTF-8 character", () => {
  const text =
    '{"type":"msg","body":"h\u00e9llo \u2603 \u{1f600}"}\n{"type":"ping","seq":1}\n\n';
  const bytes = encoder.encode(text);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b += 7) {
      const { lines, results } = collect(new LineDecoder(), [
        bytes.subarray(0, a),
        bytes.subarray(a, b),
        bytes.subarray(b),
      ]);
      assert.deepEqual(results, ["ok", "ok", "ok"]);
      assert.deepEqual(lines, text.split("\n").filter((l) => l !== ""));
    }
  }
});

Deno.test("LineDecoder copies a partial line, so the transport may reuse its read buffer", async (t) => {
  const makers: [string, (b: Uint8Array) => Uint8Array][] = [
    ["Uint8Array", (b) => new Uint8Array(b)],
    ["Buffer", (b) => Buffer.from(b)],
  ];
  for (const [name, make] of makers) {
    await t.step(name, () => {
      const decoder = new LineDecoder();
      const lines: string[] = [];
      const chunk = make(encoder.encode('{"type":"pi'));
      decoder.push(chunk, (l) => lines.push(l));
      chunk.fill(0x21); // The transport reads the next bytes into it.
      decoder.push(encoder.encode('ng","seq":1}\n'), (l) => lines.push(l));
      assert.deepEqual(lines, ['{"type":"ping","seq":1}']);
    });
  }
});

Deno.test("LineDecoder rejects a maximum that is not a positive integer", () => {
  assert.throws(() => new LineDecoder({ maxFrameBytes: 0 }), RangeError);
  assert.throws(() => new LineDecoder({ maxFrameBytes: 1.5 }), RangeError);
});
