/**
 * The small statistics the benchmarks share: a median, the latency
 * percentiles every report prints, and a seeded random generator for the
 * plans that must be the same on every run.
 *
 * @module
 */

/** Percentiles of latencies, in milliseconds. */
export interface Latencies {
  /** How many. */
  count: number;
  /** The median. */
  p50: number;
  /** The 99th percentile. */
  p99: number;
  /** The largest. */
  max: number;
}

/**
 * The median (the mean of the two middle values for an even count).
 *
 * @param values The values.
 * @returns Their median; `NaN` when there are none.
 *
 * @example
 * ```ts
 * import { median } from "./_stats.ts";
 * console.log(median([3, 1, 2]), median([4, 1, 3, 2]), median([])); // 2 2.5 NaN
 * ```
 */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Summarises latencies: nearest-rank percentiles.
 *
 * @param values Milliseconds.
 * @returns Count, median, 99th percentile and maximum (zeros when empty).
 *
 * @example
 * ```ts
 * import { latencies } from "./_stats.ts";
 * console.log(latencies([4, 1, 3, 2])); // { count: 4, p50: 2, p99: 4, max: 4 }
 * ```
 */
export function latencies(values: number[]): Latencies {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1],
  };
}

/**
 * A small, fast, seeded generator of uniform numbers in [0, 1)
 * (mulberry32), so that a plan drawn from a seed is the same on every run.
 *
 * @param seed Any 32-bit integer.
 * @returns The generator.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./_stats.ts";
 * const a = mulberry32(7), b = mulberry32(7);
 * console.log(a() === b(), a() < 1); // true true
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
