/**
 * Well-behaved witness clients for the hostile-input tests: each says
 * hello and pings on a steady beat while an attack runs, and the test
 * asserts that none was dropped and that their pongs kept flowing.
 *
 * @module
 */

import { RawClient } from "./server.ts";

/** What the witnesses saw. */
export interface WitnessReport {
  /** Witnesses the server closed or that got `bye`. */
  dropped: number;
  /** Pings sent, pongs received. */
  pings: number;
  /** Pongs received. */
  pongs: number;
  /** The 99th percentile of the pongs' round trips, in milliseconds. */
  p99: number;
  /** The slowest round trip, in milliseconds. */
  max: number;
}

/** A group of witnesses pinging until stopped. */
export class Witnesses {
  #clients: RawClient[];
  #timers: ReturnType<typeof setTimeout>[] = [];
  #sent = new Map<string, number>();
  #rtts: number[] = [];
  #pings = 0;

  private constructor(clients: RawClient[]) {
    this.#clients = clients;
  }

  /**
   * Connects `count` witnesses named `w0`… and starts their pings.
   *
   * @param port The server's port.
   * @param count How many.
   * @param everyMs The ping period.
   * @param hello Extra `hello` fields (a token) per witness name.
   */
  static async start(
    port: number,
    count = 20,
    everyMs = 200,
    hello: (name: string) => Record<string, unknown> = () => ({}),
  ): Promise<Witnesses> {
    const clients = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const client = await RawClient.connect(port);
        await client.send({ type: "hello", name: `w${i}`, ...hello(`w${i}`) });
        await client.waitFor((f) => f.type === "welcome", 10_000);
        return client;
      }),
    );
    const witnesses = new Witnesses(clients);
    clients.forEach((client, i) => {
      let seq = 0;
      const beat = () => {
        const s = ++seq;
        witnesses.#pings++;
        witnesses.#sent.set(`${i}:${s}`, performance.now());
        client.send({ type: "ping", seq: s }).catch(() => {});
      };
      // Spread over the period, as independent clients would be.
      const start = setTimeout(() => {
        beat();
        witnesses.#timers.push(setInterval(beat, everyMs));
      }, (everyMs * i) / count);
      witnesses.#timers.push(start);
      client.onFrame = (frame) => {
        if (frame.type !== "pong") return;
        const key = `${i}:${frame.seq}`;
        const at = witnesses.#sent.get(key);
        if (at === undefined) return;
        witnesses.#sent.delete(key);
        witnesses.#rtts.push(performance.now() - at);
      };
    });
    return witnesses;
  }

  /**
   * Stops the pings, waits for the last pongs, closes the witnesses.
   *
   * @returns What they saw.
   */
  async stop(): Promise<WitnessReport> {
    for (const timer of this.#timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const dropped =
      this.#clients.filter((c) =>
        c.eof || c.frames.some((f) => f.type === "bye")
      ).length;
    await Promise.all(this.#clients.map((c) => c.close()));
    const sorted = this.#rtts.toSorted((a, b) => a - b);
    const at = (q: number) =>
      sorted.length === 0
        ? Infinity
        : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    return {
      dropped,
      pings: this.#pings,
      pongs: sorted.length,
      p99: at(0.99),
      max: sorted.at(-1) ?? Infinity,
    };
  }
}
