/**
 * The heartbeat registry: every tracked connection has a deadline of its
 * last sign of life plus the timeout, pushed forward by `touch()`; the
 * shared ticker hands the connections past their deadline to a callback.
 *
 * @module
 */

import {
  DeadlineRegistry,
  type DeadlineRegistryOptions,
} from "./deadline_registry.ts";
import type { DeadlineEntry } from "./_timing_wheel.ts";

/** Options for {@link HeartbeatRegistry}. */
export interface HeartbeatRegistryOptions<E>
  extends Omit<DeadlineRegistryOptions<E>, "horizonMs"> {
  /** Silence, in milliseconds, after which an entry expires. */
  timeoutMs: number;
}

/**
 * A {@link DeadlineRegistry} whose deadlines are "timeout after the last
 * touch": `add()` and `touch()` set an entry's deadline to now +
 * `timeoutMs` in O(1) without allocating, and do not move it at all while
 * the deadline stays within the same tick. A silent entry expires within
 * `timeoutMs + tickMs` of its last touch.
 *
 * @typeParam E The entry type (a `DeadlineEntry`).
 *
 * @example Expire a silent entry with an injected clock
 * ```ts
 * import { DeadlineEntry, HeartbeatRegistry } from "@lifeline/lifeline/liveness";
 * let now = 0;
 * const expired: DeadlineEntry[] = [];
 * const registry = new HeartbeatRegistry<DeadlineEntry>({
 *   timeoutMs: 1000,
 *   tickMs: 100,
 *   clock: { now: () => now },
 *   onExpire: (entry) => expired.push(entry),
 * });
 * const quiet = new DeadlineEntry();
 * const chatty = new DeadlineEntry();
 * registry.add(quiet);
 * registry.add(chatty);
 * now = 900;
 * registry.touch(chatty);
 * now = 1000;
 * registry.sweep();
 * console.log(expired.length === 1 && expired[0] === quiet); // true
 * ```
 */
export class HeartbeatRegistry<E extends DeadlineEntry>
  extends DeadlineRegistry<E> {
  #timeoutMs: number;

  /**
   * Creates an empty registry.
   *
   * @param options The timeout, the tick, the callback, the clock and timers.
   */
  constructor(options: HeartbeatRegistryOptions<E>) {
    const { timeoutMs } = options;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(
        `Cannot use timeoutMs ${timeoutMs}: expected a positive number`,
      );
    }
    super({ ...options, horizonMs: timeoutMs });
    this.#timeoutMs = timeoutMs;
  }

  /** The timeout, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Starts tracking an entry with a deadline of now + timeout.
   *
   * @param entry The entry.
   * @returns The time used, in milliseconds.
   */
  add(entry: E): number {
    return this.touch(entry);
  }

  /**
   * Pushes an entry's deadline to now + timeout (starts tracking it if it
   * was not tracked).
   *
   * @param entry The entry.
   * @returns The time used, in milliseconds.
   */
  touch(entry: E): number {
    const now = this.clock.now();
    this.setDeadline(entry, now + this.#timeoutMs);
    return now;
  }
}
