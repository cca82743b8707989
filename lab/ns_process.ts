/**
 * A process the lab runs inside a network namespace, whose stdout and stderr
 * lines it records with their arrival time, and which it can wait on,
 * command through stdin, signal and stop.
 *
 * @module
 */

/** One line a process printed, with the time it arrived. */
export interface OutputLine {
  /** `Date.now()` when the lab read it. */
  at: number;
  stream: "stdout" | "stderr";
  text: string;
  /** The line parsed as JSON, when it is a JSON object. */
  json?: Record<string, unknown>;
}

/**
 * A process running in a namespace.
 *
 * @example Run a command and wait for a line
 * ```ts
 * import { NsProcess } from "./ns_process.ts";
 * await using process = new NsProcess(null, ["echo", '{"event":"hi"}']);
 * const line = await process.waitFor((l) => l.json?.event === "hi", 5000);
 * console.log(line?.text); // {"event":"hi"}
 * ```
 */
export class NsProcess {
  /** Every line printed so far. */
  readonly lines: OutputLine[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: (() => void)[] = [];
  #exited = false;
  /** Resolves with the exit code when the process ends. */
  readonly status: Promise<Deno.CommandStatus>;

  /**
   * Starts `command` inside `namespace` (or in the current one when null).
   *
   * @param namespace The namespace name, or null.
   * @param command The program and its arguments.
   */
  constructor(namespace: string | null, command: string[]) {
    const [program, ...args] = namespace === null
      ? command
      : ["ip", "netns", "exec", namespace, ...command];
    this.#child = new Deno.Command(program, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const readers = [
      this.#read(this.#child.stdout, "stdout"),
      this.#read(this.#child.stderr, "stderr"),
    ];
    this.status = this.#child.status.then(async (status) => {
      await Promise.all(readers);
      this.#exited = true;
      this.#wake();
      return status;
    });
  }

  /** The process id (with `ip netns exec`, the program's own pid). */
  get pid(): number {
    return this.#child.pid;
  }

  /** Whether the process has ended. */
  get exited(): boolean {
    return this.#exited;
  }

  async #read(
    stream: ReadableStream<Uint8Array>,
    name: "stdout" | "stderr",
  ): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      const at = Date.now();
      pending += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        this.#push(at, name, pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    }
    if (pending !== "") this.#push(Date.now(), name, pending);
  }

  #push(at: number, stream: "stdout" | "stderr", text: string): void {
    const line: OutputLine = { at, stream, text };
    if (text.startsWith("{")) {
      try {
        const value = JSON.parse(text);
        if (typeof value === "object" && value !== null) line.json = value;
      } catch { /* not JSON */ }
    }
    this.lines.push(line);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Waits for a line matching `predicate`, looking at lines from index
   * `from` on.
   *
   * @param predicate Decides whether a line is the one.
   * @param timeoutMs How long to wait at most.
   * @param from The first line index to consider.
   * @returns The line, or null on timeout or when the process ended first.
   */
  async waitFor(
    predicate: (line: OutputLine) => boolean,
    timeoutMs: number,
    from = 0,
  ): Promise<OutputLine | null> {
    const deadline = Date.now() + timeoutMs;
    let index = from;
    while (true) {
      for (; index < this.lines.length; index++) {
        if (predicate(this.lines[index])) return this.lines[index];
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#exited) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /**
   * Writes one line to the process's stdin.
   *
   * @param line The text, without newline.
   * @returns Nothing.
   */
  async send(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  /**
   * Sends a signal to the process, ignoring a process that already ended.
   *
   * @param signal The signal.
   */
  signal(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch { /* ended */ }
  }

  /**
   * Stops the process (SIGCONT first, in case it was frozen, then SIGKILL)
   * and waits for it.
   *
   * @returns Nothing.
   */
  async stop(): Promise<void> {
    if (!this.#exited) {
      this.signal("SIGCONT");
      this.signal("SIGKILL");
    }
    try {
      await this.#writer.close();
    } catch { /* stdin already gone */ }
    await this.status;
  }

  /** Stops the process; for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
