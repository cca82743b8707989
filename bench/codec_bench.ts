/**
 * Micro-benchmarks of the wire codec's hot paths: splitting lines, parsing a
 * ping (fast path against the full JSON + zod path), decoding the Go
 * project's concatenated frames, and encoding pongs.
 *
 * ```sh
 * deno bench bench/codec_bench.ts
 * ```
 *
 * @module
 */

import {
  encodeFrame,
  encodePong,
  GoFrameDecoder,
  LineDecoder,
  parseClientFrame,
} from "../protocol/mod.ts";

const encoder = new TextEncoder();
const ping = encoder.encode('{"type":"ping","seq":123456}\n');
const tenPings = encoder.encode('{"type":"ping","seq":123456}\n'.repeat(10));
const split = [ping.subarray(0, 11), ping.subarray(11)];
const goText = '{"MessageType":1,"Content":"ping","Owner":"client-12345"}';
const goFrame = encoder.encode(goText);
const tenGoFrames = encoder.encode(goText.repeat(10));
const goSplit = [goFrame.subarray(0, 20), goFrame.subarray(20)];
let sink = 0;
const onLine = (line: string) => {
  sink += line.length;
};
const onGo = (result: { ok: boolean }) => {
  sink += result.ok ? 1 : 0;
};

const lineDecoder = new LineDecoder();
Deno.bench("LineDecoder: one ping line per chunk", { group: "lines" }, () => {
  lineDecoder.push(ping, onLine);
});
Deno.bench(
  "LineDecoder: ten ping lines in one chunk",
  { group: "lines" },
  () => {
    lineDecoder.push(tenPings, onLine);
  },
);
Deno.bench(
  "LineDecoder: a ping split across two chunks",
  { group: "lines" },
  () => {
    lineDecoder.push(split[0], onLine);
    lineDecoder.push(split[1], onLine);
  },
);

Deno.bench("parseClientFrame: ping, fast path", {
  group: "parse",
  baseline: true,
}, () => {
  sink += parseClientFrame('{"type":"ping","seq":123456}').ok ? 1 : 0;
});
Deno.bench("parseClientFrame: ping, full JSON.parse + zod path", {
  group: "parse",
}, () => {
  sink += parseClientFrame('{"seq":123456,"type":"ping"}').ok ? 1 : 0;
});
Deno.bench("parseClientFrame: hello", { group: "parse" }, () => {
  sink += parseClientFrame('{"type":"hello","name":"client-1"}').ok ? 1 : 0;
});

const goDecoder = new GoFrameDecoder();
Deno.bench("GoFrameDecoder: one heartbeat per chunk", { group: "go" }, () => {
  goDecoder.push(goFrame, onGo);
});
Deno.bench("GoFrameDecoder: ten glued heartbeats", { group: "go" }, () => {
  goDecoder.push(tenGoFrames, onGo);
});
Deno.bench("GoFrameDecoder: a heartbeat split in two", { group: "go" }, () => {
  goDecoder.push(goSplit[0], onGo);
  goDecoder.push(goSplit[1], onGo);
});

Deno.bench(
  "encodePong + TextEncoder",
  { group: "encode", baseline: true },
  () => {
    sink += encoder.encode(encodePong(123456)).length;
  },
);
Deno.bench("encodeFrame(pong) + TextEncoder", { group: "encode" }, () => {
  sink += encoder.encode(encodeFrame({ type: "pong", seq: 123456 })).length;
});
const scratch = new Uint8Array(64);
Deno.bench(
  "encodePong + encodeInto a scratch buffer",
  { group: "encode" },
  () => {
    sink += encoder.encodeInto(encodePong(123456), scratch).written;
  },
);

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
