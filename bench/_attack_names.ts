/**
 * Taking another client's name (issue 15, item 2), as the attacker process
 * runs it: a victim holds a name (and comes back 100 ms after it loses
 * it, as a supervised client would), while a taker connects 50 times a
 * second and claims the name, with a `hello` and with a Go-format frame
 * whose `Owner` is the name, in turn.
 *
 * @module
 */

import {
  type AttackContext,
  helloFrame,
  type Outcome,
} from "./_attack_types.ts";
import { RawPeer, sleep } from "./_raw_peer.ts";

const VICTIM = "victim";
const TAKE_EVERY_MS = 20;
const TAKER_HOLDS_MS = 1000;
const VICTIM_RETURNS_MS = 100;

/**
 * The victim's side: a client that pings every second like any other,
 * whether it holds its name, and for how long.
 */
class Victim {
  onlineSince: number | undefined;
  onlineMs = 0;
  sessions = 0;
  replaced = 0;
  /** Sessions lost for another reason than `replaced`. */
  lost = 0;
  #stopped = false;
  #peer: RawPeer | undefined;
  #loop: Promise<void> | undefined;
  #welcomed = Promise.withResolvers<void>();

  constructor(readonly context: AttackContext) {}

  /** Starts its loop; resolves at its first welcome. */
  start(): Promise<void> {
    this.#loop = this.#run();
    return this.#welcomed.promise;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const peer = await RawPeer.connect(
          this.context.hostname,
          this.context.port,
        );
        this.#peer = peer;
        await peer.send(
          helloFrame(VICTIM, await this.context.token?.(VICTIM)),
        );
        const welcome = await peer.waitFor((f) => f.type === "welcome", 2000);
        if (welcome !== undefined && !this.#stopped) {
          this.sessions++;
          this.onlineSince = performance.now();
          this.#welcomed.resolve();
          let seq = 0;
          const pinger = setInterval(() => {
            peer.send({ type: "ping", seq: ++seq }).catch(() => {});
          }, 1000);
          await peer.until(
            () => peer.frames.find((f) => f.type === "bye") ?? undefined,
            1e9,
          );
          clearInterval(pinger);
          this.#offline();
          if (peer.frames.some((f) => f.reason === "replaced")) {
            this.replaced++;
          } else if (!this.#stopped) this.lost++;
        }
        await peer.close();
      } catch {
        // Refused: try again.
      }
      if (!this.#stopped) await sleep(VICTIM_RETURNS_MS);
    }
  }

  #offline(): void {
    if (this.onlineSince === undefined) return;
    this.onlineMs += performance.now() - this.onlineSince;
    this.onlineSince = undefined;
  }

  /** Counts from now on. */
  reset(): void {
    this.onlineMs = 0;
    this.replaced = 0;
    this.lost = 0;
    if (this.onlineSince !== undefined) this.onlineSince = performance.now();
  }

  async stop(): Promise<void> {
    this.#offline();
    this.#stopped = true;
    await this.#peer?.close();
    await this.#loop;
  }
}

/** One attempt to take the name. */
/**
 * How a taker was answered: `welcomed`, `auth_failed` (an error or `bye`
 * that says so), `closed` without either (a Go-format taker is sent
 * nothing: closed when refused, or when the next taker replaces it), or
 * `open` (nothing within a second).
 */
type Taken = "welcomed" | "auth_failed" | "closed" | "open";

async function take(context: AttackContext, go: boolean): Promise<Taken> {
  let peer: RawPeer | undefined;
  try {
    peer = await RawPeer.connect(context.hostname, context.port, {
      timeoutMs: 1000,
    });
    // Without a token: the taker has none for the victim's name.
    await peer.write(
      go
        ? JSON.stringify({ MessageType: 1, Content: "mine", Owner: VICTIM }) +
          "\n"
        : JSON.stringify(helloFrame(VICTIM)) + "\n",
    );
    await peer.until(
      () => peer!.frames.some((f) => f.type === "welcome") || undefined,
      TAKER_HOLDS_MS,
    );
    if (peer.frames.some((f) => f.type === "welcome")) {
      await sleep(TAKER_HOLDS_MS);
      return "welcomed";
    }
    if (peer.frames.some((f) => f.reason === "auth_failed")) {
      return "auth_failed";
    }
    return peer.ended ? "closed" : "open";
  } catch {
    return "closed";
  } finally {
    await peer?.close();
  }
}

/**
 * Runs the name takeover for the attack's duration.
 *
 * @param context The server, its tokens (the victim alone gets one), the
 * bounds.
 * @returns The share of the attack the victim held its name, how often
 * it was replaced, and how the takers were answered.
 *
 * @example
 * ```ts ignore
 * import { nameTakeover } from "./_attack_names.ts";
 * console.log(await nameTakeover({ hostname: "127.0.0.1", port: 9090, durationMs: 10_000, maxBytes: 1 << 30, messageBytes: 10_240 }));
 * ```
 */
export async function nameTakeover(context: AttackContext): Promise<Outcome> {
  const victim = new Victim(context);
  await victim.start();
  victim.reset();
  const start = performance.now();
  const attempts: Promise<Taken>[] = [];
  for (let i = 0; performance.now() - start < context.durationMs; i++) {
    attempts.push(take(context, i % 2 === 1));
    await sleep(TAKE_EVERY_MS);
  }
  const windowMs = performance.now() - start;
  await victim.stop();
  const results = await Promise.all(attempts);
  const hellos = results.filter((_, i) => i % 2 === 0);
  const gos = results.filter((_, i) => i % 2 === 1);
  return {
    windowMs: Math.round(windowMs),
    onlinePercent: Math.round(1000 * victim.onlineMs / windowMs) / 10,
    replaced: victim.replaced,
    lost: victim.lost,
    attempts: results.length,
    helloTakers: hellos.length,
    helloTakersWelcomed: hellos.filter((r) => r === "welcomed").length,
    helloTakersAuthFailed: hellos.filter((r) => r === "auth_failed").length,
    goTakers: gos.length,
    goTakersClosed: gos.filter((r) => r === "closed").length,
  };
}
