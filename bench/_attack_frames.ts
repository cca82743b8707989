/**
 * Attacks with frames, as the attacker process runs them: unknown-type
 * frames streamed as fast as the server reads them (issue 15, item 4), an
 * error that echoes what it refuses (item 4), writing on after `bye
 * protocol_error` (item 7), and frames past `--max-frame`.
 *
 * @module
 */

import { type AttackContext, MiB, type Outcome } from "./_attack_types.ts";
import { helloPeer, RawPeer, sleep, type WriteResult } from "./_raw_peer.ts";

const encoder = new TextEncoder();
/** A write pending this long means the server stopped reading. */
const BLOCKED_MS = 1000;

/** How a flood ended. */
interface FloodEnd {
  /** Bytes the kernel took. */
  bytes: number;
  /** Milliseconds from the first write to the end. */
  ms: number;
  /** `cut` (a write failed), `blocked`, `time` or `bytes` (a bound). */
  how: "cut" | "blocked" | "time" | "bytes";
}

/**
 * Writes `chunk` again and again until a write fails (the server cut the
 * connection), a write stays pending (the server stopped reading), or a
 * bound is reached.
 */
async function flood(
  peer: RawPeer,
  chunk: Uint8Array,
  context: AttackContext,
  durationMs = context.durationMs,
): Promise<FloodEnd> {
  const start = performance.now();
  const before = peer.bytesWritten;
  let result: WriteResult = "written";
  let how: FloodEnd["how"] = "time";
  while (performance.now() - start < durationMs) {
    if (peer.bytesWritten - before >= context.maxBytes) {
      how = "bytes";
      break;
    }
    result = await peer.writeFor(chunk, BLOCKED_MS);
    if (result === "failed") {
      how = "cut";
      break;
    }
    if (result === "blocked") {
      how = "blocked";
      break;
    }
  }
  const end = how === "cut"
    ? peer.writeFailedAt!
    : how === "blocked"
    ? performance.now() - BLOCKED_MS
    : performance.now();
  return { bytes: peer.bytesWritten - before, ms: end - start, how };
}

function errors(peer: RawPeer): number {
  return peer.frames.filter((f) => f.type === "error").length;
}

function byeReason(peer: RawPeer): string | null {
  const bye = peer.frames.find((f) => f.type === "bye");
  return bye === undefined ? null : String(bye.reason);
}

/**
 * Says `hello`, then streams unknown-type frames of 64,000 bytes (under
 * the default 64 KiB frame limit) as fast as the server reads them.
 *
 * @param context The server and the bounds.
 * @returns The bytes the server took, how and when the stream ended, the
 * errors it was sent.
 *
 * @example
 * ```ts ignore
 * import { unknownFrames } from "./_attack_frames.ts";
 * console.log(await unknownFrames({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function unknownFrames(context: AttackContext): Promise<Outcome> {
  const peer = await helloPeer(context, "streamer");
  const frame = JSON.stringify({ type: "dance", pad: "x".repeat(64_000 - 27) });
  const chunk = encoder.encode(`${frame}\n`.repeat(4));
  const end = await flood(peer, chunk, context);
  await sleep(200);
  await peer.close();
  return {
    frameBytes: frame.length + 1,
    bytes: end.bytes,
    ms: Math.round(end.ms),
    how: end.how,
    errors: errors(peer),
    bye: byeReason(peer),
  };
}

/**
 * Says `hello`, then sends one `ping` with 6,000 unknown keys (just under
 * the 64 KiB frame limit) and measures the error that comes back.
 *
 * @param context The server and the bounds.
 * @returns The size of the frame and of the longest line sent back.
 *
 * @example
 * ```ts ignore
 * import { errorEcho } from "./_attack_frames.ts";
 * console.log(await errorEcho({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function errorEcho(context: AttackContext): Promise<Outcome> {
  const peer = await helloPeer(context, "keys");
  const frame: Record<string, unknown> = { type: "ping", seq: 1 };
  for (let k = 0; k < 6000; k++) frame[`k${k}`] = 0;
  const line = JSON.stringify(frame);
  await peer.send(frame);
  const error = await peer.waitFor((f) => f.type === "error", 3000);
  await sleep(100);
  await peer.close();
  return {
    keys: 6000,
    frameBytes: line.length + 1,
    error: error === undefined ? null : String(error.code),
    errorBytes: error === undefined ? null : peer.largestLine,
  };
}

/**
 * Says `hello`, sends three lines of garbage (the third invalid frame ends
 * the session with `bye protocol_error`), then writes 64 KiB chunks as
 * fast as they are taken.
 *
 * @param context The server and the bounds.
 * @returns What the server took after `bye`, and how it ended.
 *
 * @example
 * ```ts ignore
 * import { afterBye } from "./_attack_frames.ts";
 * console.log(await afterBye({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function afterBye(context: AttackContext): Promise<Outcome> {
  const peer = await helloPeer(context, "condemned");
  await peer.write("nope\nnope\nnope\n");
  const bye = await peer.waitFor((f) => f.type === "bye", 3000);
  const end = await flood(peer, encoder.encode("x".repeat(65536)), context);
  await peer.close();
  return {
    bye: bye === undefined ? null : String(bye.reason),
    bytes: end.bytes,
    ms: Math.round(end.ms),
    how: end.how,
  };
}

const OVERSIZE_PEERS = 10;

/**
 * Ten connections each write 1 MiB chunks of one endless line (no
 * newline, no `hello`) until the server cuts them or 64 MiB are written.
 *
 * @param context The server and the bounds.
 * @returns How many were cut, the most bytes one got in, the slowest cut.
 *
 * @example
 * ```ts ignore
 * import { oversize } from "./_attack_frames.ts";
 * console.log(await oversize({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function oversize(context: AttackContext): Promise<Outcome> {
  const chunk = encoder.encode("x".repeat(MiB));
  const bounded = {
    ...context,
    maxBytes: Math.min(context.maxBytes, 64 * MiB),
  };
  const peers = await Promise.all(
    Array.from(
      { length: OVERSIZE_PEERS },
      () => RawPeer.connect(context.hostname, context.port),
    ),
  );
  const ends = await Promise.all(peers.map((p) => flood(p, chunk, bounded)));
  await sleep(100);
  await Promise.all(peers.map((p) => p.close()));
  const codes = new Set(
    peers.flatMap((p) =>
      p.frames.filter((f) => f.type === "error").map((f) => String(f.code))
    ),
  );
  const cut = ends.filter((e) => e.how === "cut");
  return {
    peers: OVERSIZE_PEERS,
    cut: cut.length,
    cutMostBytes: Math.max(0, ...cut.map((e) => e.bytes)),
    cutSlowestMs: Math.round(Math.max(0, ...cut.map((e) => e.ms))),
    blocked: ends.filter((e) => e.how === "blocked").length,
    mostBytes: Math.max(...ends.map((e) => e.bytes)),
    slowestMs: Math.round(Math.max(...ends.map((e) => e.ms))),
    errors: [...codes].join(",") || null,
  };
}
