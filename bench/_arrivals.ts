/**
 * How the load's heartbeats arrive. `wheel`, the default: each worker
 * process drives its clients from one timer wheel ticking every
 * `--client-tick` (2 ms), so a server reads the heartbeats of 2 ms of a
 * process together (about 20 at 10,000 clients at 1 Hz), in fewer wake-ups
 * than independent clients would cause. `uniform`: like independent
 * clients, each keeping its own time (as the Go load generator's goroutines
 * do): each client has its own random offset in the interval and a pacer
 * thread sends each heartbeat when it is due (`_pacer.ts`), and no process
 * sends more than {@link UNIFORM_PER_MS} heartbeats per millisecond on
 * average. (A finer wheel cannot do it: Deno runs a 1 ms `setInterval`
 * every 2.1 ms.) Each worker counts how many heartbeats it wrote at once
 * (see `_batches.ts`), so the report shows how bunched the arrivals were.
 *
 * @module
 */

/** How the load's heartbeats arrive. */
export type Arrivals = "wheel" | "uniform";

/** The arrival modes, in the order a run measures them. */
export const ARRIVALS: readonly Arrivals[] = ["wheel", "uniform"];

/** With `uniform`: heartbeats one process writes per millisecond, on average. */
export const UNIFORM_PER_MS = 3;

/** The load settings of an arrival mode. */
export interface ArrivalLoad {
  /** The wheel's tick, ms (with `pace`, it only opens connections). */
  tickMs: number;
  /** The most clients per load process. */
  perProcess: number;
  /** Whether each heartbeat goes at its own time, from the pacer. */
  pace: boolean;
}

/**
 * The wheel's tick and the clients per process for an arrival mode.
 *
 * @param arrivals The mode.
 * @param options The heartbeat interval, and the tick and clients per
 * process asked for (what `wheel` uses).
 * @returns The settings.
 *
 * @example
 * ```ts
 * import { arrivalLoad } from "./_arrivals.ts";
 * const asked = { intervalMs: 1000, tickMs: 2, perProcess: 15_000 };
 * console.log(arrivalLoad("wheel", asked), arrivalLoad("uniform", asked));
 * // { tickMs: 2, perProcess: 15000, pace: false } { tickMs: 2, perProcess: 3000, pace: true }
 * ```
 */
export function arrivalLoad(
  arrivals: Arrivals,
  options: { intervalMs: number; tickMs: number; perProcess: number },
): ArrivalLoad {
  if (arrivals === "wheel") {
    return {
      tickMs: options.tickMs,
      perProcess: options.perProcess,
      pace: false,
    };
  }
  return {
    tickMs: options.tickMs,
    pace: true,
    perProcess: Math.max(
      1,
      Math.min(
        options.perProcess,
        Math.floor(UNIFORM_PER_MS * options.intervalMs),
      ),
    ),
  };
}
