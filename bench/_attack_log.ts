/**
 * The load behind "a blocked log stops the server" (issue 15, item 5), as
 * the attacker process runs it: connections that come and go as fast as
 * they are answered, two log lines each, while the benchmark leaves the
 * server's stdout, a pipe, unread. The pipe fills within a second; what
 * the server does then is the attack.
 *
 * @module
 */

import {
  type AttackContext,
  helloFrame,
  type Outcome,
} from "./_attack_types.ts";
import { RawPeer } from "./_raw_peer.ts";

const CHURNERS = 20;
const ANSWER_WITHIN_MS = 1000;

/**
 * Runs 20 loops that each connect, say `hello`, wait for the answer (at
 * most 1 s) and close, until the attack's time is up.
 *
 * @param context The server and the bounds.
 * @returns Cycles answered, and cycles the server left unanswered.
 *
 * @example
 * ```ts ignore
 * import { logChurn } from "./_attack_log.ts";
 * console.log(await logChurn({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function logChurn(context: AttackContext): Promise<Outcome> {
  const start = performance.now();
  let answered = 0;
  let unanswered = 0;
  let lastAnsweredMs = 0;
  const loop = async (i: number) => {
    while (performance.now() - start < context.durationMs) {
      let peer: RawPeer | undefined;
      try {
        peer = await RawPeer.connect(context.hostname, context.port, {
          timeoutMs: ANSWER_WITHIN_MS,
        });
        await peer.send(helloFrame(`churn${i}`));
        const answer = await peer.until(
          () => peer!.frames[0],
          ANSWER_WITHIN_MS,
        );
        if (answer === undefined) unanswered++;
        else {
          answered++;
          lastAnsweredMs = performance.now() - start;
        }
      } catch {
        unanswered++;
      } finally {
        await peer?.close();
      }
    }
  };
  await Promise.all(Array.from({ length: CHURNERS }, (_, i) => loop(i)));
  return {
    churners: CHURNERS,
    answered,
    unanswered,
    lastAnsweredMs: Math.round(lastAnsweredMs),
  };
}
