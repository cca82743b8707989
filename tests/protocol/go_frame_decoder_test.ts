import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type GoFrame,
  GoFrameDecoder,
  type GoParseResult,
} from "../../protocol/mod.ts";

const encoder = new TextEncoder();

function decode(decoder: GoFrameDecoder, chunks: Uint8Array[]) {
  const frames: GoFrame[] = [];
  const errors: string[] = [];
  const results = chunks.map((c) =>
    decoder.push(c, (r) => r.ok ? frames.push(r.frame) : errors.push(r.message))
  );
  return { frames, errors, results };
}

const FRAMES: GoFrame[] = [
  { MessageType: 1, Content: "", Owner: "go" },
  { MessageType: 0, Content: 'braces } { and "quotes" \\ here', Owner: "go" },
  { MessageType: 1, Content: "\u00e9\u{1f600}", Owner: "other" },
];

Deno.test("GoFrameDecoder decodes glued frames split at every pair of points", () => {
  const text = FRAMES.map((f) => JSON.stringify(f)).join("");
  const bytes = encoder.encode(text);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b += 5) {
      const { frames, errors, results } = decode(new GoFrameDecoder(), [
        bytes.subarray(0, a),
        bytes.subarray(a, b),
        bytes.subarray(b),
      ]);
      assert.deepEqual(errors, []);
      assert.deepEqual(results, ["ok", "ok", "ok"]);
      assert.deepEqual(frames, FRAMES, `split at ${a}, ${b}`);
    }
  }
});

Deno.test("GoFrameDecoder skips whitespace between frames and reports other stray bytes", () => {
  const one = JSON.stringify(FRAMES[0]);
  const { frames, errors } = decode(new GoFrameDecoder(), [
    encoder.encode(`${one}\n \t${one}x${one}`),
  ]);
  assert.equal(frames.length, 3);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /0x78/);
});

Deno.test("GoFrameDecoder reports an object with the wrong fields as invalid", () => {
  const { frames, errors } = decode(new GoFrameDecoder(), [
    encoder.encode('{"MessageType":"1","Content":"","Owner":"go"}{"a":1}'),
  ]);
  assert.equal(frames.length, 0);
  assert.equal(errors.length, 2);
});

Deno.test("GoFrameDecoder stops at an object longer than the maximum", () => {
  const big = JSON.stringify({
    MessageType: 1,
    Content: "x".repeat(100),
    Owner: "go",
  });
  const { results } = decode(new GoFrameDecoder({ maxFrameBytes: 64 }), [
    encoder.encode(big),
  ]);
  assert.deepEqual(results, ["frame_too_large"]);
  const exact = decode(new GoFrameDecoder({ maxFrameBytes: big.length }), [
    encoder.encode(big),
  ]);
  assert.deepEqual(exact.results, ["ok"]);
  assert.equal(exact.frames.length, 1);
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
