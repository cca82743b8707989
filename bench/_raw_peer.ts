/**
 * A raw TCP peer for the attack benchmark: it writes whatever it is told
 * (frames, garbage, floods), counts the bytes each way, keeps the frames
 * the server sends (bounded), and says when and how the server ended the
 * connection. Nothing here behaves well on purpose.
 *
 * @module
 */

import { type AttackContext, helloFrame } from "./_attack_types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_KEPT_FRAMES = 1000;

/** A frame the server sent, as parsed JSON (or the raw line). */
export type PeerFrame = Record<string, unknown> & { type?: string };

/** How a write of {@link RawPeer.writeFor} came back. */
export type WriteResult = "written" | "failed" | "blocked";

/**
 * One connection to the server under attack.
 *
 * @example Say hello and wait for the answer
 * ```ts ignore
 * import { RawPeer } from "./_raw_peer.ts";
 * const peer = await RawPeer.connect("127.0.0.1", 9090);
 * await peer.send({ type: "hello", name: "A" });
 * console.log((await peer.waitFor((f) => f.type === "welcome", 2000))?.id);
 * peer.close();
 * ```
 */
export class RawPeer {
  /** The connection. */
  readonly conn: Deno.TcpConn;
  /** The first frames the server sent (at most 1,000). */
  readonly frames: PeerFrame[] = [];
  /** Bytes the server sent. */
  bytesRead = 0;
  /** Bytes written to the connection (accepted by the kernel). */
  bytesWritten = 0;
  /** The largest line the server sent, in bytes. */
  largestLine = 0;
  /** When the server ended the connection (EOF or reset), `performance.now()`. */
  endedAt: number | undefined;
  /** When a write first failed, `performance.now()`. */
  writeFailedAt: number | undefined;
  #buffer = "";
  #reading: Promise<void>;
  #waiters = new Set<() => void>();
  #closed = false;
  #readerDone = false;

  private constructor(conn: Deno.TcpConn, read: boolean) {
    this.conn = conn;
    this.#reading = read ? this.#read() : Promise.resolve();
  }

  /**
   * Connects; with `read: false` the peer never reads (a slow reader).
   *
   * @param hostname The server's address.
   * @param port Its port.
   * @param options Whether to read, and how long the connect may take.
   * @returns The peer.
   * @throws {Error} When the connect fails or takes longer than `timeoutMs`.
   */
  static async connect(
    hostname: string,
    port: number,
    options: { read?: boolean; timeoutMs?: number } = {},
  ): Promise<RawPeer> {
    const connecting = Deno.connect({ hostname, port });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("Cannot connect: timed out")),
        options.timeoutMs ?? 10_000,
      );
    });
    try {
      const conn = await Promise.race([connecting, timeout]);
      return new RawPeer(conn, options.read ?? true);
    } catch (error) {
      // A connect that completes after the timeout is closed at once.
      connecting.then((conn) => conn.close(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the server ended the connection. */
  get ended(): boolean {
    return this.endedAt !== undefined;
  }

  async #read(): Promise<void> {
    const chunk = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.conn.read(chunk);
        if (n === null) break;
        this.bytesRead += n;
        this.#lines(decoder.decode(chunk.subarray(0, n), { stream: true }));
        this.#wake();
      }
    } catch {
      // Reset by the server, or closed by us.
    }
    if (!this.#closed) this.endedAt ??= performance.now();
    this.#readerDone = true;
    this.#wake();
  }

  #lines(text: string): void {
    this.#buffer += text;
    let newline: number;
    while ((newline = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line === "") continue;
      this.largestLine = Math.max(
        this.largestLine,
        encoder.encode(line).length,
      );
      if (this.frames.length < MAX_KEPT_FRAMES) {
        this.frames.push(parseLine(line));
      }
    }
    // A server that sends one endless line is not this peer's problem.
    if (this.#buffer.length > 1 << 20) this.#buffer = "";
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /**
   * Reads what the kernel holds for a peer made with `read: false`, until
   * EOF or `idleMs` without data.
   *
   * @param idleMs How long a silence ends the reading.
   * @returns The bytes read.
   */
  async drain(idleMs: number): Promise<number> {
    const chunk = new Uint8Array(65536);
    let total = 0;
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<"idle">((resolve) => {
        timer = setTimeout(() => resolve("idle"), idleMs);
      });
      try {
        const n = await Promise.race([this.conn.read(chunk), idle]);
        if (n === "idle" || n === null) return total;
        total += n;
      } catch {
        return total;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Writes text or bytes, all of it.
   *
   * @param data What to write.
   * @returns Whether it was all written.
   */
  async write(data: string | Uint8Array): Promise<boolean> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const n = await this.conn.write(bytes.subarray(offset));
        offset += n;
        this.bytesWritten += n;
      }
      return true;
    } catch {
      this.writeFailedAt ??= performance.now();
      return false;
    }
  }

  /**
   * Writes, but gives up waiting when the write stays pending for
   * `blockedMs` (the server has stopped reading).
   *
   * @param data What to write.
   * @param blockedMs How long a pending write may take.
   * @returns How it went.
   */
  async writeFor(
    data: string | Uint8Array,
    blockedMs: number,
  ): Promise<WriteResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const blocked = new Promise<"blocked">((resolve) => {
      timer = setTimeout(() => resolve("blocked"), blockedMs);
    });
    try {
      const done = await Promise.race([this.write(data), blocked]);
      return done === "blocked" ? "blocked" : done ? "written" : "failed";
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Writes one frame as a JSON line.
   *
   * @param frame The frame.
   * @returns Whether it was written.
   */
  send(frame: unknown): Promise<boolean> {
    return this.write(JSON.stringify(frame) + "\n");
  }

  /**
   * Waits for a frame (among the first kept) that matches, or for the end.
   *
   * @param match The test.
   * @param ms How long to wait.
   * @returns The frame, or `undefined` when it did not come.
   */
  waitFor(
    match: (frame: PeerFrame) => boolean,
    ms: number,
  ): Promise<PeerFrame | undefined> {
    return this.until(() => this.frames.find(match), ms);
  }

  /**
   * Waits until `check` returns something other than `undefined`, checked
   * on every read, or until the connection ends (or is closed) or `ms`
   * pass.
   *
   * @param check The condition.
   * @param ms How long to wait.
   * @returns What `check` returned last.
   */
  until<T>(check: () => T | undefined, ms: number): Promise<T | undefined> {
    const first = check();
    if (first !== undefined || this.#readerDone) return Promise.resolve(first);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(check());
      };
      const wake = () => {
        if (check() !== undefined || this.#readerDone) finish();
      };
      const timer = setTimeout(finish, ms);
      this.#waiters.add(wake);
    });
  }

  /** Closes the connection (once) and waits for the reader to end. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch {
        // Closed already.
      }
    }
    await this.#reading;
  }
}

/**
 * Connects and says `hello` (with a token when the context gives one),
 * and waits for `welcome`; a peer that does not read (`read: false`)
 * cannot see it, and waits 300 ms instead.
 *
 * @param context The server, and the tokens if any.
 * @param name The name.
 * @param read Whether the peer reads.
 * @returns The welcomed peer.
 * @throws {Error} When no `welcome` comes within 5 s.
 *
 * @example
 * ```ts ignore
 * import { helloPeer } from "./_raw_peer.ts";
 * const peer = await helloPeer({ hostname: "127.0.0.1", port: 9090 }, "A");
 * await peer.close();
 * ```
 */
export async function helloPeer(
  context: Pick<AttackContext, "hostname" | "port" | "token">,
  name: string,
  read = true,
): Promise<RawPeer> {
  const peer = await RawPeer.connect(context.hostname, context.port, { read });
  await peer.send(helloFrame(name, await context.token?.(name)));
  if (!read) {
    await sleep(300);
    return peer;
  }
  const welcome = await peer.waitFor((f) => f.type === "welcome", 5000);
  if (welcome === undefined) {
    await peer.close();
    throw new Error(
      `"${name}" was not welcomed: ${JSON.stringify(peer.frames.slice(0, 3))}`,
    );
  }
  return peer;
}

function parseLine(line: string): PeerFrame {
  try {
    const value = JSON.parse(line);
    if (typeof value === "object" && value !== null) return value;
  } catch {
    // Not JSON.
  }
  return { type: undefined, line: line.slice(0, 200) };
}

/**
 * Waits `ms` milliseconds.
 *
 * @param ms How long.
 * @returns A promise that resolves then.
 *
 * @example
 * ```ts
 * import { sleep } from "./_raw_peer.ts";
 * await sleep(1);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
