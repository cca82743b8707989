/**
 * The server CLI's log output: a bounded buffer written asynchronously, so
 * that a slow or blocked stdout (a pipe nobody reads, a stalled log
 * shipper) never blocks the event loop. `console.log` writes synchronously:
 * once such a pipe was full the whole server froze, and when it ran again
 * it timed out the clients it had not served meanwhile.
 *
 * Lines that do not fit in the buffer are dropped and counted; once
 * writing goes on, one line (made by the caller, in the log's format) tells
 * how many were dropped, at the place where they are missing.
 *
 * @module
 */

/** Where the lines go: `Deno.stdout`, or any writer of bytes. */
export interface LogOutput {
  /**
   * Writes some of the bytes.
   *
   * @param bytes The bytes.
   * @returns How many were written.
   */
  write(bytes: Uint8Array): Promise<number>;
}

/** Options for {@link LogWriter}. */
export interface LogWriterOptions {
  /**
   * Where the lines go.
   * @default {Deno.stdout}
   */
  output?: LogOutput;
  /**
   * The most text kept while the output is slow (in UTF-16 code units, about
   * bytes for log lines); a line that does not fit is dropped and counted.
   * @default {1048576}
   */
  maxBufferBytes?: number;
  /**
   * The line that tells how many lines were dropped, without its newline.
   *
   * @param dropped How many lines were dropped since the last such line.
   * @returns The line.
   */
  droppedNotice(dropped: number): string;
}

/**
 * The default {@link LogWriterOptions.maxBufferBytes}: 1 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_LOG_BUFFER_BYTES } from "./_log_writer.ts";
 * console.log(DEFAULT_LOG_BUFFER_BYTES); // 1048576
 * ```
 */
export const DEFAULT_LOG_BUFFER_BYTES = 1024 * 1024;

// One write takes at most about this much text.
const WRITE_BATCH = 64 * 1024;

const encoder = new TextEncoder();

/**
 * A log that never blocks: lines are queued and written by one pump at a
 * time, in order.
 *
 * @example Write two lines to a slow output
 * ```ts
 * import { LogWriter } from "./_log_writer.ts";
 * const written: string[] = [];
 * const log = new LogWriter({
 *   output: {
 *     write(bytes) {
 *       written.push(new TextDecoder().decode(bytes));
 *       return Promise.resolve(bytes.length);
 *     },
 *   },
 *   droppedNotice: (n) => `dropped ${n} lines`,
 * });
 * log.write("one");
 * log.write("two");
 * await log.flush();
 * console.log(written.join(""), log.droppedTotal); // "one\ntwo\n" 0
 * ```
 */
export class LogWriter {
  #output: LogOutput;
  #max: number;
  #notice: (dropped: number) => string;
  #lines: string[] = [];
  #queued = 0;
  // Dropped since the last notice, and ever.
  #dropping = 0;
  #dropped = 0;
  #pump: Promise<void> | null = null;
  #broken = false;

  /**
   * Creates the writer.
   *
   * @param options Where to write, the buffer's size, the notice's line.
   */
  constructor(options: LogWriterOptions) {
    this.#output = options.output ?? Deno.stdout;
    this.#max = options.maxBufferBytes ?? DEFAULT_LOG_BUFFER_BYTES;
    this.#notice = options.droppedNotice;
  }

  /**
   * Lines dropped since the writer was made, because the buffer was full
   * or the output failed (for a metric such as
   * `lifeline_log_lines_dropped_total`).
   */
  get droppedTotal(): number {
    return this.#dropped;
  }

  /**
   * Queues a line; never blocks. A line that does not fit is dropped and
   * counted.
   *
   * @param line The line, without its newline.
   */
  write(line: string): void {
    if (this.#broken || this.#queued + line.length + 1 > this.#max) {
      this.#dropping++;
      this.#dropped++;
      return;
    }
    this.#tellDropped();
    this.#push(line);
  }

  /**
   * Waits until everything queued is written, or `timeoutMs` passes (an
   * output that stays blocked must not hold up the exit).
   *
   * @param timeoutMs How long to wait at most, in milliseconds.
   * @returns A promise that settles when written, or at the timeout.
   */
  async flush(timeoutMs = Infinity): Promise<void> {
    if (this.#pump === null) return;
    if (timeoutMs === Infinity) {
      while (this.#pump !== null) await this.#pump;
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const drained = (async () => {
      while (this.#pump !== null) await this.#pump;
    })();
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
  }

  #push(line: string): void {
    this.#lines.push(line);
    this.#queued += line.length + 1;
    this.#pump ??= this.#run();
  }

  /** Queues the notice of the lines dropped since the last one, if any. */
  #tellDropped(): void {
    if (this.#dropping === 0 || this.#broken) return;
    const dropped = this.#dropping;
    this.#dropping = 0;
    this.#push(this.#notice(dropped));
  }

  async #run(): Promise<void> {
    try {
      while (this.#lines.length > 0 && !this.#broken) {
        let text = "";
        let taken = 0;
        while (taken < this.#lines.length && text.length < WRITE_BATCH) {
          text += this.#lines[taken++] + "\n";
        }
        this.#lines.splice(0, taken);
        const bytes = encoder.encode(text);
        try {
          let offset = 0;
          while (offset < bytes.length) {
            offset += await this.#output.write(bytes.subarray(offset));
          }
          this.#queued -= text.length;
        } catch {
          // The output is gone (a closed pipe): drop from now on, quietly.
          this.#broken = true;
          this.#dropped += taken + this.#lines.length;
          this.#lines = [];
          this.#queued = 0;
          return;
        }
        // The output kept up again: say what was lost meanwhile.
        if (this.#lines.length === 0) this.#tellDropped();
      }
    } finally {
      this.#pump = null;
    }
  }
}
