/**
 * One fake clock with fake timers for every timing test: inject `clock`
 * and `timers`, then `advance()` runs what falls due, in order, at its
 * time.
 *
 * @module
 */

import type { Clock, Timers } from "../../common/time.ts";

interface Pending {
  at: number;
  callback: () => void;
}

/** A manual clock and its timers. */
export class FakeTime implements Timers {
  /** The current time, in milliseconds. */
  now: number;
  /** Every delay asked of `setTimeout`, in order. */
  readonly delays: number[] = [];
  #next = 1;
  #pending = new Map<number, Pending>();

  /**
   * Starts the clock.
   *
   * @param start The time to start at.
   */
  constructor(start = 0) {
    this.now = start;
  }

  /** The clock to inject. */
  readonly clock: Clock = { now: (): number => this.now };

  /** The timers to inject (this object). */
  get timers(): Timers {
    return this;
  }

  /** Timers waiting. */
  get pending(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.delays.push(delayMs);
    this.#pending.set(id, { at: this.now + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.#pending.delete(id as number);
  }

  /**
   * Moves time forward by `ms`, running every timer due on the way.
   *
   * @param ms How far.
   */
  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  /**
   * Moves the clock to `to`, running every timer due on the way, each at
   * its own time (a timer left behind by a jump of `now` runs late, at
   * `now`).
   *
   * @param to The time to move to.
   */
  advanceTo(to: number): void {
    while (true) {
      let first: [number, Pending] | undefined;
      for (const entry of this.#pending) {
        if (entry[1].at <= to && (!first || entry[1].at < first[1].at)) {
          first = entry;
        }
      }
      if (!first) break;
      this.#pending.delete(first[0]);
      this.now = Math.max(this.now, first[1].at);
      first[1].callback();
    }
    this.now = to;
  }
}
