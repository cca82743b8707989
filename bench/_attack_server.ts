/**
 * A Lifeline server CLI run for one attack: from this checkout or another
 * revision's, on 127.0.0.1 port 0 (the port is read from its first log
 * line, JSON or text), optionally under a lower open-file limit
 * (`ulimit -n`), with its log read line by line, or left unread on demand
 * so that its stdout pipe fills up. It is stopped with SIGTERM (SIGKILL
 * after 5 s).
 *
 * @module
 */

import { exitWithin } from "./_child.ts";
import { readLines } from "./_lines.ts";

/** How to start the server. */
export interface AttackServerOptions {
  /** The checkout's root, with a trailing slash. */
  root: string;
  /** `--transport`. */
  transport: "node" | "deno";
  /** Whether it has `--log-format json` (else its text log is read). */
  jsonLog: boolean;
  /** Every other flag. */
  flags: string[];
  /**
   * The open-file limit to run it under.
   * @default {the benchmark's own}
   */
  openFiles?: number;
}

/**
 * The flags a server CLI lists in its `--help`, to tell what a revision
 * supports.
 *
 * @param root The checkout's root, with a trailing slash.
 * @returns Its flags, such as `--auth` and `--log-format`.
 * @throws {Error} When `--help` fails.
 *
 * @example
 * ```ts
 * import { serverFlags } from "./_attack_server.ts";
 * const flags = await serverFlags(new URL("../", import.meta.url).pathname);
 * console.log(flags.has("--log-format")); // true
 * ```
 */
export async function serverFlags(root: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}server/main.ts`, "--help"],
    cwd: root,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot read the flags of ${root}server/main.ts: ${
        new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)
      }`,
    );
  }
  const usage = new TextDecoder().decode(out.stdout);
  return new Set(usage.match(/--[a-z][a-z-]*/g) ?? []);
}

/**
 * A running server for one attack.
 *
 * @example
 * ```ts ignore
 * import { AttackServer } from "./_attack_server.ts";
 * const server = await AttackServer.start({ root: "./", transport: "node", jsonLog: true, flags: [] });
 * console.log(server.port);
 * await server.stop();
 * ```
 */
export class AttackServer {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** Its port. */
  port = 0;
  /** How many JSON log records of each event it wrote (JSON log only). */
  readonly events = new Map<string, number>();
  /** Log lines it dropped while its stdout was blocked (`log_dropped`). */
  logDropped = 0;
  #tail: string[] = [];
  #held = false;
  #resume: (() => void) | undefined;
  #reading: Promise<void>;
  #listening = Promise.withResolvers<number>();
  #jsonLog: boolean;

  private constructor(child: Deno.ChildProcess, jsonLog: boolean) {
    this.child = child;
    this.#jsonLog = jsonLog;
    this.#reading = Promise.all([
      this.#read(child.stdout, true),
      this.#read(child.stderr, false),
    ]).then(() => {
      this.#listening.reject(
        new Error(`The server exited at start:\n${this.tail}`),
      );
    });
    this.#listening.promise.catch(() => {});
  }

  /**
   * Starts the server and waits until it listens.
   *
   * @param options What to run, how.
   * @returns The server, with its port.
   * @throws {Error} When it exits first or does not listen within 30 s.
   */
  static async start(options: AttackServerOptions): Promise<AttackServer> {
    const args = [
      "run",
      "-A",
      `${options.root}server/main.ts`,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--transport",
      options.transport,
      ...(options.jsonLog ? ["--log-format", "json"] : []),
      ...options.flags,
    ];
    // `exec` keeps the pid: the limit applies to the server itself.
    const argv = options.openFiles === undefined
      ? [Deno.execPath(), ...args]
      : [
        "bash",
        "-c",
        `ulimit -n ${options.openFiles} && exec "$0" "$@"`,
        Deno.execPath(),
        ...args,
      ];
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.root,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const server = new AttackServer(child, options.jsonLog);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      server.port = await Promise.race([
        server.#listening.promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error("The server did not listen within 30 s")),
            30_000,
          );
        }),
      ]);
    } catch (error) {
      await server.stop();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return server;
  }

  /** The pid. */
  get pid(): number {
    return this.child.pid;
  }

  /** The last lines it logged. */
  get tail(): string {
    return this.#tail.join("\n");
  }

  /** Stops reading its stdout: once the pipe is full, its writes block. */
  hold(): void {
    this.#held = true;
  }

  /** Reads its stdout again. */
  release(): void {
    this.#held = false;
    this.#resume?.();
    this.#resume = undefined;
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    canHold: boolean,
  ): Promise<void> {
    // While held, the chunk in hand waits: the few already taken from the
    // pipe stay in the streams, and the rest fills the pipe.
    const gated = canHold
      ? stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform: async (chunk, controller) => {
            if (this.#held) {
              await new Promise<void>((resolve) => this.#resume = resolve);
            }
            controller.enqueue(chunk);
          },
        }),
      )
      : stream;
    for await (const line of readLines(gated)) this.#line(line);
  }

  #line(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > 20) this.#tail.shift();
    if (!this.#jsonLog) {
      const match = /listening on \S*:(\d+) /.exec(line);
      if (match) this.#listening.resolve(Number(match[1]));
      return;
    }
    let record: {
      event?: string;
      address?: { port: number };
      dropped?: number;
    };
    try {
      record = JSON.parse(line);
    } catch {
      return;
    }
    if (record.event === undefined) return;
    this.events.set(record.event, (this.events.get(record.event) ?? 0) + 1);
    if (record.event === "listening" && record.address) {
      this.#listening.resolve(record.address.port);
    }
    if (record.event === "log_dropped") this.logDropped += record.dropped ?? 0;
  }

  /** Stops it: reads its log again, SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    this.release();
    try {
      this.child.kill("SIGTERM");
    } catch {
      // Exited already.
    }
    await exitWithin(this.child, 5000);
    await this.#reading;
  }
}
