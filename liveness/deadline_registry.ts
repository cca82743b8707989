/**
 * Deadlines on a hashed timing wheel, swept by one shared ticker: the
 * entries past their deadline are handed to a callback, and a tick costs
 * what expires, not what is tracked.
 *
 * @module
 */

import {
  type Clock,
  globalTimers,
  monotonicClock,
  type Timers,
} from "../common/time.ts";
import { type DeadlineEntry, TimingWheel } from "./_timing_wheel.ts";

export { DeadlineEntry } from "./_timing_wheel.ts";

/** Options for {@link DeadlineRegistry}. */
export interface DeadlineRegistryOptions<E> {
  /**
   * The sweep period, in milliseconds. An entry expires at the first tick
   * boundary at or after its deadline, so at most one tick late (plus
   * however late the timer fires).
   */
  tickMs: number;
  /**
   * How far ahead deadlines usually lie, in milliseconds: the wheel gets
   * enough slots that such a deadline is visited once, by the sweep that
   * expires it. Further deadlines still work; they are passed over once per
   * turn of the wheel.
   */
  horizonMs: number;
  /**
   * Called once for each expired entry, which is no longer tracked by then.
   *
   * @param entry The entry.
   * @param nowMs The sweep's time.
   */
  onExpire(entry: E, nowMs: number): void;
  /**
   * Called after each sweep with what it cost, for metrics: how long it
   * took on the registry's clock and how many entries it expired. Left
   * out, a sweep reads the clock once, as it always did.
   *
   * @param durationMs The sweep's duration, in milliseconds.
   * @param expired The number of entries it expired.
   */
  onSweep?(durationMs: number, expired: number): void;
  /**
   * A tick that fires later than this after its boundary, in milliseconds,
   * skips its sweep once: the process was frozen or its event loop blocked,
   * and what arrived meanwhile must be read before any entry is judged
   * expired. `0` never skips.
   * @default {0}
   */
  stallMs?: number;
  /**
   * The clock.
   * @default {monotonicClock}
   */
  clock?: Clock;
  /**
   * The timers of the ticker started by `start()`.
   * @default {globalTimers}
   */
  timers?: Timers;
}

/**
 * Tracks explicit deadlines: `setDeadline()` files an entry in O(1) without
 * allocating, `sweep()` visits only the slots that came due since the last
 * sweep, and `start()` runs one timer on tick boundaries for all entries.
 * An entry is in at most one registry at a time.
 *
 * @typeParam E The entry type (a {@link DeadlineEntry}).
 *
 * @example Expire an entry at an explicit deadline, with an injected clock
 * ```ts
 * import { DeadlineEntry, DeadlineRegistry } from "@lifeline/lifeline/liveness";
 * let now = 0;
 * const expired: DeadlineEntry[] = [];
 * const registry = new DeadlineRegistry<DeadlineEntry>({
 *   tickMs: 100,
 *   horizonMs: 1000,
 *   clock: { now: () => now },
 *   onExpire: (entry) => expired.push(entry),
 * });
 * const entry = new DeadlineEntry();
 * registry.setDeadline(entry, 250);
 * now = 200;
 * registry.sweep();
 * now = 300;
 * registry.sweep();
 * console.log(expired.length, registry.size); // 1 0
 * ```
 */
export class DeadlineRegistry<E extends DeadlineEntry> {
  #wheel: TimingWheel<E>;
  #tickMs: number;
  #timers: Timers;
  #onExpire: (entry: E, nowMs: number) => void;
  #onSweep: ((durationMs: number, expired: number) => void) | undefined;
  #timer: unknown = undefined;
  #dueAt = 0;
  #stallMs: number;
  #skipped = false;
  #running = false;
  #sweepNow = 0;
  #expire: (entry: E) => void;
  #tick: () => void;
  /** The clock, for subclasses. */
  protected readonly clock: Clock;

  /**
   * Creates an empty registry. Call {@link start} to sweep on a timer, or
   * call {@link sweep} yourself.
   *
   * @param options The tick, the horizon, the callback, the clock and timers.
   */
  constructor(options: DeadlineRegistryOptions<E>) {
    const { tickMs, horizonMs } = options;
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) {
      throw new RangeError(
        `Cannot use tickMs ${tickMs}: expected a positive number`,
      );
    }
    this.#tickMs = tickMs;
    this.clock = options.clock ?? monotonicClock;
    this.#timers = options.timers ?? globalTimers;
    this.#onExpire = options.onExpire;
    this.#onSweep = options.onSweep;
    this.#stallMs = options.stallMs ?? 0;
    this.#wheel = new TimingWheel<E>({
      tickMs,
      horizonMs,
      startMs: this.clock.now(),
    });
    this.#expire = (entry) => this.#onExpire(entry, this.#sweepNow);
    this.#tick = () => {
      this.#timer = undefined;
      if (!this.#running) return;
      const now = this.clock.now();
      if (
        this.#stallMs > 0 && !this.#skipped && now - this.#dueAt > this.#stallMs
      ) {
        this.#skipped = true;
      } else {
        this.#skipped = false;
        this.sweep(now);
      }
      this.#arm();
    };
  }

  /** The number of tracked entries. */
  get size(): number {
    return this.#wheel.size;
  }

  /** The tick, in milliseconds. */
  get tickMs(): number {
    return this.#tickMs;
  }

  /** Whether the ticker runs. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Whether the ticker is overdue by more than `stallMs`, or skipped its
   * last sweep for being that late: what arrives now may have waited in
   * buffers while the process could not run, so its timing says nothing
   * about the peer. Always `false` without `stallMs`.
   *
   * @param nowMs The time, on the registry's clock.
   * @returns Whether the process is coming out of a stall.
   */
  isStalled(nowMs: number = this.clock.now()): boolean {
    if (this.#stallMs === 0 || !this.#running) return false;
    return this.#skipped || nowMs - this.#dueAt > this.#stallMs;
  }

  /**
   * Sets an entry's deadline (starts tracking it if it was not tracked).
   *
   * @param entry The entry.
   * @param deadlineMs The deadline, in milliseconds on the registry's clock.
   */
  setDeadline(entry: E, deadlineMs: number): void {
    this.#wheel.schedule(entry, deadlineMs);
  }

  /**
   * Stops tracking an entry; does nothing if it is not tracked.
   *
   * @param entry The entry.
   */
  remove(entry: E): void {
    this.#wheel.remove(entry);
  }

  /**
   * Tells whether an entry is tracked (by this registry or another).
   *
   * @param entry The entry.
   * @returns `true` when tracked.
   */
  has(entry: E): boolean {
    return this.#wheel.has(entry);
  }

  /**
   * Expires the entries past their deadline, calling `onExpire` for each
   * (then `onSweep`, when given, with the sweep's cost).
   *
   * @param nowMs The time of the sweep.
   * @returns The number expired.
   */
  sweep(nowMs: number = this.clock.now()): number {
    this.#sweepNow = nowMs;
    if (this.#onSweep === undefined) {
      return this.#wheel.sweep(nowMs, this.#expire);
    }
    const started = this.clock.now();
    const expired = this.#wheel.sweep(nowMs, this.#expire);
    this.#onSweep(this.clock.now() - started, expired);
    return expired;
  }

  /**
   * Starts the shared ticker: one timer for all entries, fired on tick
   * boundaries of the clock so a deadline is acted on at most one tick late.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  /** Stops the ticker. Entries stay tracked. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(): void {
    const now = this.clock.now();
    const next = (Math.floor(now / this.#tickMs) + 1) * this.#tickMs;
    this.#dueAt = next;
    this.#timer = this.#timers.setTimeout(
      this.#tick,
      Math.max(1, Math.ceil(next - now)),
    );
  }
}
