/**
 * Heartbeats at their own times, as independent clients send them: each
 * client of a load worker has its own offset in the interval (uniform at
 * random), and a thread of its own (`_pacer_thread.ts`) wakes when the next
 * one is due, to the tenth of a millisecond, and tells the main thread
 * which to send. A timer wheel cannot do this: Deno runs a 1 ms
 * `setInterval` every 2.1 ms here, so every turn sends 2 ms of heartbeats
 * together. The main thread stays in its event loop (a loop of
 * `setImmediate` that slept with `Atomics.wait` itself would not: Deno
 * polled its sockets only once in thirty of them).
 *
 * @module
 */

import type { PacerStart } from "./_pacer_thread.ts";

const THREAD = new URL("./_pacer_thread.ts", import.meta.url).href;

/** The heartbeat schedule of one load worker, driven by a thread. */
export class Pacer {
  readonly #order: Int32Array;
  readonly #worker: Worker;
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));

  /**
   * Draws each client's offset and starts the thread.
   *
   * @param count Clients.
   * @param intervalMs The heartbeat interval, ms.
   * @param beat Sends client `i`'s heartbeat; called in schedule order.
   * @param turned Called after each batch the thread hands over, with how
   * many entries it held.
   * @param random Uniform in [0, 1). @default {Math.random}
   */
  constructor(
    count: number,
    intervalMs: number,
    beat: (i: number) => void,
    turned: (entries: number) => void,
    random: () => number = Math.random,
  ) {
    const offsets = Float64Array.from(
      { length: count },
      () => random() * intervalMs,
    );
    const order = Int32Array.from({ length: count }, (_, i) => i);
    order.sort((a, b) => offsets[a] - offsets[b]);
    this.#order = order;
    const sorted = Float64Array.from(order, (i) => offsets[i]);
    this.#worker = new Worker(THREAD, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<[number, number]>) => {
      const [from, entries] = event.data;
      for (let j = 0; j < entries; j++) {
        beat(this.#order[(from + j) % count]);
      }
      turned(entries);
    };
    const start: PacerStart = {
      offsets: sorted,
      intervalMs,
      startAt: performance.timeOrigin + performance.now(),
      stop: this.#stop,
    };
    this.#worker.postMessage(start);
  }

  /** Stops the thread. */
  stop(): void {
    Atomics.store(this.#stop, 0, 1);
    Atomics.notify(this.#stop, 0);
    this.#worker.terminate();
  }
}
