/**
 * The server's command line as a process of a test's own, with its JSON
 * log read line by line.
 *
 * @module
 */

import { REPO } from "./run.ts";

/** One JSON log record. */
export type LogLine = Record<string, unknown> & { event: string };

/** A running `server/main.ts`. */
export class ServerProcess {
  readonly child: Deno.ChildProcess;
  readonly lines: LogLine[] = [];
  #waiters: {
    match: (l: LogLine) => boolean;
    resolve: (l: LogLine) => void;
  }[] = [];
  #done: Promise<void>;
  #stderr = "";

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#done = Promise.all([this.#read(), this.#readErr()]).then(() => {});
  }

  /**
   * Starts the server with `--log-format json` and the given flags; with
   * `wait`, until it listens (or, with `--workers`, until that many listen).
   */
  static async start(
    args: string[],
    options: { wait?: boolean; env?: Record<string, string> } = {},
  ): Promise<ServerProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "server/main.ts", "--log-format", "json", ...args],
      cwd: REPO,
      env: options.env,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const server = new ServerProcess(child);
    if (options.wait !== false) {
      const workers = Number(args[args.indexOf("--workers") + 1] ?? 0);
      const count = args.includes("--workers") ? workers : 1;
      for (let i = 0; i < count; i++) {
        await server.next((l) => l.event === "listening", 20_000, i);
      }
    }
    return server;
  }

  /** The port of the first listening record. */
  get port(): number {
    const listening = this.lines.find((l) => l.event === "listening");
    return (listening?.address as { port: number }).port;
  }

  /** What it wrote to stderr. */
  get stderr(): string {
    return this.#stderr;
  }

  async #read(): Promise<void> {
    let buffer = "";
    for await (
      const chunk of this.child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\n")) >= 0) {
        const text = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          continue;
        }
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.match(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    }
  }

  async #readErr(): Promise<void> {
    for await (
      const chunk of this.child.stderr.pipeThrough(new TextDecoderStream())
    ) {
      this.#stderr += chunk;
    }
  }

  /** The `nth` (from 0) record matching, waiting for it up to `ms`. */
  next(
    match: (l: LogLine) => boolean,
    ms = 10_000,
    nth = 0,
  ): Promise<LogLine> {
    const seen = this.lines.filter(match);
    if (seen.length > nth) return Promise.resolve(seen[nth]);
    let count = seen.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `No matching log line within ${ms}ms: ${
                JSON.stringify(this.lines.slice(-10))
              } ${this.#stderr}`,
            ),
          ),
        ms,
      );
      this.#waiters.push({
        match: (l) => match(l) && count++ === nth,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Sends a signal (ignored once the process is gone). */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch {
      // Gone.
    }
  }

  /** Waits for the exit and returns the code. */
  async exited(): Promise<number> {
    const status = await this.child.status;
    await this.#done;
    return status.code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGCONT");
    this.kill("SIGKILL");
    await this.exited();
  }
}
