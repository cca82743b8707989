import assert from "node:assert/strict";
import { parseClientFrame } from "../../protocol/mod.ts";
import { clientFrameSchemas } from "../../protocol/_schemas.ts";
import { fastPingSeq } from "../../protocol/fast_ping.ts";

/** The slow path alone: JSON.parse and the zod schema, no shortcut. */
function slowPing(line: string): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if ((value as { type?: unknown }).type !== "ping") return undefined;
  const result = clientFrameSchemas.ping.safeParse(value);
  return result.success ? result.data.seq : undefined;
}

function makeRandom(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

const PIECES = [
  "{",
  "}",
  '"type"',
  ":",
  '"ping"',
  ",",
  '"seq"',
  " ",
  "0",
  "7",
  "9",
  "-",
  ".",
  "e",
  '"',
  "\\",
  "\u00e9",
  "1234567890",
  "9007199254740993",
  "null",
  '"x":1',
];

/** Lines close to a canonical ping: mutations, truncations, big numbers. */
function* candidates(random: () => number): Generator<string> {
  const canonical = (seq: string) => `{"type":"ping","seq":${seq}}`;
  for (
    const seq of [
      "0",
      "1",
      "42",
      "999999999999999",
      "1000000000000000",
      "9007199254740991",
      "9007199254740992",
      "00",
      "01",
      "-1",
      "1.5",
      "1e3",
      "",
      " 1",
      "1 ",
    ]
  ) {
    yield canonical(seq);
  }
  yield '{"seq":1,"type":"ping"}';
  yield '{"type":"ping","seq":1,"extra":true}';
  yield '{"type": "ping", "seq": 1}';
  for (let i = 0; i < 20_000; i++) {
    const r = random();
    if (r < 0.4) {
      // A canonical ping with a random number of random digits.
      const digits = Math.floor(random() * 20);
      let seq = "";
      for (let d = 0; d < digits; d++) seq += String(Math.floor(random() * 10));
      yield canonical(seq);
    } else if (r < 0.8) {
      // One random edit of a canonical ping.
      const base = canonical(String(Math.floor(random() * 1e6)));
      const at = Math.floor(random() * (base.length + 1));
      const piece = PIECES[Math.floor(random() * PIECES.length)];
      const cut = Math.floor(random() * 3);
      yield base.slice(0, at) + piece + base.slice(at + cut);
    } else {
      // Random pieces glued together.
      let line = "";
      const n = 1 + Math.floor(random() * 10);
      for (let k = 0; k < n; k++) {
        line += PIECES[Math.floor(random() * PIECES.length)];
      }
      yield line;
    }
  }
}

Deno.test("parseClientFrame's fast ping path agrees with JSON.parse and zod on fuzzed lines", () => {
  let fastHits = 0;
  for (const line of candidates(makeRandom(1))) {
    const slow = slowPing(line);
    const result = parseClientFrame(line);
    if (slow === undefined) {
      assert.ok(
        !(result.ok && result.frame.type === "ping"),
        `accepted ${JSON.stringify(line)}`,
      );
    } else {
      assert.deepEqual(
        result,
        { ok: true, frame: { type: "ping", seq: slow } },
        line,
      );
    }
    if (/^\{"type":"ping","seq":\d+\}$/.test(line)) fastHits++;
  }
  assert.ok(fastHits > 5000, `only ${fastHits} canonical pings generated`);
});

Deno.test("the server's fastPingSeq() accepts only what the slow path accepts, with the same seq", () => {
  let accepted = 0;
  for (const line of candidates(makeRandom(2))) {
    const seq = fastPingSeq(line);
    if (seq === -1) continue;
    accepted++;
    assert.equal(slowPing(line), seq, line);
  }
  assert.ok(accepted > 5000, `only ${accepted} accepted`);
  // And it does take every canonical ping Lifeline's client writes.
  for (const seq of [0, 1, 10, 123456789, 999_999_999_999_999]) {
    assert.equal(fastPingSeq(`{"type":"ping","seq":${seq}}`), seq);
  }
});
