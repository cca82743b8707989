/**
 * Witness clients: well-behaved clients that ping a server at a steady
 * pace while something hostile happens to it, and whose pongs must keep
 * flowing. A hostile peer may be refused, cut or slowed down; a witness
 * must never be dropped, and its round trips must stay bounded. The
 * hostile tests assert that (`tests/_helpers/witnesses.ts` re-exports this
 * module) and the attack benchmark (`bench/attacks.ts`) reports it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { RttHistogram } from "./_histogram.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How the witnesses behave. */
export interface WitnessOptions {
  /** How many. @default {20} */
  count?: number;
  /** Milliseconds between a witness's pings. @default {1000} */
  everyMs?: number;
  /** The server's host. @default {"127.0.0.1"} */
  hostname?: string;
  /** A prefix of their names. @default {"witness"} */
  name?: string;
  /**
   * The token each witness sends in its `hello`, for a server with
   * `--auth jwt`. @default {no token}
   */
  token?: (name: string) => string | Promise<string>;
}

/** What the witnesses saw, over all of them. */
export interface WitnessReport {
  /** Witnesses that got a `bye` or lost their connection, with why. */
  dropped: string[];
  /** Pings sent. */
  pings: number;
  /** Pongs received. */
  pongs: number;
  /** The fewest pongs one witness received. */
  fewestPongs: number;
  /** The median round trip, in milliseconds. */
  p50RttMs: number;
  /** The 99th percentile of the round trips, in milliseconds. */
  p99RttMs: number;
  /** The longest round trip, in milliseconds. */
  worstRttMs: number;
  /**
   * Pings of witnesses still connected at the end that had waited longer
   * than the ping period for their pong (round trips that are not in the
   * percentiles because they never finished).
   */
  unanswered: number;
  /**
   * The longest a witness went without a pong, in milliseconds (for a
   * dropped witness, until its drop).
   */
  worstGapMs: number;
}

class Witness {
  readonly name: string;
  readonly rtts: RttHistogram;
  #conn: Deno.TcpConn;
  #everyMs: number;
  #buffer = "";
  #seq = 0;
  #sent = new Map<number, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #reader: Promise<void>;
  #welcome = Promise.withResolvers<void>();
  pings = 0;
  pongs = 0;
  unanswered = 0;
  worstGapMs = 0;
  lastPongAt = 0;
  dropped: string | undefined;

  constructor(
    conn: Deno.TcpConn,
    name: string,
    everyMs: number,
    rtts: RttHistogram,
  ) {
    this.#conn = conn;
    this.name = name;
    this.#everyMs = everyMs;
    this.rtts = rtts;
    this.#reader = this.#read();
    // Awaited by start(); a witness whose start failed is not awaited.
    this.#welcome.promise.catch(() => {});
  }

  async start(token: string | undefined): Promise<void> {
    const hello = token === undefined
      ? { type: "hello", name: this.name }
      : { type: "hello", name: this.name, token };
    await this.#write(JSON.stringify(hello));
    await this.#welcome.promise;
    this.lastPongAt = performance.now();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.dropped !== undefined) return;
    this.#timer = setTimeout(() => {
      const seq = ++this.#seq;
      this.#sent.set(seq, performance.now());
      this.pings++;
      this.#write(JSON.stringify({ type: "ping", seq })).catch(() => {});
      this.#schedule();
    }, this.#everyMs);
  }

  async #write(line: string): Promise<void> {
    const bytes = encoder.encode(line + "\n");
    let offset = 0;
    while (offset < bytes.length) {
      offset += await this.#conn.write(bytes.subarray(offset));
    }
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(16384);
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        this.#buffer += decoder.decode(buffer.subarray(0, n), {
          stream: true,
        });
        let newline: number;
        while ((newline = this.#buffer.indexOf("\n")) >= 0) {
          const line = this.#buffer.slice(0, newline);
          this.#buffer = this.#buffer.slice(newline + 1);
          // Relayed messages are read (the server sees a reader that keeps
          // up) but not parsed: a witness only needs the other frames.
          if (line !== "" && !line.startsWith('{"type":"msg"')) {
            this.#frame(JSON.parse(line));
          }
        }
      }
      if (!this.#stopped) this.#drop("the server closed");
    } catch (error) {
      if (!this.#stopped) this.#drop((error as Error).message);
    }
    this.#welcome.reject(new Error(`${this.name} was never welcomed`));
  }

  #frame(frame: { type: string; seq?: number; reason?: string }): void {
    const now = performance.now();
    if (frame.type === "welcome") this.#welcome.resolve();
    if (frame.type === "bye") this.#drop(`bye ${frame.reason}`);
    if (frame.type === "pong" && frame.seq !== undefined) {
      const sentAt = this.#sent.get(frame.seq);
      this.#sent.delete(frame.seq);
      if (sentAt !== undefined) this.rtts.record(now - sentAt);
      this.worstGapMs = Math.max(this.worstGapMs, now - this.lastPongAt);
      this.lastPongAt = now;
      this.pongs++;
    }
  }

  /** Marks the witness dropped (once), its silence counted until now. */
  #drop(why: string): void {
    if (this.dropped !== undefined) return;
    this.dropped = `${this.name}: ${why}`;
    if (this.lastPongAt > 0) {
      this.worstGapMs = Math.max(
        this.worstGapMs,
        performance.now() - this.lastPongAt,
      );
    }
  }

  async stop(): Promise<void> {
    const now = performance.now();
    // A witness whose pongs stopped coming counts its silence until now,
    // and the pings that should have been answered by now.
    if (this.dropped === undefined) {
      this.worstGapMs = Math.max(this.worstGapMs, now - this.lastPongAt);
      for (const sentAt of this.#sent.values()) {
        if (now - sentAt >= this.#everyMs) this.unanswered++;
      }
    }
    this.#stopped = true;
    clearTimeout(this.#timer);
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#reader;
  }
}

/**
 * A group of witnesses on one server.
 *
 * @example Twenty witnesses ping a server while something happens to it
 * ```ts ignore
 * import { Witnesses } from "./_witnesses.ts";
 * const witnesses = await Witnesses.start(9090, { everyMs: 1000 });
 * await witnesses.untilEachPonged(2);
 * const report = await witnesses.stop();
 * console.log(report.dropped, report.p99RttMs);
 * ```
 */
export class Witnesses {
  #witnesses: Witness[];
  #rtts: RttHistogram;

  private constructor(witnesses: Witness[], rtts: RttHistogram) {
    this.#witnesses = witnesses;
    this.#rtts = rtts;
  }

  /**
   * Connects the witnesses, waits until every one is welcomed, and starts
   * their pings.
   *
   * @param port The server's port.
   * @param options How many, how often, where, with which token.
   * @returns The running witnesses.
   */
  static async start(
    port: number,
    options: WitnessOptions = {},
  ): Promise<Witnesses> {
    const count = options.count ?? 20;
    const hostname = options.hostname ?? "127.0.0.1";
    const prefix = options.name ?? "witness";
    const rtts = new RttHistogram();
    const witnesses = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const conn = await Deno.connect({ hostname, port });
        return new Witness(
          conn,
          `${prefix}${i}`,
          options.everyMs ?? 1000,
          rtts,
        );
      }),
    );
    const group = new Witnesses(witnesses, rtts);
    try {
      await Promise.all(
        witnesses.map(async (w) => w.start(await options.token?.(w.name))),
      );
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  /**
   * Waits until every witness has received `count` more pongs (or was
   * dropped); fails after `ms`.
   *
   * @param count Pongs each witness must receive from now on.
   * @param ms How long to wait at most.
   */
  async untilEachPonged(count: number, ms = 10_000): Promise<void> {
    const targets = this.#witnesses.map((w) => w.pongs + count);
    const deadline = performance.now() + ms;
    while (
      this.#witnesses.some((w, i) =>
        w.dropped === undefined && w.pongs < targets[i]
      )
    ) {
      if (performance.now() > deadline) {
        throw new Error(`Timed out waiting for ${count} pongs per witness`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Stops every witness and reports what they saw.
   *
   * @returns The report.
   */
  async stop(): Promise<WitnessReport> {
    await Promise.all(this.#witnesses.map((w) => w.stop()));
    const all = this.#witnesses;
    return {
      dropped: all.flatMap((w) => w.dropped === undefined ? [] : [w.dropped]),
      pings: all.reduce((sum, w) => sum + w.pings, 0),
      pongs: all.reduce((sum, w) => sum + w.pongs, 0),
      fewestPongs: Math.min(...all.map((w) => w.pongs)),
      p50RttMs: this.#rtts.percentile(0.5),
      p99RttMs: this.#rtts.percentile(0.99),
      worstRttMs: this.#rtts.max,
      unanswered: all.reduce((sum, w) => sum + w.unanswered, 0),
      worstGapMs: Math.max(...all.map((w) => w.worstGapMs)),
    };
  }

  /**
   * Stops the witnesses and asserts that none was dropped, that each got
   * pongs, and that no round trip and no wait between pongs passed the
   * bounds.
   *
   * @param bounds The longest round trip and the longest gap between two
   * pongs of one witness, in milliseconds.
   * @returns The report.
   */
  async assertHealthy(
    bounds: { maxRttMs: number; maxGapMs: number },
  ): Promise<WitnessReport> {
    const report = await this.stop();
    const summary = JSON.stringify(report);
    assert.deepEqual(report.dropped, [], `witnesses dropped: ${summary}`);
    assert.ok(report.fewestPongs > 0, `a witness got no pong: ${summary}`);
    assert.ok(
      report.worstRttMs <= bounds.maxRttMs,
      `a witness's round trip took too long: ${summary}`,
    );
    assert.ok(
      report.worstGapMs <= bounds.maxGapMs,
      `a witness waited too long for a pong: ${summary}`,
    );
    return report;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
