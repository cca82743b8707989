/**
 * Attacks on the server's connections, as the attacker process runs them:
 * a burst of connections past the open-file limit (issue 15, item 1), and
 * "slow headers", connections that trickle a `hello` they never finish or
 * chatter unknown frames without ever saying `hello`.
 *
 * @module
 */

import {
  type AttackContext,
  helloFrame,
  type Outcome,
} from "./_attack_types.ts";
import { RawPeer, sleep } from "./_raw_peer.ts";

/** Connections the burst opens at once. */
export const BURST = 1500;
const BURST_HOLD_MS = 2000;
const NEWCOMER_EVERY_MS = 250;
const NEWCOMER_WAIT_MS = 2000;
const MIN_NEWCOMER_WINDOW_MS = 3000;

interface Newcomer {
  /** When it was launched, ms after the burst was released. */
  launchedMs: number;
  /** When it was welcomed, ms after the burst was released; or null. */
  welcomedMs: number | null;
}

async function newcomer(
  context: AttackContext,
  name: string,
  releasedAt: number,
): Promise<Newcomer> {
  const launchedMs = performance.now() - releasedAt;
  let peer: RawPeer | undefined;
  try {
    peer = await RawPeer.connect(context.hostname, context.port, {
      timeoutMs: NEWCOMER_WAIT_MS,
    });
    await peer.send(helloFrame(name));
    const welcome = await peer.waitFor(
      (f) => f.type === "welcome",
      NEWCOMER_WAIT_MS - (performance.now() - releasedAt - launchedMs),
    );
    return {
      launchedMs,
      welcomedMs: welcome ? performance.now() - releasedAt : null,
    };
  } catch {
    return { launchedMs, welcomedMs: null };
  } finally {
    await peer?.close();
  }
}

function answer(peer: RawPeer | undefined): string {
  if (peer === undefined) return "no connection";
  if (peer.frames.some((f) => f.type === "welcome")) return "welcome";
  if (
    peer.frames.some((f) =>
      f.reason === "server_full" || f.code === "server_full"
    )
  ) return "server_full";
  return peer.frames.length === 0 ? "unanswered" : "other";
}

/**
 * Opens {@link BURST} connections at once, each saying `hello`, and holds
 * them for 2 s; then closes them all (the descriptors are free again) and
 * launches a newcomer every 250 ms for the rest of the attack (at least
 * 3 s), each given 2 s to be welcomed. Run against a server whose
 * open-file limit is below the burst (`ulimit -n 1100`).
 *
 * @param context The server and the bounds.
 * @returns How the burst was answered and how soon newcomers were served
 * again (`recoveryMs`: from the release to the first newcomer's welcome).
 *
 * @example
 * ```ts ignore
 * import { acceptBurst } from "./_attack_connections.ts";
 * console.log(await acceptBurst({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function acceptBurst(context: AttackContext): Promise<Outcome> {
  const start = performance.now();
  const peers = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      try {
        const peer = await RawPeer.connect(context.hostname, context.port, {
          timeoutMs: BURST_HOLD_MS,
        });
        peer.send(helloFrame(`burst${i}`)).catch(() => {});
        return peer;
      } catch {
        return undefined;
      }
    }),
  );
  await sleep(Math.max(0, BURST_HOLD_MS - (performance.now() - start)));
  const answers = peers.map(answer);
  const tally = (what: string) => answers.filter((a) => a === what).length;
  await Promise.all(peers.map((peer) => peer?.close()));
  const releasedAt = performance.now();
  const window = Math.max(
    MIN_NEWCOMER_WINDOW_MS,
    context.durationMs - (releasedAt - start),
  );
  const launched: Promise<Newcomer>[] = [];
  for (let i = 0; performance.now() - releasedAt < window; i++) {
    launched.push(newcomer(context, `newcomer${i}`, releasedAt));
    await sleep(NEWCOMER_EVERY_MS);
  }
  const newcomers = await Promise.all(launched);
  const welcomed = newcomers.filter((n) => n.welcomedMs !== null);
  // Newcomers launched a second or more after the release must be served.
  const late = newcomers.filter((n) => n.launchedMs >= 1000);
  return {
    burst: BURST,
    burstWelcomed: tally("welcome"),
    burstServerFull: tally("server_full"),
    burstOther: tally("other"),
    burstUnanswered: tally("unanswered"),
    burstNotConnected: tally("no connection"),
    newcomers: newcomers.length,
    newcomersWelcomed: welcomed.length,
    lateNewcomers: late.length,
    lateNewcomersWelcomed: late.filter((n) => n.welcomedMs !== null).length,
    recoveryMs: welcomed.length === 0
      ? null
      : Math.min(...welcomed.map((n) => n.welcomedMs!)),
  };
}

const TRICKLERS = 50;
const CHATTERERS = 20;
const TRICKLE_EVERY_MS = 100;

/**
 * "Slow headers": 50 connections send one byte of an unfinished `hello`
 * every 100 ms, and 20 send an unknown frame every 100 ms without ever
 * saying `hello`, until the server has cut them all or the attack's time
 * is up. A server must sweep them by its timeout at the latest.
 *
 * @param context The server and the bounds.
 * @returns How many of each the server cut, and when the last was cut.
 *
 * @example
 * ```ts ignore
 * import { slowHeaders } from "./_attack_connections.ts";
 * console.log(await slowHeaders({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function slowHeaders(context: AttackContext): Promise<Outcome> {
  const connect = (n: number) =>
    Promise.all(
      Array.from(
        { length: n },
        () => RawPeer.connect(context.hostname, context.port),
      ),
    );
  const tricklers = await connect(TRICKLERS);
  const chatterers = await connect(CHATTERERS);
  const trickle = '{"type":"hello","name":"slow"';
  const start = performance.now();
  const all = [...tricklers, ...chatterers];
  for (
    let i = 0;
    performance.now() - start < context.durationMs &&
    all.some((p) => !p.ended);
    i++
  ) {
    const byte = trickle[i % trickle.length];
    for (const p of tricklers) if (!p.ended) p.write(byte);
    for (const p of chatterers) {
      if (!p.ended) p.send({ type: "dance", i });
    }
    await sleep(TRICKLE_EVERY_MS);
  }
  const lastCut = (peers: RawPeer[]) => {
    const ended = peers.filter((p) => p.ended);
    return ended.length === 0
      ? null
      : Math.max(...ended.map((p) => p.endedAt! - start));
  };
  const outcome: Outcome = {
    windowMs: Math.round(performance.now() - start),
    tricklers: TRICKLERS,
    tricklersCut: tricklers.filter((p) => p.ended).length,
    lastTricklerCutMs: lastCut(tricklers),
    chatterers: CHATTERERS,
    chatterersCut: chatterers.filter((p) => p.ended).length,
    lastChattererCutMs: lastCut(chatterers),
  };
  await Promise.all(all.map((p) => p.close()));
  return outcome;
}
