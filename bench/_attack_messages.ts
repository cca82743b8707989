/**
 * Attacks with messages, as the attacker process runs them: a broadcaster
 * that floods everyone (issue 15, item 3), and a reader that never reads,
 * sent text whose UTF-8 is three times its UTF-16 length (item 6).
 *
 * @module
 */

import { type AttackContext, MiB, type Outcome } from "./_attack_types.ts";
import { helloPeer, sleep } from "./_raw_peer.ts";

const encoder = new TextEncoder();

/**
 * Says `hello`, then broadcasts messages (of `messageBytes`, 10 KiB by
 * default) to everyone, 20 per write,
 * as fast as the server takes them, until it cuts the connection, stops
 * reading, or a bound is reached.
 *
 * @param context The server and the bounds.
 * @returns The messages and bytes the server took, and how it ended.
 *
 * @example
 * ```ts ignore
 * import { broadcastFlood } from "./_attack_messages.ts";
 * console.log(await broadcastFlood({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function broadcastFlood(context: AttackContext): Promise<Outcome> {
  const peer = await helloPeer(context, "flood");
  const line =
    JSON.stringify({ type: "msg", body: "z".repeat(context.messageBytes) }) +
    "\n";
  const batch = encoder.encode(line.repeat(20));
  const start = performance.now();
  let messages = 0;
  let how = "time";
  while (performance.now() - start < context.durationMs) {
    if (peer.bytesWritten >= context.maxBytes) {
      how = "bytes";
      break;
    }
    const result = await peer.writeFor(batch, 1000);
    if (result !== "written") {
      how = result === "failed" ? "cut" : "blocked";
      break;
    }
    messages += 20;
  }
  const ms = (how === "cut" ? peer.writeFailedAt! : performance.now()) - start;
  await sleep(200);
  await peer.close();
  return {
    messages,
    bytes: peer.bytesWritten,
    ms: Math.round(ms),
    how,
    rateLimited: peer.frames.filter((f) => f.code === "rate_limited").length,
    bye: peer.frames.find((f) => f.type === "bye")?.reason as string ?? null,
  };
}

/** One message to the sink: 20,000 three-byte characters, 60,000 bytes. */
const CJK_BODY = "漢".repeat(20_000);

/**
 * A sink says `hello` and never reads; a sender sends it 60 KB messages of
 * CJK text (3 bytes of UTF-8 per UTF-16 code unit), 50 a second (below
 * the default message rate), until the server drops the sink (the sender
 * is told `unknown_recipient`) or 16 MiB went its way. Then the sink reads
 * what reached it.
 *
 * @param context The server and the bounds.
 * @returns The UTF-8 bytes routed toward the sink before its drop, those
 * that reached it, and so those the server discarded at the drop (what it
 * had queued).
 *
 * @example
 * ```ts ignore
 * import { slowReader } from "./_attack_messages.ts";
 * console.log(await slowReader({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function slowReader(context: AttackContext): Promise<Outcome> {
  const sink = await helloPeer(context, "sink", false);
  const sender = await helloPeer(context, "sender");
  const frame = JSON.stringify({ type: "msg", to: "sink", body: CJK_BODY }) +
    "\n";
  const routed = encoder.encode(
    JSON.stringify({ type: "msg", from: "sender", body: CJK_BODY }) + "\n",
  ).length;
  const limit = Math.min(context.maxBytes, 16 * MiB);
  const refused = () =>
    sender.frames.filter((f) =>
      f.code === "unknown_recipient" || f.code === "rate_limited"
    ).length;
  const start = performance.now();
  let sent = 0;
  while (
    refused() === 0 && !sender.ended && sent * routed < limit &&
    performance.now() - start < context.durationMs
  ) {
    await sender.write(frame);
    sent++;
    await sleep(20);
  }
  const droppedAfterMs = refused() > 0 ? performance.now() - start : null;
  await sleep(500);
  const accepted = sent - refused();
  const delivered = await sink.drain(1000);
  await Promise.all([sink.close(), sender.close()]);
  return {
    dropped: droppedAfterMs !== null,
    droppedAfterMs: droppedAfterMs === null ? null : Math.round(droppedAfterMs),
    messagesRouted: accepted,
    routedBytes: accepted * routed,
    deliveredBytes: delivered,
    discardedBytes: Math.max(0, accepted * routed - delivered),
    rateLimited: sender.frames.filter((f) => f.code === "rate_limited").length,
  };
}
