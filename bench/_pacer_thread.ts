/**
 * The pacer's thread (see `_pacer.ts`): sleeps with `Atomics.wait`, which
 * takes fractions of a millisecond, until the next heartbeat of the
 * schedule is due, and posts the range of schedule entries due by then to
 * the load worker's main thread. It stops when the main thread sets the
 * shared flag.
 *
 * Started by `_pacer.ts` as a module worker.
 *
 * @module
 */

/** What the main thread sends to start the pacer. */
export interface PacerStart {
  /** Each entry's offset in the interval, ms, ascending. */
  offsets: Float64Array;
  /** The interval, ms. */
  intervalMs: number;
  /** When the first interval starts, on the wall clock (ms). */
  startAt: number;
  /** A flag the main thread sets to 1 to stop the pacer. */
  stop: Int32Array;
}

/** The longest single wait, so that a stop is seen soon. */
const MAX_WAIT_MS = 50;

function wall(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Posts `[from, count]` (entries `from` to `from + count - 1`, wrapping at
 * the end of the schedule) whenever entries come due, until stopped.
 *
 * @param start The schedule and the stop flag.
 * @param post Where the ranges go.
 */
export function pace(
  start: PacerStart,
  post: (range: [number, number]) => void,
): void {
  const { offsets, intervalMs, stop } = start;
  const n = offsets.length;
  if (n === 0) return;
  let cycle = start.startAt;
  let k = 0;
  while (Atomics.load(stop, 0) === 0) {
    const now = wall();
    // A thread that was not scheduled for over an interval skips ahead.
    if (now - (cycle + offsets[k]) > intervalMs) {
      cycle += Math.floor((now - cycle) / intervalMs) * intervalMs;
      k = 0;
    }
    const from = k;
    let sent = 0;
    while (sent < n && cycle + offsets[k] <= now) {
      k++;
      sent++;
      if (k === n) {
        k = 0;
        cycle += intervalMs;
      }
    }
    if (sent > 0) post([from, sent]);
    const wait = cycle + offsets[k] - wall();
    if (wait > 0) Atomics.wait(stop, 0, 0, Math.min(wait, MAX_WAIT_MS));
  }
}

// As a worker: the first message starts the pacer.
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<PacerStart>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
  WorkerGlobalScope?: unknown;
};
if (scope.WorkerGlobalScope !== undefined) {
  scope.onmessage = (event) => {
    pace(event.data, (range) => scope.postMessage(range));
    scope.close();
  };
}
