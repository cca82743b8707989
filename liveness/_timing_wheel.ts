/**
 * A hashed timing wheel (Varghese & Lauck) with intrusive doubly linked
 * lists: the entries carry their own links, so moving one costs O(1) and
 * allocates nothing, and a sweep visits only the slots that came due.
 *
 * @module
 */

// The links a wheel keeps inside each entry, under symbols of this module:
// only the wheel reads or writes them.
/** The previous entry in the same slot. */
export const PREV: unique symbol = Symbol("lifeline.wheel.prev");
/** The next entry in the same slot. */
export const NEXT: unique symbol = Symbol("lifeline.wheel.next");
/** The slot index, or `-1` when not in a wheel (`-2`: taken out by a sweep). */
export const SLOT: unique symbol = Symbol("lifeline.wheel.slot");
/** The tick of the deadline, counted from the wheel's start. */
export const TICK: unique symbol = Symbol("lifeline.wheel.tick");
/** The next entry in a sweep's list of expired entries. */
export const DUE_NEXT: unique symbol = Symbol("lifeline.wheel.dueNext");

/**
 * Something with a deadline: extend this class to let a timing wheel track
 * it without allocating. The links it carries are the wheel's own (fields
 * under private symbols), so an entry costs no wrapper object and moving
 * its deadline costs O(1).
 *
 * @example Make a connection trackable
 * ```ts
 * import { DeadlineEntry } from "@lifeline/lifeline/liveness";
 * class Connection extends DeadlineEntry {
 *   constructor(readonly name: string) {
 *     super();
 *   }
 * }
 * console.log(new Connection("A").name); // "A"
 * ```
 */
export class DeadlineEntry {
  /** @ignore */
  [PREV]: DeadlineEntry | null = null;
  /** @ignore */
  [NEXT]: DeadlineEntry | null = null;
  /** @ignore */
  [SLOT]: number = -1;
  // The tick counted from the wheel's start, so that it stays a small
  // integer (V8 boxes a field holding a larger number in an object of its
  // own).
  /** @ignore */
  [TICK]: number = 0;
  /** @ignore */
  [DUE_NEXT]: DeadlineEntry | null = null;
}

const MAX_INT32 = 2 ** 31 - 1;

// The slot of an entry taken out by a sweep and not yet handed over.
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
 * import { DeadlineEntry, TimingWheel } from "./_timing_wheel.ts";
 * const wheel = new TimingWheel<DeadlineEntry>({ tickMs: 100, horizonMs: 1000 });
 * const a = new DeadlineEntry();
 * const b = new DeadlineEntry();
 * wheel.schedule(a, 250);
 * wheel.schedule(b, 900);
 * const expired: DeadlineEntry[] = [];
 * wheel.sweep(300, (entry) => expired.push(entry));
 * console.log(expired.length === 1 && expired[0] === a, wheel.size); // true 1
 * ```
 */
export class TimingWheel<E extends DeadlineEntry> {
  #tickMs: number;
  #slots: (DeadlineEntry | null)[];
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
    return entry[SLOT] >= 0;
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
    if (entry[SLOT] >= 0) {
      if (entry[TICK] === tick) return;
      this.#unlink(entry);
    } else {
      // Not in a slot (perhaps due in a sweep under way: that is cancelled).
      this.#size++;
    }
    entry[TICK] = tick;
    const slot = (tick % this.#slots.length) | 0;
    const head = this.#slots[slot];
    entry[SLOT] = slot;
    entry[PREV] = null;
    entry[NEXT] = head;
    if (head !== null) head[PREV] = entry;
    this.#slots[slot] = entry;
  }

  /**
   * Removes an entry; does nothing if it is not scheduled.
   *
   * @param entry The entry.
   */
  remove(entry: E): void {
    if (entry[SLOT] === DUE) entry[SLOT] = -1;
    if (entry[SLOT] < 0) return;
    this.#unlink(entry);
    entry[SLOT] = -1;
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
    let due: DeadlineEntry | null = null;
    for (let step = 1; step <= steps; step++) {
      const slot = (this.#lastTick + step) % count;
      let entry = slots[slot];
      while (entry !== null) {
        visited++;
        const next: DeadlineEntry | null = entry[NEXT];
        if (entry[TICK] <= tick) {
          this.#unlink(entry);
          entry[SLOT] = DUE;
          this.#size--;
          entry[DUE_NEXT] = due;
          due = entry;
        }
        entry = next;
      }
    }
    this.#lastTick = tick;
    this.#visited = visited;
    let expired = 0;
    while (due !== null) {
      const entry: DeadlineEntry = due;
      due = entry[DUE_NEXT];
      entry[DUE_NEXT] = null;
      // Skip an entry a callback removed or re-scheduled before its turn.
      if (entry[SLOT] !== DUE) continue;
      entry[SLOT] = -1;
      expired++;
      onExpire(entry as E);
    }
    return expired;
  }

  #unlink(entry: DeadlineEntry): void {
    const prev = entry[PREV];
    const next = entry[NEXT];
    if (prev !== null) prev[NEXT] = next;
    else this.#slots[entry[SLOT]] = next;
    if (next !== null) next[PREV] = prev;
    entry[PREV] = null;
    entry[NEXT] = null;
  }
}
