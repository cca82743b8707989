/**
 * The cluster under test: one `server/main.ts --workers N --reuse-port
 * --cluster URL` process, the supervisor, with its workers' JSON log (they
 * share its stdout) read line by line: which worker has which pid (the
 * `worker` events), how many listen, the `timeout` events since a mark, and
 * the `cluster` events (a node that lost Redis or was fenced).
 *
 * @module
 */

import { exitWithin } from "./_child.ts";
import { readLines } from "./_lines.ts";
import { wallNow } from "./_load_presence.ts";

/** Options of {@link ClusterProcess.start}. */
export interface ClusterProcessOptions {
  /** The address the workers listen on. */
  host: string;
  /** The port they share. */
  port: number;
  /** How many workers. */
  workers: number;
  /** Redis's URL. */
  redisUrl: string;
  /** The workers' node ids are this, `-1`, `-2`, ... */
  nodeIdBase: string;
  /** The server's other flags (interval, timeout, tick, node TTL). */
  flags: string[];
}

/** A `worker` event of the supervisor's log. */
export interface WorkerEvent {
  /** The worker's number, from 1. */
  worker: number;
  /** What happened. */
  state: "started" | "exited" | "restarting";
  /** Its pid, when started. */
  pid?: number;
  /** When the harness read it, on the wall clock. */
  at: number;
}

/** A `timeout` event of the workers' log. */
export interface TimeoutRecord {
  /** The client's name, `null` before its `hello`. */
  name: string | null;
  /** Its address and port. */
  peer: { hostname: string; port: number };
  /** How long it had been silent, ms. */
  silentMs: number;
  /** When the harness read it, on the wall clock. */
  at: number;
}

/** The supervisor and its workers. */
export class ClusterProcess {
  /** The supervisor. */
  readonly child: Deno.ChildProcess;
  readonly #workers: number;
  readonly #pids = new Map<number, number>();
  readonly #events: WorkerEvent[] = [];
  readonly #clusterEvents: string[] = [];
  #timeoutRecords: TimeoutRecord[] = [];
  #listening = 0;
  #timeouts = 0;
  #logDropped = 0;
  #tail: string[] = [];
  #readers: Promise<void>[];
  #exited = false;

  private constructor(child: Deno.ChildProcess, workers: number) {
    this.child = child;
    this.#workers = workers;
    child.status.then(() => this.#exited = true);
    this.#readers = [child.stdout, child.stderr].map((s) => this.#read(s));
  }

  /**
   * Starts the supervisor and waits until every worker listens.
   *
   * @param script The server's `main.ts`.
   * @param options Where, how many, and the flags.
   * @param timeoutMs How long the workers may take.
   * @returns The cluster.
   * @throws {Error} When it exits first or not every worker listens in time.
   */
  static async start(
    script: string,
    options: ClusterProcessOptions,
    timeoutMs = 60_000,
  ): Promise<ClusterProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        script,
        "--host",
        options.host,
        "--port",
        String(options.port),
        "--workers",
        String(options.workers),
        "--reuse-port",
        "--cluster",
        options.redisUrl,
        "--node-id",
        options.nodeIdBase,
        "--log-format",
        "json",
        // The load leaves before the servers stop: nothing to spread.
        "--drain",
        "0",
        ...options.flags,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const cluster = new ClusterProcess(child, options.workers);
    const deadline = Date.now() + timeoutMs;
    while (cluster.#listening < options.workers) {
      if (cluster.#exited) {
        await Promise.all(cluster.#readers);
        throw new Error(`The cluster exited at start:\n${cluster.tail}`);
      }
      if (Date.now() > deadline) {
        await cluster.stop();
        throw new Error(
          `Only ${cluster.#listening} of ${options.workers} workers listened within ${
            timeoutMs / 1000
          } s:\n${cluster.tail}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return cluster;
  }

  /** Each worker's pid now, by its number. */
  get pids(): Map<number, number> {
    return new Map(this.#pids);
  }

  /** The `worker` events so far. */
  get workerEvents(): WorkerEvent[] {
    return [...this.#events];
  }

  /** The `cluster` events so far, as logged. */
  get clusterEvents(): string[] {
    return [...this.#clusterEvents];
  }

  /** `listening` events so far (a restarted worker listens again). */
  get listening(): number {
    return this.#listening;
  }

  /** `timeout` events since {@link countFromNow}. */
  get timeouts(): number {
    return this.#timeouts;
  }

  /** Log lines the workers dropped while stdout was slow. */
  get logDropped(): number {
    return this.#logDropped;
  }

  /** The last lines logged. */
  get tail(): string {
    return this.#tail.join("\n");
  }

  /** The `timeout` events since {@link countFromNow}. */
  get timeoutRecords(): TimeoutRecord[] {
    return [...this.#timeoutRecords];
  }

  /** Starts counting `timeout` events from zero. */
  countFromNow(): void {
    this.#timeouts = 0;
    this.#timeoutRecords = [];
  }

  /**
   * Kills a worker at once (SIGKILL), as a crash would.
   *
   * @param worker Its number.
   * @returns When, on the wall clock.
   * @throws {RangeError} For a worker that is not running.
   */
  kill(worker: number): number {
    const pid = this.#pids.get(worker);
    if (pid === undefined) {
      throw new RangeError(`Cannot kill worker ${worker}: it is not running`);
    }
    const at = wallNow();
    Deno.kill(pid, "SIGKILL");
    return at;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const line of readLines(stream)) {
      // A hundred thousand `connect` lines go by: only a few events matter.
      if (line.includes('"event":"connect"')) continue;
      this.#tail.push(line);
      if (this.#tail.length > 20) this.#tail.shift();
      if (!line.startsWith("{")) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      switch (record.event) {
        case "listening":
          this.#listening++;
          break;
        case "timeout":
          this.#timeouts++;
          this.#timeoutRecords.push({
            name: typeof record.name === "string" ? record.name : null,
            peer: record.remoteAddr as TimeoutRecord["peer"],
            silentMs: Number(record.silentMs),
            at: wallNow(),
          });
          break;
        case "log_dropped":
          this.#logDropped += Number(record.dropped);
          break;
        case "cluster":
          this.#clusterEvents.push(line);
          break;
        case "worker": {
          const event: WorkerEvent = {
            worker: Number(record.worker),
            state: record.state as WorkerEvent["state"],
            at: wallNow(),
          };
          if (record.pid !== undefined) event.pid = Number(record.pid);
          this.#events.push(event);
          if (event.state === "started" && event.pid !== undefined) {
            this.#pids.set(event.worker, event.pid);
          } else if (event.state === "exited") {
            this.#pids.delete(event.worker);
          }
          break;
        }
      }
    }
  }

  /** The number of workers asked for. */
  get workers(): number {
    return this.#workers;
  }

  /** Stops the supervisor (SIGTERM, SIGKILL after 10 s) and its workers. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already exited */ }
    await exitWithin(this.child, 10_000);
    // A worker the supervisor could not stop must not outlive the run.
    for (const pid of this.#pids.values()) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await Promise.all(this.#readers);
  }
}
