/**
 * A hashed timing wheel (Varghese & Lauck) with intrusive doubly linked
 * lists: the entries carry their own links, so moving one costs O(1) and
 * allocates nothing, and a sweep visits only the slots that came due.
 *
 * @module
 */

/**
 * The links a {@link TimingWheel} keeps inside each entry. Extend this
 * class (or declare the same fields) and leave the fields to the wheel.
 *
 * @example Make a session trackable by a wheel
 * ```ts
 * import { WheelEntry } from "@lifeline/lifeline/server";
 * class Session extends WheelEntry {
 *   constructor(readonly name: string) {
 *     super();
 *   }
 * }
 * console.log(new Session("A").wheelSlot); // -1
 * ```
 */
export class WheelEntry {
  /** The previous entry in the same slot, managed by the wheel. */
  wheelPrev: WheelEntry | null = null;
  /** The next entry in the same slot, managed by the wheel. */
  wheelNext: WheelEntry | null = null;
  /** The slot index the entry is in, or `-1` when not in a wheel. */
  wheelSlot: number = -1;
  /**
   * The tick at which the entry expires, counted from the wheel's start so
   * that it stays a small integer (V8 boxes a field holding a larger number
   * in a heap object of its own), managed by the wheel.
   */
  wheelTick: number = 0;
  /** The next entry in a sweep's list of expired entries, managed by the wheel. */
  wheelDueNext: WheelEntry | null = null;
}

const MAX_INT32 = 2 ** 31 - 1;

// `wheelSlot` of an entry taken out by a sweep and not yet handed over.
const DUE = -2;

/** Options for {@link TimingWheel}. */
export interface TimingWheelOptions {
  /** The length of one tick, in milliseconds. */
  tickMs: number;
  /**
   * How far ahead deadlines usually lie, in milliseconds. The wheel gets
   * `ceil(horizonMs / tickMs) + 2` slots, so an entry due within the horizon
   * is visited exactly once, by the sweep that expires it, even when it was
   * scheduled while a sweep ran up to one tick late. Entries further
   * out still work: they are passed over once per turn of the wheel.
   */
  horizonMs: number;
  /**
   * The time the wheel starts at, in milliseconds on the caller's clock.
   * @default {0}
   */
  startMs?: number;
}

/**
 * A hashed timing wheel. Each entry's deadline is rounded up to the next
 * tick boundary, so an entry never expires early and expires at the latest
 * one tick late. `touch()` re-files an entry only when that rounded tick
 * changes; `sweep()` walks only the slots between the last sweep and now,
 * at most once each, however late it runs.
 *
 * @typeParam E The entry type.
 *
 * @example Expire one of two entries
 * ```ts
 * import { TimingWheel, WheelEntry } from "@lifeline/lifeline/server";
 * const wheel = new TimingWheel<WheelEntry>({ tickMs: 100, horizonMs: 1000 });
 * const a = new WheelEntry();
 * const b = new WheelEntry();
 * wheel.schedule(a, 250);
 * wheel.schedule(b, 900);
 * const expired: WheelEntry[] = [];
 * wheel.sweep(300, (entry) => expired.push(entry));
 * console.log(expired.length === 1 && expired[0] === a, wheel.size); // true 1
 * ```
 */
export class TimingWheel<E extends WheelEntry> {
  #tickMs: number;
  #slots: (WheelEntry | null)[];
  #size = 0;
  // Ticks are counted from this one (the tick of `startMs`).
  #originTick: number;
  #lastTick = 0;
  #visited = 0;

  /**
   * Creates an empty wheel.
   *
   * @param options The tick length and the usual horizon.
   */
  constructor(options: TimingWheelOptions) {
    const { tickMs, horizonMs } = options;
    if (!(tickMs > 0) || !Number.isFinite(tickMs)) {
      throw new RangeError(
        `Cannot use tickMs ${tickMs}: expected a positive number`,
      );
    }
    if (!(horizonMs >= 0) || !Number.isFinite(horizonMs)) {
      throw new RangeError(
        `Cannot use horizonMs ${horizonMs}: expected a non-negative number`,
      );
    }
    this.#tickMs = tickMs;
    // A deadline `horizonMs` ahead of now lies at most ceil(horizon / tick)
    // + 1 ticks past now's tick, and the last swept tick may be one behind
    // now's (its timer fires after the boundary): two slots more than the
    // horizon spans, so such an entry never wraps into a slot swept early.
    this.#slots = new Array(Math.ceil(horizonMs / tickMs) + 2).fill(null);
    this.#originTick = Math.floor((options.startMs ?? 0) / tickMs);
  }

  /** The number of entries in the wheel. */
  get size(): number {
    return this.#size;
  }

  /** The number of slots. */
  get slotCount(): number {
    return this.#slots.length;
  }

  /** The tick length, in milliseconds. */
  get tickMs(): number {
    return this.#tickMs;
  }

  /** The time up to which the wheel has been swept, in milliseconds. */
  get sweptUntilMs(): number {
    return (this.#originTick + this.#lastTick) * this.#tickMs;
  }

  /**
   * How many entries the last {@link sweep} looked at, expired or not.
   * Benchmarks and tests use it to check that a sweep's cost follows the
   * number of expiring entries, not the number tracked.
   */
  get lastSweepVisited(): number {
    return this.#visited;
  }

  /**
   * Tells whether an entry is in this wheel (or any wheel).
   *
   * @param entry The entry.
   * @returns `true` when it is scheduled.
   */
  has(entry: E): boolean {
    return entry.wheelSlot >= 0;
  }

  /**
   * Schedules an entry, or moves it, to expire at `deadlineMs`. Costs O(1)
   * and allocates nothing; when the deadline rounds to the tick the entry
   * is already filed under, nothing moves at all.
   *
   * @param entry The entry.
   * @param deadlineMs When it expires, in milliseconds on the wheel's clock.
   */
  schedule(entry: E, deadlineMs: number): void {
    let tick = Math.ceil(deadlineMs / this.#tickMs) - this.#originTick;
    if (tick <= this.#lastTick) tick = this.#lastTick + 1;
    // `| 0` gives V8 an int32, which it stores inside the entry; the result
    // of Math.ceil would be kept as a boxed double even when whole.
    if (tick <= MAX_INT32) tick |= 0;
    if (entry.wheelSlot >= 0) {
      if (entry.wheelTick === tick) return;
      this.#unlink(entry);
    } else {
      // Not in a slot (perhaps due in a sweep under way: that is cancelled).
      this.#size++;
    }
    entry.wheelTick = tick;
    const slot = (tick % this.#slots.length) | 0;
    const head = this.#slots[slot];
    entry.wheelSlot = slot;
    entry.wheelPrev = null;
    entry.wheelNext = head;
    if (head !== null) head.wheelPrev = entry;
    this.#slots[slot] = entry;
  }

  /**
   * Removes an entry; does nothing if it is not scheduled.
   *
   * @param entry The entry.
   */
  remove(entry: E): void {
    if (entry.wheelSlot === DUE) entry.wheelSlot = -1;
    if (entry.wheelSlot < 0) return;
    this.#unlink(entry);
    entry.wheelSlot = -1;
    this.#size--;
  }

  /**
   * Expires every entry whose deadline is at or before the last tick
   * boundary at or before `nowMs`. Walks the slots of the ticks since the
   * last sweep, each at most once even when the sweep is late by more than
   * a whole turn. Expired entries are taken out of the wheel before
   * `onExpire` sees them, so the callback may schedule or remove any entry;
   * an entry removed or re-scheduled by an earlier callback of the same
   * sweep is not reported.
   *
   * @param nowMs The current time, in milliseconds on the wheel's clock.
   * @param onExpire Called once per expired entry.
   * @returns The number of entries expired.
   */
  sweep(nowMs: number, onExpire: (entry: E) => void): number {
    const tick = Math.floor(nowMs / this.#tickMs) - this.#originTick;
    this.#visited = 0;
    if (tick <= this.#lastTick) return 0;
    const slots = this.#slots;
    const count = slots.length;
    const steps = Math.min(tick - this.#lastTick, count);
    let visited = 0;
    // First unlink everything due into a private list, then call back.
    let due: WheelEntry | null = null;
    for (let step = 1; step <= steps; step++) {
      const slot = (this.#lastTick + step) % count;
      let entry = slots[slot];
      while (entry !== null) {
        visited++;
        const next: WheelEntry | null = entry.wheelNext;
        if (entry.wheelTick <= tick) {
          this.#unlink(entry);
          entry.wheelSlot = DUE;
          this.#size--;
          entry.wheelDueNext = due;
          due = entry;
        }
        entry = next;
      }
    }
    this.#lastTick = tick;
    this.#visited = visited;
    let expired = 0;
    while (due !== null) {
      const entry: WheelEntry = due;
      due = entry.wheelDueNext;
      entry.wheelDueNext = null;
      // Skip an entry a callback removed or re-scheduled before its turn.
      if (entry.wheelSlot !== DUE) continue;
      entry.wheelSlot = -1;
      expired++;
      onExpire(entry as E);
    }
    return expired;
  }

  #unlink(entry: WheelEntry): void {
    const prev = entry.wheelPrev;
    const next = entry.wheelNext;
    if (prev !== null) prev.wheelNext = next;
    else this.#slots[entry.wheelSlot] = next;
    if (next !== null) next.wheelPrev = prev;
    entry.wheelPrev = null;
    entry.wheelNext = null;
  }
}
