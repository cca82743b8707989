import assert from "node:assert/strict";
import {
  GoFrameDecoder,
  type GoParseResult,
  parseClientFrame,
  parseGoFrame,
} from "../../protocol/mod.ts";

// A seeded generator, so a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEQS = [
  "0",
  "7",
  "00",
  "01",
  "-1",
  "1.5",
  "1e3",
  "123456789012345",
  "1234567890123456",
  "9007199254740991",
  "9007199254740992",
  "99999999999999999999",
  '"1"',
  "null",
  "١",
  " 1",
  "1 ",
];
const ALPHABET = '{}":,pingtyseq0123456789 -.\\\n\r\tx';

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const char = ALPHABET[Math.floor(next() * ALPHABET.length)];
  switch (Math.floor(next() * 3)) {
    case 0:
      return text.slice(0, at) + char + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    default:
      return text.slice(0, at) + char + text.slice(at + 1);
  }
}

Deno.test("parseClientFrame's fast ping path agrees with the full JSON and zod path on fuzzed lines", () => {
  const next = random(6);
  let fastHits = 0;
  for (let i = 0; i < 20_000; i++) {
    const seq = next() < 0.7
      ? String(Math.floor(next() * 10 ** Math.floor(next() * 17)))
      : SEQS[Math.floor(next() * SEQS.length)];
    let line = `{"type":"ping","seq":${seq}}`;
    const mutations = Math.floor(next() * 3);
    for (let m = 0; m < mutations; m++) line = mutate(line, next);
    const fast = parseClientFrame(line);
    // A leading space keeps the line valid JSON but skips the fast path.
    const slow = parseClientFrame(" " + line);
    if (slow.ok) {
      assert.deepEqual(fast, slow, `line ${JSON.stringify(line)}`);
      fastHits++;
    } else {
      assert.equal(fast.ok, false, `line ${JSON.stringify(line)}`);
      if (!fast.ok) assert.equal(fast.code, slow.code);
    }
  }
  assert.ok(fastHits > 5000, `only ${fastHits} valid pings were generated`);
});

// The obvious decoder: one byte at a time, a growing array, zod every time.
function referenceDecode(chunks: Uint8Array[], max: number): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const chunk of chunks) {
    for (const byte of chunk) {
      if (depth === 0) {
        if (byte === 0x7b) {
          depth = 1;
          pending.push(byte);
        } else if (![0x20, 0x0a, 0x0d, 0x09].includes(byte)) {
          out.push(`skip ${byte}`);
        }
        continue;
      }
      pending.push(byte);
      if (pending.length > max) {
        out.push("frame_too_large");
        return out;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) inString = false;
        continue;
      }
      if (byte === 0x22) inString = true;
      else if (byte === 0x7b) depth++;
      else if (byte === 0x7d && --depth === 0) {
        out.push(describe(parseGoFrame(new TextDecoder().decode(
          new Uint8Array(pending),
        ))));
        pending = [];
      }
    }
  }
  out.push(`partial ${depth > 0}`);
  return out;
}

function describe(result: GoParseResult): string {
  return result.ok ? JSON.stringify(result.frame) : `error ${result.message}`;
}

Deno.test("GoFrameDecoder gives the same frames as a byte-at-a-time reference for random splits", () => {
  const next = random(42);
  const pieces = [
    '{"MessageType":1,"Content":"ping","Owner":"alice"}',
    '{"MessageType":0,"Content":"a \\"quoted\\" } brace","Owner":"bob"}',
    '{"MessageType":1,"Content":"{nested}","Owner":"c","Extra":{"x":[1,{}]}}',
    '{"MessageType":"1","Content":"x","Owner":"d"}',
    '{"MessageType":1.5,"Content":"x","Owner":"d"}',
    '{"MessageType":1,"Content":"é ü 中","Owner":"ünï"}',
    // Near misses of the first piece: the decoder's repeat cache must not
    // take any of them for it.
    '{"MessageType":2,"Content":"ping","Owner":"alice"}',
    '{"MessageType":11,"Content":"ping","Owner":"alice"}',
    '{"MessageType":1,"Content":"pong","Owner":"alice"}',
    '{"MessageType":1,"Content":"ping","Owner":"alicf"}',
    '{"MessageType":1,"Content":"ping","Owner":"alice" }',
    '{"MessageType":1,"Owner":"alice","Content":"ping"}',
    '{"MessageType":1,"Content":"pi\\u006eg","Owner":"alice"}',
    '{"MessageType":1,"Content":"ping","Owner":"alice","Extra":1}',
    "{not json}",
    " \n",
    "x",
  ];
  for (let round = 0; round < 2000; round++) {
    let text = "";
    const count = 1 + Math.floor(next() * 6);
    for (let k = 0; k < count; k++) {
      text += pieces[Math.floor(next() * pieces.length)];
    }
    if (next() < 0.2) text += pieces[0].slice(0, Math.floor(next() * 40));
    const bytes = new TextEncoder().encode(text);
    const chunks: Uint8Array[] = [];
    let at = 0;
    while (at < bytes.length) {
      // Small chunks split frames; large ones hold whole frames, which is
      // where the decoder answers a repeated frame from its cache.
      const size = 1 + Math.floor(next() * (next() < 0.5 ? 30 : 200));
      // Reused buffer: the decoder must copy what it keeps.
      const buffer = new Uint8Array(256);
      const piece = bytes.subarray(at, at + size);
      buffer.set(piece);
      chunks.push(buffer.subarray(0, piece.length));
      at += size;
    }
    const max = next() < 0.3 ? 60 : 65536;
    const expected = referenceDecode(
      chunks.map((c) => c.slice()),
      max,
    );
    const decoder = new GoFrameDecoder({ maxFrameBytes: max });
    const actual: string[] = [];
    let tooLarge = false;
    for (const chunk of chunks) {
      const copy = chunk.slice();
      const result = decoder.push(copy, (r) => {
        actual.push(
          !r.ok && r.message.startsWith("Unexpected byte")
            ? `skip ${parseInt(r.message.slice(18, 20), 16)}`
            : describe(r),
        );
      });
      copy.fill(0x20); // the transport reuses its buffer
      if (result === "frame_too_large") {
        actual.push("frame_too_large");
        tooLarge = true;
        break;
      }
    }
    if (!tooLarge) actual.push(`partial ${decoder.hasPartialFrame}`);
    assert.deepEqual(actual, expected, `text ${JSON.stringify(text)}`);
  }
});
