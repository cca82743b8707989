/**
 * A fixed-bucket histogram of round-trip times that load-generator workers
 * fill and the coordinator merges: 10 µs buckets up to 10 ms, then 1 ms
 * buckets up to 60 s. Cheap to record (one array increment), exact max.
 *
 * @module
 */

const FINE_BUCKETS = 1000; // 10 µs each: 0 .. 10 ms
const FINE_WIDTH_MS = 0.01;
const COARSE_BUCKETS = 60_000; // 1 ms each: 10 ms .. 60 s
const FINE_LIMIT_MS = FINE_BUCKETS * FINE_WIDTH_MS;

/** A histogram serialised as `[bucket, count]` pairs plus count and max. */
export interface HistogramJson {
  /** How many values were recorded. */
  count: number;
  /** The largest value recorded, in milliseconds. */
  max: number;
  /** Non-empty buckets as `[index, count]`. */
  buckets: [number, number][];
}

/** Round-trip times in milliseconds, bucketed. */
export class RttHistogram {
  #counts = new Uint32Array(FINE_BUCKETS + COARSE_BUCKETS);
  #count = 0;
  #max = 0;

  /** How many values were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The largest value recorded, in milliseconds (0 when empty). */
  get max(): number {
    return this.#max;
  }

  /**
   * Records one value.
   *
   * @param ms A round trip in milliseconds.
   */
  record(ms: number): void {
    if (!(ms >= 0)) ms = 0;
    let index: number;
    if (ms < FINE_LIMIT_MS) index = Math.floor(ms / FINE_WIDTH_MS);
    else {
      index = FINE_BUCKETS + Math.floor(ms - FINE_LIMIT_MS);
      if (index >= this.#counts.length) index = this.#counts.length - 1;
    }
    this.#counts[index]++;
    this.#count++;
    if (ms > this.#max) this.#max = ms;
  }

  /**
   * The value below which `p` of the recorded values fall (upper bucket
   * edge, capped at the max).
   *
   * @param p A fraction between 0 and 1.
   * @returns Milliseconds, or 0 when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(upperEdge(i), this.#max);
    }
    return this.#max;
  }

  /** Forgets every value. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#max = 0;
  }

  /**
   * Adds another histogram's values (as serialised by {@link toJSON}).
   *
   * @param other The serialised histogram.
   */
  merge(other: HistogramJson): void {
    for (const [index, count] of other.buckets) this.#counts[index] += count;
    this.#count += other.count;
    if (other.max > this.#max) this.#max = other.max;
  }

  /**
   * Serialises the non-empty buckets.
   *
   * @returns The JSON form.
   */
  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    for (let i = 0; i < this.#counts.length; i++) {
      if (this.#counts[i] > 0) buckets.push([i, this.#counts[i]]);
    }
    return { count: this.#count, max: this.#max, buckets };
  }
}

function upperEdge(index: number): number {
  if (index < FINE_BUCKETS) return (index + 1) * FINE_WIDTH_MS;
  return FINE_LIMIT_MS + (index - FINE_BUCKETS + 1);
}
