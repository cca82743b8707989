/**
 * `--workers N`: N server processes on one port (SO_REUSEPORT, the kernel
 * spreading the connections), each its own cluster node. A worker that
 * dies is started again after a jittered backoff (the backoff starts over
 * once a worker has run for half a minute); SIGTERM and SIGINT are passed
 * on, so every worker drains, and the supervisor exits once all are gone
 * (a second signal kills them).
 *
 * @module
 */

import { Backoff } from "../liveness/backoff.ts";

/** What the supervisor logs. */
export interface WorkerRecord {
  /** The event. */
  event: "worker";
  /** The worker's number, from 1. */
  worker: number;
  /** Its node id. */
  nodeId: string;
  /** What happened. */
  state: "started" | "exited" | "restarting";
  /** Its process id, once started. */
  pid?: number;
  /** Its exit code, once exited. */
  code?: number;
  /** The wait before its restart, in milliseconds. */
  delayMs?: number;
}

/** Options of {@link superviseWorkers}. */
export interface WorkersOptions {
  /** How many workers. */
  count: number;
  /** The server's arguments, without `--workers` and `--node-id`. */
  args: string[];
  /** The workers' node ids are this, `-1`, `-2`, ... */
  nodeIdBase: string;
  /** The server's main module. */
  main: string;
  /**
   * Logs a record.
   *
   * @param record The record.
   */
  log(record: WorkerRecord): void;
}

interface Worker {
  index: number;
  nodeId: string;
  child: Deno.ChildProcess | null;
  backoff: Backoff;
  startedAt: number;
  restart: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs the workers until a signal stops them.
 *
 * @param options How many, with which arguments, and the log.
 * @returns The exit code: 0 when every worker exited cleanly.
 */
export async function superviseWorkers(
  options: WorkersOptions,
): Promise<number> {
  let stopping = false;
  let signals = 0;
  const workers: Worker[] = Array.from({ length: options.count }, (_, i) => ({
    index: i + 1,
    nodeId: `${options.nodeIdBase}-${i + 1}`,
    child: null,
    backoff: new Backoff({ initialDelay: 500, maxDelay: 30_000 }),
    startedAt: 0,
    restart: undefined,
  }));
  const running = new Set<Promise<void>>();
  let failed = false;

  const start = (worker: Worker): void => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        options.main,
        ...options.args,
        "--reuse-port",
        "--node-id",
        worker.nodeId,
      ],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    worker.child = child;
    worker.startedAt = Date.now();
    worker.backoff.connected(worker.startedAt);
    options.log({
      event: "worker",
      worker: worker.index,
      nodeId: worker.nodeId,
      state: "started",
      pid: child.pid,
    });
    const watch = child.status.then((status) => {
      worker.child = null;
      options.log({
        event: "worker",
        worker: worker.index,
        nodeId: worker.nodeId,
        state: "exited",
        code: status.code,
      });
      if (stopping) {
        if (status.code !== 0) failed = true;
        return;
      }
      worker.backoff.disconnected(Date.now());
      const delayMs = worker.backoff.next();
      options.log({
        event: "worker",
        worker: worker.index,
        nodeId: worker.nodeId,
        state: "restarting",
        delayMs,
      });
      worker.restart = setTimeout(() => {
        worker.restart = undefined;
        if (!stopping) start(worker);
      }, delayMs);
    });
    running.add(watch);
    watch.finally(() => running.delete(watch));
  };

  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const onSignal = (signal: Deno.Signal) => () => {
    signals++;
    stopping = true;
    for (const worker of workers) {
      clearTimeout(worker.restart);
      try {
        worker.child?.kill(signals > 1 ? "SIGKILL" : signal);
      } catch {
        // Already gone.
      }
    }
    stop();
  };
  Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
  // Each worker reloads its TLS certificate on SIGHUP.
  Deno.addSignalListener("SIGHUP", () => {
    for (const worker of workers) {
      try {
        worker.child?.kill("SIGHUP");
      } catch {
        // Already gone.
      }
    }
  });
  Deno.addSignalListener("SIGINT", onSignal("SIGTERM"));
  for (const worker of workers) start(worker);
  await stopped;
  while (running.size > 0) await Promise.allSettled([...running]);
  return failed ? 1 : 0;
}
