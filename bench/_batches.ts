/**
 * How bunched the load's heartbeats are: the load workers count, for each
 * turn of their timer wheel, how many heartbeats it wrote; this summarises
 * those counts. Clients that each keep their own time (the Go load
 * generator's goroutines) send one at a time; a wheel that ticks every 2 ms
 * sends the heartbeats of 2 ms together, which a server reads in fewer
 * wake-ups.
 *
 * @module
 */

/** Heartbeats per turn of the timer wheel, over the turns that sent any. */
export interface BatchSummary {
  /** Turns that wrote at least one heartbeat. */
  turns: number;
  /** Heartbeats per such turn, on average. */
  mean: number;
  /** The median. */
  p50: number;
  /** The 99th percentile. */
  p99: number;
  /** The largest. */
  max: number;
}

/**
 * Summarises `[heartbeats, turns]` pairs, leaving out the turns that wrote
 * none.
 *
 * @param pairs How many turns wrote each number of heartbeats.
 * @returns The summary (zeros when no turn wrote any).
 *
 * @example
 * ```ts
 * import { summariseBatches } from "./_batches.ts";
 * console.log(summariseBatches([[0, 50], [1, 60], [2, 30], [9, 10]]));
 * // { turns: 100, mean: 2.1, p50: 1, p99: 9, max: 9 }
 * ```
 */
export function summariseBatches(pairs: [number, number][]): BatchSummary {
  const sorted = pairs.filter(([size, turns]) => size > 0 && turns > 0)
    .sort((a, b) => a[0] - b[0]);
  const turns = sorted.reduce((n, [, count]) => n + count, 0);
  if (turns === 0) return { turns: 0, mean: 0, p50: 0, p99: 0, max: 0 };
  const frames = sorted.reduce((n, [size, count]) => n + size * count, 0);
  const rank = (p: number) => {
    const target = Math.max(1, Math.ceil(p * turns));
    let seen = 0;
    for (const [size, count] of sorted) {
      seen += count;
      if (seen >= target) return size;
    }
    return sorted[sorted.length - 1][0];
  };
  return {
    turns,
    mean: Math.round((frames / turns) * 100) / 100,
    p50: rank(0.5),
    p99: rank(0.99),
    max: sorted[sorted.length - 1][0],
  };
}
