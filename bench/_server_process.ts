/**
 * A server process the harness measures: started with its stdout and stderr
 * read line by line, counting the lines that report a client dropped for
 * silence, and stopped with SIGTERM (SIGKILL after 5 s).
 *
 * @module
 */

import { exitWithin } from "./_child.ts";
import { readLines } from "./_lines.ts";
import type { TimeoutLine } from "./_server_log.ts";

/** Options of {@link ServerProcess}. */
export interface ServerProcessOptions {
  /**
   * Recognises a timeout in the log; `null` counts none.
   * @default {null}
   */
  timeoutLine?: TimeoutLine | null;
  /**
   * The working directory.
   * @default {the harness's}
   */
  cwd?: string;
}

/**
 * A started server whose log is being read.
 *
 * @example Count the timeouts a program logs
 * ```ts
 * import { ServerProcess } from "./_server_process.ts";
 * import { isBaselineTimeout } from "./_server_log.ts";
 * const server = new ServerProcess(["sh", "-c", "sleep 0.2; echo timeout a; exec sleep 5"], {
 *   timeoutLine: isBaselineTimeout,
 * });
 * server.countFromNow();
 * await new Promise((resolve) => setTimeout(resolve, 1000));
 * await server.stop();
 * console.log(server.timeouts); // 1
 * ```
 */
export class ServerProcess {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** Its pid. */
  readonly pid: number;
  readonly #timeoutLine: TimeoutLine | null;
  #counting = false;
  #timeouts = 0;
  #tail: string[] = [];
  #readers: Promise<void>[];
  #exited = false;

  /**
   * Starts the server.
   *
   * @param argv The program and its arguments.
   * @param options How its log tells a timeout, and where it runs.
   */
  constructor(argv: string[], options: ServerProcessOptions = {}) {
    this.#timeoutLine = options.timeoutLine ?? null;
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.child.pid;
    this.child.status.then(() => this.#exited = true);
    this.#readers = [this.child.stdout, this.child.stderr].map((stream) =>
      this.#read(stream)
    );
  }

  /** Timeouts logged since {@link countFromNow}. */
  get timeouts(): number {
    return this.#timeouts;
  }

  /** The last lines the server logged. */
  get tail(): string {
    return this.#tail.join("\n");
  }

  /** Starts counting timeouts from zero. */
  countFromNow(): void {
    this.#counting = true;
    this.#timeouts = 0;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const line of readLines(stream)) {
      if (this.#counting && this.#timeoutLine?.(line)) this.#timeouts++;
      this.#tail.push(line);
      if (this.#tail.length > 20) this.#tail.shift();
    }
  }

  /**
   * Waits until the server accepts connections on `host:port`.
   *
   * @param host Its address.
   * @param port Its port.
   * @param timeoutMs How long to wait.
   * @throws {Error} When it exits first (with its last lines) or does not
   * listen in time.
   */
  async listening(
    host: string,
    port: number,
    timeoutMs = 20_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exited) {
        await Promise.all(this.#readers);
        throw new Error(`The server exited at start:\n${this.tail}`);
      }
      try {
        const conn = await Deno.connect({ hostname: host, port });
        conn.close();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(
      `The server did not listen on ${host}:${port} within ${
        timeoutMs / 1000
      } s`,
    );
  }

  /** Stops the server: SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already exited */ }
    await exitWithin(this.child, 5000);
    await Promise.all(this.#readers);
  }
}
