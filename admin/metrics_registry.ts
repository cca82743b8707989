/**
 * A registry of metric families rendered in Prometheus's text exposition
 * format 0.0.4. Nothing is counted here: each family reads its value when
 * scraped, from counters the code keeps as plain numbers, so metrics cost
 * nothing between scrapes.
 *
 * @module
 */

import {
  escapeHelp,
  formatLabels,
  formatValue,
  type Labels,
} from "./_prom_text.ts";

export type { Labels } from "./_prom_text.ts";

/** The content type of {@link MetricsRegistry.render}'s text. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a counter or gauge. */
export interface Sample {
  /** Its labels, if the family has any. */
  labels?: Labels;
  /** Its value. */
  value: number;
}

/**
 * One histogram, as counted: per-bucket (not cumulative) counts, the last
 * for the values above the last bound, in the metric's unit.
 */
export interface HistogramSample {
  /** Its labels, if the family has any. */
  labels?: Labels;
  /** Ascending upper bounds, in the metric's unit. */
  bounds: readonly number[];
  /** Counts per bucket, `bounds.length + 1` of them. */
  counts: readonly number[];
  /** The sum of the observations, in the metric's unit. */
  sum: number;
  /** The number of observations. */
  count: number;
}

/** What a family's `collect` may return, at once or as a promise. */
export type Collected<T> = T | Promise<T>;

/** A counter or gauge family. */
export interface ValueFamilyOptions {
  /** The name: letters, digits, `_` and `:`; a counter's ends in `_total`. */
  name: string;
  /** One line for people: what it counts. */
  help: string;
  /**
   * Reads the value when scraped: one number, or one sample per label set.
   *
   * @returns The value or the samples.
   */
  collect(): Collected<number | Sample[]>;
}

/** A histogram family. */
export interface HistogramFamilyOptions {
  /** The name: letters, digits, `_` and `:`. */
  name: string;
  /** One line for people: what it measures. */
  help: string;
  /**
   * Reads the histogram(s) when scraped.
   *
   * @returns One histogram, or one per label set.
   */
  collect(): Collected<HistogramSample | HistogramSample[]>;
}

type Family =
  | { type: "counter" | "gauge"; options: ValueFamilyOptions }
  | { type: "histogram"; options: HistogramFamilyOptions };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Metric families, rendered on demand. Register counters, gauges and
 * histograms with a `collect` function each; {@link render} calls the
 * hooks given to {@link beforeCollect}, then every `collect`, and returns
 * the text a Prometheus server scrapes. Families may be added at any time
 * (a cluster adds its own gauges to the server's).
 *
 * @example A counter, a labelled gauge and a histogram
 * ```ts
 * import { MetricsRegistry } from "@lifeline/lifeline/admin";
 * let jobs = 0;
 * const registry = new MetricsRegistry()
 *   .counter({ name: "jobs_total", help: "Jobs done.", collect: () => jobs })
 *   .gauge({
 *     name: "queue_length",
 *     help: "Jobs waiting, by queue.",
 *     collect: () => [{ labels: { queue: "fast" }, value: 2 }],
 *   })
 *   .histogram({
 *     name: "job_seconds",
 *     help: "How long jobs took.",
 *     collect: () => ({ bounds: [0.1, 1], counts: [3, 1, 0], sum: 0.9, count: 4 }),
 *   });
 * jobs++;
 * const text = await registry.render();
 * console.log(text.includes("jobs_total 1\n")); // true
 * console.log(text.includes('queue_length{queue="fast"} 2\n')); // true
 * console.log(text.includes('job_seconds_bucket{le="1"} 4\n')); // true
 * ```
 */
export class MetricsRegistry {
  #families: Family[] = [];
  #names = new Set<string>();
  #hooks: (() => Collected<void>)[] = [];

  /** The registered families' names, in order. */
  get names(): string[] {
    return this.#families.map((family) => family.options.name);
  }

  /**
   * Registers a counter: a value that only goes up (until a restart).
   *
   * @param options Name (ending in `_total`), help and `collect`.
   * @returns This registry.
   * @throws {TypeError} For a bad or taken name.
   */
  counter(options: ValueFamilyOptions): this {
    if (!options.name.endsWith("_total")) {
      throw new TypeError(
        `Cannot register counter "${options.name}": expected a name ending in "_total"`,
      );
    }
    return this.#add({ type: "counter", options });
  }

  /**
   * Registers a gauge: a value that goes up and down.
   *
   * @param options Name, help and `collect`.
   * @returns This registry.
   * @throws {TypeError} For a bad or taken name.
   */
  gauge(options: ValueFamilyOptions): this {
    return this.#add({ type: "gauge", options });
  }

  /**
   * Registers a histogram: observations counted in fixed buckets.
   *
   * @param options Name, help and `collect`.
   * @returns This registry.
   * @throws {TypeError} For a bad or taken name.
   */
  histogram(options: HistogramFamilyOptions): this {
    return this.#add({ type: "histogram", options });
  }

  /**
   * Adds a hook that runs once at the start of every {@link render},
   * before any `collect`: the place to take one snapshot that several
   * families read.
   *
   * @param hook The hook.
   * @returns This registry.
   */
  beforeCollect(hook: () => Collected<void>): this {
    this.#hooks.push(hook);
    return this;
  }

  /**
   * Reads every family and formats it: `# HELP`, `# TYPE`, then the
   * samples (a histogram's as cumulative `_bucket` lines up to `+Inf`,
   * then `_sum` and `_count`).
   *
   * @returns The text, in exposition format 0.0.4.
   */
  async render(): Promise<string> {
    for (const hook of this.#hooks) await hook();
    const lines: string[] = [];
    for (const family of this.#families) {
      const { name, help } = family.options;
      lines.push(`# HELP ${name} ${escapeHelp(help)}`);
      lines.push(`# TYPE ${name} ${family.type}`);
      if (family.type === "histogram") {
        const collected = await family.options.collect();
        const samples = Array.isArray(collected) ? collected : [collected];
        for (const sample of samples) histogramLines(name, sample, lines);
      } else {
        const collected = await family.options.collect();
        if (typeof collected === "number") {
          lines.push(`${name} ${formatValue(collected)}`);
        } else {
          for (const sample of collected) {
            lines.push(
              `${name}${formatLabels(sample.labels)} ${
                formatValue(sample.value)
              }`,
            );
          }
        }
      }
    }
    lines.push("");
    return lines.join("\n");
  }

  #add(family: Family): this {
    const name = family.options.name;
    if (!NAME.test(name)) {
      throw new TypeError(
        `Cannot register metric "${name}": expected letters, digits, "_" and ":", not starting with a digit`,
      );
    }
    if (this.#names.has(name)) {
      throw new TypeError(
        `Cannot register metric "${name}": expected a name not registered already`,
      );
    }
    this.#names.add(name);
    this.#families.push(family);
    return this;
  }
}

function histogramLines(
  name: string,
  sample: HistogramSample,
  lines: string[],
): void {
  const { bounds, counts } = sample;
  if (counts.length !== bounds.length + 1) {
    throw new TypeError(
      `Cannot render histogram "${name}" with ${counts.length} counts: expected ${
        bounds.length + 1
      } (one per bound and one above)`,
    );
  }
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i];
    lines.push(
      `${name}_bucket${formatLabels(sample.labels, formatValue(bounds[i]))} ${
        formatValue(cumulative)
      }`,
    );
  }
  cumulative += counts[bounds.length];
  lines.push(
    `${name}_bucket${formatLabels(sample.labels, "+Inf")} ${
      formatValue(cumulative)
    }`,
  );
  lines.push(
    `${name}_sum${formatLabels(sample.labels)} ${formatValue(sample.sum)}`,
  );
  lines.push(
    `${name}_count${formatLabels(sample.labels)} ${formatValue(sample.count)}`,
  );
}
