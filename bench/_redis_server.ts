/**
 * The cluster benchmark's Redis: Debian's `redis-server` on a loopback port
 * in a temporary directory, without persistence (`--save "" --appendonly
 * no`), started in the harness's own network namespace so that the servers
 * it runs reach it. Its `INFO commandstats` tells how many commands each
 * phase of a run cost.
 *
 * @module
 */

import { exitWithin } from "./_child.ts";

/** Calls per Redis command, from `INFO commandstats`. */
export type CommandCounts = Record<string, number>;

/**
 * Reads `INFO commandstats`: the calls of each command.
 *
 * @param text What `INFO commandstats` answered.
 * @returns Calls by command name.
 *
 * @example
 * ```ts
 * import { parseCommandStats } from "./_redis_server.ts";
 * const text = "# Commandstats\r\ncmdstat_evalsha:calls=12,usec=300,usec_per_call=25.00\r\ncmdstat_exists:calls=4,usec=4\r\n";
 * console.log(parseCommandStats(text)); // { evalsha: 12, exists: 4 }
 * ```
 */
export function parseCommandStats(text: string): CommandCounts {
  const counts: CommandCounts = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    counts[match[1]] = Number(match[2]);
  }
  return counts;
}

/**
 * What happened between two readings of `INFO commandstats`: the calls of
 * each command that was called, and their sum.
 *
 * @param before The first reading.
 * @param after The second.
 * @returns Calls by command, without the ones never called, and `total`.
 *
 * @example
 * ```ts
 * import { commandsBetween } from "./_redis_server.ts";
 * console.log(commandsBetween({ evalsha: 12, info: 3 }, { evalsha: 15, info: 4, exists: 2 }));
 * // { total: 6, calls: { evalsha: 3, info: 1, exists: 2 } }
 * ```
 */
export function commandsBetween(
  before: CommandCounts,
  after: CommandCounts,
): { total: number; calls: CommandCounts } {
  const calls: CommandCounts = {};
  let total = 0;
  for (const [name, count] of Object.entries(after)) {
    const diff = count - (before[name] ?? 0);
    if (diff > 0) {
      calls[name] = diff;
      total += diff;
    }
  }
  return { total, calls };
}

/** A running `redis-server`. */
export class RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  readonly #dir: string;
  #child: Deno.ChildProcess;

  private constructor(port: number, dir: string, child: Deno.ChildProcess) {
    this.port = port;
    this.#dir = dir;
    this.#child = child;
  }

  /** Its process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** The URL the servers join it with. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts one on a port and waits until it answers.
   *
   * @param port The port on 127.0.0.1.
   * @returns The server.
   * @throws {Error} When it does not answer within 5 s.
   */
  static async start(port: number): Promise<RedisServer> {
    const dir = await Deno.makeTempDir({ prefix: "bench_redis_" });
    const redis = new RedisServer(port, dir, spawn(port, dir));
    try {
      await redis.#answering();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  /** Kills it at once (SIGKILL, as a crash), keeping its directory. */
  async crash(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#child.status;
  }

  /**
   * Starts it again on the same port after {@link crash}, empty, and waits
   * until it answers.
   *
   * @throws {Error} When it does not answer within 5 s.
   */
  async restart(): Promise<void> {
    this.#child = spawn(this.port, this.#dir);
    await this.#answering();
  }

  async #answering(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await this.cli(["PING"])).includes("PONG")) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `redis-server did not answer on port ${this.port} within 5 s`,
    );
  }

  /**
   * Runs `redis-cli` against it.
   *
   * @param args The command.
   * @returns What it printed.
   */
  async cli(args: string[]): Promise<string> {
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(this.port), ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  }

  /**
   * The calls of each command so far (`INFO commandstats`).
   *
   * @returns Calls by command name.
   */
  async commandStats(): Promise<CommandCounts> {
    return parseCommandStats(await this.cli(["INFO", "commandstats"]));
  }

  /** Stops it and removes its directory. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    await exitWithin(this.#child, 3000);
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

function spawn(port: number, dir: string): Deno.ChildProcess {
  return new Deno.Command("redis-server", {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      // Room for every node's two connections and the harness's probes.
      "--maxclients",
      "1000",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}
