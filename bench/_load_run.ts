/**
 * Coordinates the load generator's worker processes: splits the clients
 * between them (one process may hold at most 20,000 open files here), waits
 * until every worker has ramped, starts and stops the measurement, and merges
 * their reports. With a presence plan, each worker gets its part of it, and
 * with `sigstop` the frozen clients live in worker processes of their own,
 * which the coordinator stops (SIGSTOP) and resumes (SIGCONT) on time. It
 * hands each worker its share of the local ports (`_load_ports.ts`), and in
 * the cluster scenario routes the harness's commands (watch lists, churns,
 * silent clients) to the workers holding the clients they name.
 *
 * @module
 */

import { exitWithin } from "./_child.ts";
import { RttHistogram } from "./_histogram.ts";
import { readLines } from "./_lines.ts";
import { type ClusterLogReport, emptyClusterLog } from "./_load_cluster.ts";
import { splitPorts } from "./_load_ports.ts";
import type {
  LoadCounters,
  LoadProtocol,
  WorkerConfig,
  WorkerPresence,
  WorkerPresenceReport,
  WorkerReport,
} from "./_load_types.ts";
import type { PresencePlan } from "./_presence_plan.ts";

/** Options of a load run. */
export interface LoadOptions {
  /** The server's address. @default {"127.0.0.1"} */
  host?: string;
  /** The server's port. */
  port: number;
  /** How many connections to open in total. */
  clients: number;
  /** Milliseconds between two heartbeats of one connection. @default {1000} */
  intervalMs?: number;
  /** The wire format. @default {"lifeline"} */
  protocol?: LoadProtocol;
  /** Connect from 127.0.0.1 up to 127.0.0.<sources>. @default {8} */
  sources?: number;
  /** The most connections one worker process opens. @default {15000} */
  perProcess?: number;
  /** The timer wheel's tick in milliseconds. @default {2} */
  tickMs?: number;
  /**
   * Send each heartbeat at its client's own time (`_pacer.ts`) rather than
   * from the wheel's turns.
   * @default {false}
   */
  pace?: boolean;
  /** Connection attempts in flight per worker. @default {200} */
  concurrency?: number;
  /** Report `ramped` after this long even if clients are missing. @default {60000} */
  rampTimeoutMs?: number;
  /** Hard bound on a worker's life, in seconds. @default {600} */
  maxSeconds?: number;
  /** Client names start with this. @default {"bench-"} */
  namePrefix?: string;
  /** The presence scenario to carry out while measuring, if any. */
  presence?: PresencePlan;
  /**
   * Give every client a local port of its own (`_load_ports.ts`) rather
   * than let the kernel search for one.
   * @default {true}
   */
  ownPorts?: boolean;
  /**
   * The cluster scenario: clients the server closes connect again with
   * the Lifeline client's backoff, and the cluster commands work.
   * @default {false}
   */
  cluster?: boolean;
}

/** The merged state after the ramp. */
export interface RampInfo {
  /** Clients connected and past the handshake. */
  ready: number;
  /** Connection attempts that failed. */
  failed: number;
  /** Milliseconds until the slowest worker was done. */
  ms: number;
}

/** The merged report of every worker. */
export interface LoadReport extends LoadCounters {
  /** Connections open and past the handshake when the report was taken. */
  connections: number;
  /** Heartbeats per second during the measurement. */
  heartbeatsPerSecond: number;
  /** Seconds measured. */
  measureSeconds: number;
  /** Pong round trips in milliseconds (zero when the protocol has none). */
  rtt: { count: number; p50: number; p99: number; max: number };
  /** How many worker processes ran. */
  workers: number;
  /** What the workers saw and did of the presence scenario, merged. */
  presence?: WorkerPresenceReport;
}

const WORKER = new URL("./_load_worker.ts", import.meta.url).pathname;

interface Worker {
  child: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  ramped: Promise<RampInfo>;
  closed: Promise<void>;
  /** Who waits for the next answer of each event name, in order. */
  waiting: Map<string, ((event: Record<string, unknown>) => void)[]>;
  done: Promise<void>;
  /** Its clients: the first one's number and how many. */
  first: number;
  count: number;
  /** With `sigstop`: when this process is stopped, and for how long. */
  stop?: { atMs: number; forMs: number };
}

/**
 * A running load: worker processes with their connections open.
 *
 * @example
 * ```ts ignore
 * const run = LoadRun.start({ port: 9090, clients: 1000 });
 * await run.ramped;
 * run.measure();
 * await new Promise((r) => setTimeout(r, 10_000));
 * console.log(await run.report());
 * await run.close();
 * ```
 */
export class LoadRun {
  /** Resolves once every worker has opened its connections (or timed out). */
  readonly ramped: Promise<RampInfo>;
  #workers: Worker[];
  #target: number;
  #encoder = new TextEncoder();
  #stopTimers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(workers: Worker[], target: number) {
    this.#workers = workers;
    this.#target = target;
    this.ramped = Promise.all(workers.map((w) => w.ramped)).then((all) => ({
      ready: all.reduce((sum, r) => sum + r.ready, 0),
      failed: all.reduce((sum, r) => sum + r.failed, 0),
      ms: Math.max(...all.map((r) => r.ms)),
    }));
  }

  /**
   * Starts the worker processes; they begin connecting at once.
   *
   * @param options What to open.
   * @returns The run.
   */
  static start(options: LoadOptions): LoadRun {
    const perProcess = options.perProcess ?? 15000;
    const plan = options.presence;
    // With sigstop, the frozen clients (the last numbers) are in processes
    // of their own, one per planned freeze.
    const stopped = plan?.freezeBy === "sigstop" ? plan.frozen : 0;
    const regular = options.clients - stopped;
    const count = Math.max(1, Math.ceil(regular / perProcess));
    const shares: { first: number; count: number }[] = [];
    let first = 0;
    for (let w = 0; w < count; w++) {
      const share = Math.floor(regular / count) +
        (w < regular % count ? 1 : 0);
      shares.push({ first, count: share });
      first += share;
    }
    if (stopped > 0) {
      for (const f of plan!.freezes) {
        shares.push({ first: f.first, count: f.count });
      }
    }
    const sources = Array.from(
      { length: options.sources ?? 8 },
      (_, i) => `127.0.0.${i + 1}`,
    );
    const ports = options.ownPorts === false
      ? null
      : splitPorts(options.clients, sources.length, shares.length);
    const workers: Worker[] = [];
    for (const [w, { first, count: share }] of shares.entries()) {
      const config: WorkerConfig = {
        host: options.host ?? "127.0.0.1",
        port: options.port,
        sources,
        count: share,
        firstId: first,
        intervalMs: options.intervalMs ?? 1000,
        tickMs: options.tickMs ?? 2,
        ...(options.pace ? { pace: true } : {}),
        protocol: options.protocol ?? "lifeline",
        concurrency: options.concurrency ?? 200,
        rampTimeoutMs: options.rampTimeoutMs ?? 60000,
        maxSeconds: options.maxSeconds ?? 600,
        namePrefix: options.namePrefix ?? "bench-",
        ...(plan === undefined
          ? {}
          : { presence: workerPresence(plan, first, share, w >= count) }),
        ...(ports === null ? {} : { ports: ports[w] }),
        ...(options.cluster ? { cluster: true } : {}),
      };
      const worker = spawnWorker(config, first, share);
      if (w >= count) {
        const freeze = plan!.freezes[w - count];
        worker.stop = { atMs: freeze.atMs, forMs: freeze.forMs };
      }
      workers.push(worker);
    }
    return new LoadRun(workers, options.clients);
  }

  /**
   * Tells every worker to reset its counters and start measuring (and to
   * carry out its part of the presence plan); stops and resumes the
   * processes of the frozen clients on time.
   */
  async measure(): Promise<void> {
    await Promise.all(this.#workers.map((w) => this.#send(w, "measure")));
    for (const worker of this.#workers) {
      const stop = worker.stop;
      if (stop === undefined) continue;
      this.#later(stop.atMs, () => {
        signal(worker, "SIGSTOP");
        this.#later(stop.forMs, () => signal(worker, "SIGCONT"));
      });
    }
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#stopTimers.delete(timer);
      action();
    }, ms);
    this.#stopTimers.add(timer);
  }

  /** Cancels pending stops and resumes every stopped process. */
  #resumeAll(): void {
    for (const timer of this.#stopTimers) clearTimeout(timer);
    this.#stopTimers.clear();
    for (const worker of this.#workers) {
      if (worker.stop !== undefined) signal(worker, "SIGCONT");
    }
  }

  /**
   * Asks every worker for its figures since {@link measure} and merges them.
   *
   * @returns The merged report.
   */
  async report(): Promise<LoadReport> {
    const reports = await Promise.all(
      this.#workers.map((w) =>
        this.#ask(w, "report", "report") as Promise<unknown> as Promise<
          WorkerReport
        >
      ),
    );
    const histogram = new RttHistogram();
    const errors: Record<string, number> = {};
    const frames: Record<string, number> = {};
    let measureMs = 0;
    const sum = (key: keyof WorkerReport): number =>
      reports.reduce((total, r) => total + (r[key] as number), 0);
    for (const r of reports) {
      histogram.merge(r.rtt);
      measureMs = Math.max(measureMs, r.measureMs);
      for (const [code, n] of Object.entries(r.errors)) {
        errors[code] = (errors[code] ?? 0) + n;
      }
      for (const [what, n] of Object.entries(r.frames)) {
        frames[what] = (frames[what] ?? 0) + n;
      }
    }
    const heartbeats = sum("heartbeats");
    const batches = new Map<number, number>();
    for (const r of reports) {
      for (const [size, turns] of r.batches ?? []) {
        batches.set(size, (batches.get(size) ?? 0) + turns);
      }
    }
    return {
      target: this.#target,
      connections: sum("ready"),
      failed: sum("failed"),
      dropped: sum("dropped"),
      errors,
      frames,
      heartbeats,
      heartbeatsPerSecond: measureMs > 0 ? heartbeats / (measureMs / 1000) : 0,
      batches: [...batches].sort((a, b) => a[0] - b[0]),
      pongs: sum("pongs"),
      late: sum("late"),
      byes: sum("byes"),
      errorFrames: sum("errorFrames"),
      measureSeconds: measureMs / 1000,
      rtt: {
        count: histogram.count,
        p50: histogram.percentile(0.5),
        p99: histogram.percentile(0.99),
        max: histogram.max,
      },
      workers: this.#workers.length,
      ...(this.#workers.length > 0 && reports[0].presence !== undefined
        ? { presence: mergePresence(reports) }
        : {}),
      worstPerSecond: reports.reduce(
        (worst, r) =>
          worst.map((ms, i) => Math.max(ms, r.worstPerSecond[i] ?? 0)),
        Array.from(
          {
            length: Math.max(0, ...reports.map((r) => r.worstPerSecond.length)),
          },
          () => 0,
        ),
      ),
    };
  }

  /** Closes every connection and waits for the workers to exit. */
  async close(): Promise<void> {
    this.#resumeAll();
    await Promise.all(this.#workers.map(async (w) => {
      await this.#send(w, "close").catch(() => {});
      await w.writer.close().catch(() => {});
      await exitWithin(w.child, 10_000);
      await w.done;
    }));
  }

  /** Kills every worker at once (after an error). */
  async kill(): Promise<void> {
    this.#resumeAll();
    await Promise.all(this.#workers.map(async (w) => {
      try {
        w.child.kill("SIGKILL");
      } catch { /* already gone */ }
      await w.writer.close().catch(() => {});
      await w.child.status;
      await w.done;
    }));
  }

  /**
   * Where each client connects from: its local port, 0 when it is not
   * connected (the cluster scenario; the source is `127.0.0.(1 + id mod
   * sources)`).
   *
   * @returns The port of each client, by its number.
   */
  async addresses(): Promise<Int32Array> {
    const ports = new Int32Array(this.#target);
    await Promise.all(this.#workers.map(async (w) => {
      const answer = await this.#ask(w, "addresses", "addresses");
      ports.set(answer.ports as number[], answer.first as number);
    }));
    return ports;
  }

  /**
   * Clients watch more names (the cluster scenario): each worker sends its
   * clients' `watch` frames and answers once every new entry has had its
   * snapshot (or after 15 s).
   *
   * @param lists [watcher's number, watched clients' numbers].
   * @returns Entries asked for, and those without a snapshot.
   */
  async watch(
    lists: [number, number[]][],
  ): Promise<{ entries: number; missing: number }> {
    const answers = await Promise.all(
      this.#route(lists).map(([w, part]) =>
        this.#ask(w, `watch ${JSON.stringify(part)}`, "watched")
      ),
    );
    return {
      entries: answers.reduce((n, a) => n + (a.entries as number), 0),
      missing: answers.reduce((n, a) => n + (a.missing as number), 0),
    };
  }

  /**
   * Clients close their connections on purpose and open them again (the
   * cluster scenario's churn).
   *
   * @param plan [client's number, close after ms, reopen after ms], from now.
   */
  async churn(plan: [number, number, number][]): Promise<void> {
    await Promise.all(
      this.#route(plan).map(([w, part]) =>
        this.#ask(w, `churn ${JSON.stringify(part)}`, "churning")
      ),
    );
  }

  /**
   * Clients that, when the server closes them, notice only `forMs` later
   * (as when a server dies without a word).
   *
   * @param ids The clients' numbers.
   * @param forMs How long they take to notice.
   */
  async silence(ids: number[], forMs: number): Promise<void> {
    await Promise.all(
      this.#route(ids.map((id) => [id] as [number])).map(([w, part]) =>
        this.#ask(
          w,
          `silent ${JSON.stringify({ indices: part.map(([i]) => i), forMs })}`,
          "silenced",
        )
      ),
    );
  }

  /**
   * Every worker's cluster log, merged (the cluster scenario).
   *
   * @returns What the clients saw and did after the ramp.
   */
  async clusterReport(): Promise<ClusterLogReport> {
    const logs = await Promise.all(
      this.#workers.map((w) =>
        this.#ask(w, "cluster-report", "cluster-report")
      ),
    );
    const merged = emptyClusterLog();
    for (const log of logs as unknown as ClusterLogReport[]) {
      for (const key of Object.keys(merged) as (keyof ClusterLogReport)[]) {
        const into = merged[key] as unknown[];
        // One by one: a spread of a long list would pass the argument limit.
        for (const item of log[key]) into.push(item);
      }
    }
    return merged;
  }

  /**
   * Splits items that start with a client's number by the worker holding
   * that client, with the number turned into the index in that worker.
   */
  #route<T extends [number, ...unknown[]]>(items: T[]): [Worker, T[]][] {
    const parts = new Map<Worker, T[]>();
    for (const item of items) {
      const w = this.#workers.find((w) =>
        item[0] >= w.first && item[0] < w.first + w.count
      );
      if (w === undefined) {
        throw new RangeError(`Cannot find load client ${item[0]}`);
      }
      const local = [item[0] - w.first, ...item.slice(1)] as T;
      parts.set(w, [...(parts.get(w) ?? []), local]);
    }
    return [...parts];
  }

  /** Sends a command and waits for the worker's answer of that event. */
  async #ask(
    worker: Worker,
    command: string,
    event: string,
  ): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve) => {
      const queue = worker.waiting.get(event) ?? [];
      queue.push(resolve);
      worker.waiting.set(event, queue);
    });
    await this.#send(worker, command);
    return await answer;
  }

  async #send(worker: Worker, command: string): Promise<void> {
    await worker.writer.write(this.#encoder.encode(command + "\n"));
  }
}

function signal(worker: Worker, signo: "SIGSTOP" | "SIGCONT"): void {
  try {
    worker.child.kill(signo);
  } catch { /* already gone */ }
}

/**
 * A worker's part of the plan: its kills and (with `pause`) freezes, as
 * indices in the worker, and the clients whose silence it reports.
 */
function workerPresence(
  plan: PresencePlan,
  first: number,
  count: number,
  stopped: boolean,
): WorkerPresence {
  const mine = (id: number) => id >= first && id < first + count;
  const tracked: number[] = [];
  const freezes: [number, number, number][] = [];
  for (const f of plan.freezes) {
    for (let id = f.first; id < f.first + f.count; id++) {
      if (!mine(id)) continue;
      tracked.push(id - first);
      if (!stopped) freezes.push([id - first, f.atMs, f.forMs]);
    }
  }
  return {
    clients: plan.clients,
    watch: plan.watch,
    seed: plan.seed,
    kills: plan.kills.filter((k) => mine(k.id)).map((k) => [
      k.id - first,
      k.atMs,
    ]),
    freezes,
    tracked,
    stopped,
  };
}

function mergePresence(reports: WorkerReport[]): WorkerPresenceReport {
  const merged: WorkerPresenceReport = {
    receipts: [],
    kills: [],
    gaps: [],
    unwatched: 0,
    examples: [],
    snapshotMissing: 0,
    healthyMaxGapMs: 0,
  };
  for (const r of reports) {
    const p = r.presence;
    if (p === undefined) continue;
    // One by one: a spread of a long list would pass the argument limit.
    for (const receipt of p.receipts) merged.receipts.push(receipt);
    for (const kill of p.kills) merged.kills.push(kill);
    for (const gap of p.gaps) merged.gaps.push(gap);
    merged.unwatched += p.unwatched;
    merged.examples.push(...p.examples);
    merged.snapshotMissing += p.snapshotMissing;
    merged.healthyMaxGapMs = Math.max(
      merged.healthyMaxGapMs,
      p.healthyMaxGapMs,
    );
  }
  merged.examples = merged.examples.slice(0, 5);
  return merged;
}

function spawnWorker(
  config: WorkerConfig,
  first: number,
  count: number,
): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, JSON.stringify(config)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let onRamped!: (info: RampInfo) => void;
  let onRampFailed!: (error: Error) => void;
  const ramped = new Promise<RampInfo>((resolve, reject) => {
    onRamped = resolve;
    onRampFailed = reject;
  });
  ramped.catch(() => {});
  const waiting = new Map<
    string,
    ((event: Record<string, unknown>) => void)[]
  >();
  const done = (async () => {
    for await (const line of readLines(child.stdout)) {
      let event: { event?: string } & Record<string, unknown>;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      if (event.event === "ramped") onRamped(event as unknown as RampInfo);
      else if (typeof event.event === "string") {
        waiting.get(event.event)?.shift()?.(event);
      }
    }
    onRampFailed(new Error("Load worker exited before its ramp was done"));
  })();
  const writer = child.stdin.getWriter();
  return {
    child,
    writer,
    ramped,
    closed: child.status.then(() => {}),
    waiting,
    done,
    first,
    count,
  };
}
