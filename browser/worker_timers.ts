/**
 * Timers that run in a dedicated Worker: a page's own timers are throttled
 * while it is hidden (to once a second, and after five minutes hidden, in
 * Chrome's intensive throttling, to once a minute), a dedicated worker's
 * are not, and the messages it posts back reach the page at once. So a
 * heartbeat scheduled on these timers keeps its interval in a background
 * tab.
 *
 * @module
 */

import { globalTimers, type Timers } from "../common/time.ts";

/** {@link Timers} backed by a dedicated Worker, with a fallback. */
export interface WorkerTimers extends Timers {
  /**
   * Whether the timers run in the worker: `false` where no worker could
   * be started (no `Worker`, a Content Security Policy without
   * `worker-src blob:`), in which case they are the page's own.
   */
  readonly inWorker: boolean;
  /** Stops the worker; pending timers move to the fallback. */
  terminate(): void;
}

// The worker's whole source: one timer per id, its firing posted back.
const SOURCE = `const timers = new Map();
onmessage = (event) => {
  const [id, delay] = event.data;
  if (delay < 0) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    return;
  }
  timers.set(id, setTimeout(() => {
    timers.delete(id);
    postMessage(id);
  }, delay));
};
`;

interface Pending {
  callback: () => void;
  at: number;
  fallbackId?: unknown;
}

/**
 * Makes timers that run in a dedicated Worker, started on first use (from
 * a `blob:` URL, so no file is fetched). Where a worker cannot be started, or
 * fails, they fall back to `fallback` (pending timers move over with what
 * is left of their delay).
 *
 * @param fallback The timers to use without a worker.
 * @returns The timers.
 *
 * @example Fire a timer from a worker, then stop it
 * ```ts
 * import { workerTimers } from "@lifeline/lifeline/browser";
 * const timers = workerTimers();
 * await new Promise<void>((resolve) => timers.setTimeout(resolve, 10));
 * console.log(timers.inWorker); // true
 * timers.terminate();
 * ```
 */
export function workerTimers(fallback: Timers = globalTimers): WorkerTimers {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let worker: Worker | undefined;

  const toFallback = () => {
    const stopped = worker;
    worker = undefined;
    stopped?.terminate();
    const now = Date.now();
    for (const [id, entry] of pending) {
      entry.fallbackId = fallback.setTimeout(
        () => fire(id),
        Math.max(0, entry.at - now),
      );
    }
  };
  const fire = (id: number) => {
    const entry = pending.get(id);
    if (entry === undefined) return;
    pending.delete(id);
    entry.callback();
  };

  // Started on first use: timers made and never used cost no thread.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    try {
      const url = URL.createObjectURL(
        new Blob([SOURCE], { type: "text/javascript" }),
      );
      worker = new Worker(url, { type: "module" });
      URL.revokeObjectURL(url);
      worker.onmessage = (event: MessageEvent<number>) => fire(event.data);
      worker.onerror = (event: Event) => {
        event.preventDefault();
        toFallback();
      };
    } catch {
      worker = undefined;
    }
  };

  return {
    get inWorker(): boolean {
      start();
      return worker !== undefined;
    },
    setTimeout(callback: () => void, delayMs: number): unknown {
      start();
      const id = ++nextId;
      const delay = Math.max(0, delayMs);
      const entry: Pending = { callback, at: Date.now() + delay };
      pending.set(id, entry);
      if (worker !== undefined) worker.postMessage([id, delay]);
      else entry.fallbackId = fallback.setTimeout(() => fire(id), delay);
      return id;
    },
    clearTimeout(id: unknown): void {
      const entry = pending.get(id as number);
      if (entry === undefined) return;
      pending.delete(id as number);
      if (entry.fallbackId !== undefined) {
        fallback.clearTimeout(entry.fallbackId);
      } else worker?.postMessage([id, -1]);
    },
    terminate(): void {
      started = true;
      if (worker !== undefined) toFallback();
    },
  };
}
