import assert from "node:assert/strict";
import { utf8Length } from "../../common/utf8.ts";

const encoder = new TextEncoder();

Deno.test("utf8Length() agrees with TextEncoder on ASCII, two-, three- and four-byte characters and lone surrogates", () => {
  const samples = [
    "",
    '{"type":"pong","seq":1}\n',
    "é",
    "€",
    "日本語",
    "😀",
    "a😀b",
    "\ud800",
    "\udc00x",
    "x\ud83d",
    "é€😀".repeat(100),
  ];
  for (const text of samples) {
    assert.equal(utf8Length(text), encoder.encode(text).length, text);
  }
});
