/**
 * Reads a running server's policy from its `welcome`: connect, say
 * `hello`, read the first line, say `bye`. Internal to `doctor/`.
 *
 * @module
 */

import { encodeFrame } from "../protocol/encode.ts";
import type { HelloFrame } from "../protocol/frames.ts";
import { parseServerFrame } from "../protocol/parse.ts";
import { type ServerPolicy, serverPolicy } from "./_policy.ts";

/** Where a server listens. */
export interface ServerAddress {
  /** Its host name or address. */
  hostname: string;
  /** Its port. */
  port: number;
}

/** Options of {@linkcode readWelcome}. */
export interface WelcomeOptions {
  /**
   * The token for a server started with `--auth jwt`; its `sub` is the name
   * the doctor says hello with, unless `name` is given.
   *
   * @default {undefined}
   */
  token?: string;
  /**
   * The name to say hello with. A name that is online is replaced (its
   * connection closed by the server), so the default is one of its own.
   *
   * @default {"doctor-" and 8 random hexadecimal digits}
   */
  name?: string;
  /**
   * How long to wait for the connection and the answer, in milliseconds.
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

/** The name a token proves: its `sub`, read without checking the signature. */
function tokenSubject(token: string): string | undefined {
  try {
    const payload = token.split(".")[1].replaceAll("-", "+").replaceAll(
      "_",
      "/",
    );
    const sub = JSON.parse(atob(payload)).sub;
    return typeof sub === "string" ? sub : undefined;
  } catch {
    return undefined;
  }
}

async function firstLine(conn: Deno.Conn): Promise<string | undefined> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\n") && text.length < 65_536) {
    const n = await conn.read(buffer);
    if (n === null) return text.length > 0 ? text : undefined;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return text.split("\n")[0];
}

async function writeAll(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

/**
 * Connects to a Lifeline server, says `hello` and reads its policy from the
 * `welcome` it answers with, then says `bye` and closes. The welcome
 * carries the interval and the timeout; the tick and the ping rate limit
 * are taken as the server's defaults and listed in `assumed`.
 *
 * @param address Where the server listens.
 * @param options The token, the name, the time to wait.
 * @returns The policy.
 * @throws {Error} When the server cannot be reached, does not answer in
 * time, or answers with something other than a welcome.
 *
 * @example Read the policy of a server started for the example
 * ```ts
 * import { startServer } from "../server/mod.ts";
 * import { readWelcome } from "./_welcome.ts";
 * await using server = await startServer({ port: 0, interval: 2000, timeout: 6000 });
 * const policy = await readWelcome({ hostname: "127.0.0.1", port: server.addr.port });
 * console.log(policy.intervalMs, policy.timeoutMs, policy.assumed); // 2000 6000 [ "tick", "minPingInterval" ]
 * ```
 */
export async function readWelcome(
  address: ServerAddress,
  options: WelcomeOptions = {},
): Promise<ServerPolicy> {
  const where = `${address.hostname}:${address.port}`;
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 5000;
  let conn: Deno.TcpConn | undefined;
  const close = () => {
    try {
      conn?.close();
    } catch {
      // Already closed.
    }
  };
  // The signal ends a connect in progress; a read waits until the close.
  const timer = setTimeout(() => {
    controller.abort();
    close();
  }, timeoutMs);
  const cannot = (why: string) =>
    new Error(`Cannot read the policy of ${JSON.stringify(where)}: ${why}`);
  try {
    conn = await Deno.connect({ ...address, signal: controller.signal });
  } catch (error) {
    clearTimeout(timer);
    throw cannot(
      controller.signal.aborted
        ? `no connection within ${timeoutMs} ms`
        : (error as Error).message,
    );
  }
  try {
    const random = crypto.getRandomValues(new Uint8Array(4));
    const hello: HelloFrame = {
      type: "hello",
      name: options.name ??
        (options.token === undefined
          ? undefined
          : tokenSubject(options.token)) ??
        `doctor-${
          Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")
        }`,
      ...(options.token === undefined ? {} : { token: options.token }),
    };
    await writeAll(conn, encodeFrame(hello));
    let line: string | undefined;
    try {
      line = await firstLine(conn);
    } catch (error) {
      throw cannot(
        controller.signal.aborted
          ? `no answer within ${timeoutMs} ms`
          : (error as Error).message,
      );
    }
    if (line === undefined) throw cannot("the server closed the connection");
    const parsed = parseServerFrame(line);
    if (!parsed.ok || parsed.frame.type !== "welcome") {
      const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
      const hint = parsed.ok && parsed.frame.type === "error" &&
          parsed.frame.code === "auth_failed"
        ? " (a server started with --auth jwt needs --token)"
        : "";
      throw cannot(`expected a welcome, got ${shown}${hint}`);
    }
    await writeAll(conn, encodeFrame({ type: "bye" })).catch(() => {});
    return serverPolicy(parsed.frame.interval, parsed.frame.timeout, {
      source: `the welcome of ${where}`,
      assumed: ["tick", "minPingInterval"],
    });
  } finally {
    clearTimeout(timer);
    close();
  }
}
