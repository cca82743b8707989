/**
 * The client's default clock: monotonic, but aware of sleep.
 *
 * @module
 */

/**
 * Makes a clock that follows monotonic time (so setting the wall clock back
 * never freezes the liveness check) and adopts every forward jump of the
 * wall clock (so a laptop that slept, during which monotonic time stops on
 * Linux, sees on waking how long it was away). It never goes backwards.
 *
 * @param wall The wall clock in milliseconds.
 * @param monotonic A monotonic clock in milliseconds.
 * @returns The clock, in milliseconds on the wall clock's scale.
 */
export function sleepAwareClock(
  wall: () => number = Date.now,
  monotonic: () => number = () => performance.now(),
): () => number {
  let base = wall() - monotonic();
  return () => {
    const mono = monotonic();
    const behind = wall() - (base + mono);
    if (behind > 0) base += behind;
    return base + mono;
  };
}
