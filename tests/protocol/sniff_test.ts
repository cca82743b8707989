import assert from "node:assert/strict";
import {
  GO_FRAME_PREFIX,
  SNIFFED_GO,
  SNIFFED_LINES,
  sniffWireFormat,
} from "../../protocol/mod.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("sniffWireFormat() knows ndjson at the first byte that leaves the Go prefix", () => {
  assert.equal(sniffWireFormat(0, bytes('{"type":"hello"}')), SNIFFED_LINES);
  assert.equal(sniffWireFormat(0, bytes("x")), SNIFFED_LINES);
  // "{\"M" matches three bytes, then "x" leaves the prefix.
  assert.equal(sniffWireFormat(0, bytes('{"M')), 3);
  assert.equal(sniffWireFormat(3, bytes("x")), SNIFFED_LINES);
});

Deno.test("sniffWireFormat() knows the Go format only once the whole prefix matched, however it is split", () => {
  const prefix = bytes(GO_FRAME_PREFIX);
  assert.equal(SNIFFED_GO, prefix.length);
  let matched = 0;
  for (let i = 0; i < prefix.length - 1; i++) {
    matched = sniffWireFormat(matched, prefix.subarray(i, i + 1));
    assert.equal(matched, i + 1);
  }
  assert.equal(
    sniffWireFormat(matched, prefix.subarray(prefix.length - 1)),
    SNIFFED_GO,
  );
  assert.equal(sniffWireFormat(0, bytes(`${GO_FRAME_PREFIX}:1}`)), SNIFFED_GO);
  assert.equal(sniffWireFormat(0, new Uint8Array(0)), 0);
});
