/**
 * A Redis server of a test's own (Debian's `redis-server`), on a free
 * loopback port in a temporary directory, stopped by the test.
 *
 * @module
 */

import { freePort } from "./net.ts";

/** Options of {@link RedisProcess.start}. */
export interface RedisOptions {
  /** Require this password. */
  password?: string;
}

/** A running `redis-server`. */
export class RedisProcess {
  readonly port: number;
  readonly dir: string;
  #password: string | undefined;
  #child: Deno.ChildProcess | null = null;

  private constructor(port: number, dir: string, password?: string) {
    this.port = port;
    this.dir = dir;
    this.#password = password;
  }

  /** Starts one and waits until it answers. */
  static async start(options: RedisOptions = {}): Promise<RedisProcess> {
    const dir = await Deno.makeTempDir({ prefix: "lifeline_redis_" });
    const redis = new RedisProcess(freePort(), dir, options.password);
    await redis.#spawn();
    return redis;
  }

  /** The URL servers join it with. */
  get url(): string {
    return this.#password === undefined
      ? `redis://127.0.0.1:${this.port}`
      : `redis://:${this.#password}@127.0.0.1:${this.port}`;
  }

  async #spawn(): Promise<void> {
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.dir,
      "--dbfilename",
      "dump.rdb",
    ];
    if (this.#password !== undefined) {
      args.push("--requirepass", this.#password);
    }
    this.#child = new Deno.Command("redis-server", {
      args,
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    for (let i = 0; i < 100; i++) {
      if ((await this.cli(["PING"])).includes("PONG")) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Runs `redis-cli` against it and returns its output. */
  async cli(args: string[]): Promise<string> {
    const auth = this.#password === undefined
      ? []
      : ["-a", this.#password, "--no-auth-warning"];
    const out = await new Deno.Command("redis-cli", {
      args: ["-p", String(this.port), ...auth, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout) +
      new TextDecoder().decode(out.stderr);
  }

  /** Kills it at once (SIGKILL), keeping its directory. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
  }

  /** Starts it again on the same port (loading dump.rdb if one was saved). */
  async restart(): Promise<void> {
    await this.#spawn();
  }

  /** Saves its data to dump.rdb (for a restart with its data). */
  async save(): Promise<void> {
    await this.cli(["SAVE"]);
  }

  /** Stops it and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
