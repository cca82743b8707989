/**
 * Micro-benchmarks of the heartbeat registry: one sweep tick over 1k, 100k
 * and 1M tracked entries of which only a few expire, and `touch()`.
 * The tick at 1M entries should cost at most 2x the tick at 1k (the figures
 * are in `bench/RESULTS.md`).
 *
 * Run: `deno bench bench/registry_bench.ts`
 *
 * How the live entries stay live without being touched inside the timed
 * part: the wheel has one slot per millisecond of a 10 min timeout (600,001
 * slots) and the live entries are filed most of a timeout ahead of the
 * sweep's cursor, as a heartbeat keeps a real client's entry ahead of it.
 * Each iteration files a few fresh entries into the slot that comes due
 * next and sweeps one tick, which must expire and visit exactly those.
 * When the cursor gets near the live entries, they are pushed ahead again
 * (once per ~590,000 ticks, so that cost is spread too thin to matter;
 * `b.start()`/`b.end()` cannot exclude it at sub-microsecond timings).
 *
 * @module
 */

import { DeadlineEntry, HeartbeatRegistry } from "../liveness/mod.ts";
import { TimingWheel } from "../liveness/_timing_wheel.ts";

const TIMEOUT_MS = 600_000;
const TICK_MS = 1;
const SPREAD_TICKS = 6000;
const EXPIRING_PER_TICK = 10;

function setup(size: number) {
  let now = 0;
  // The wheel the registries sweep, so that the bench can check what each
  // tick visited.
  const wheel = new TimingWheel<DeadlineEntry>({
    tickMs: TICK_MS,
    horizonMs: TIMEOUT_MS,
  });
  const live = Array.from({ length: size }, () => new DeadlineEntry());
  let refreshAt = 0;
  // Last heartbeats spread over SPREAD_TICKS ticks, swept as time passes.
  function refresh(): void {
    for (let i = 0; i < size; i++) {
      wheel.schedule(
        live[i],
        now + TIMEOUT_MS - (i % SPREAD_TICKS) * TICK_MS,
      );
    }
    refreshAt = now + TIMEOUT_MS - 2 * SPREAD_TICKS * TICK_MS;
  }
  refresh();
  const expiring = Array.from(
    { length: EXPIRING_PER_TICK },
    () => new DeadlineEntry(),
  );
  const onExpire = () => {};
  return {
    wheel,
    needsRefresh: () => now >= refreshAt,
    refresh,
    tick(): number {
      for (const entry of expiring) wheel.schedule(entry, now + TICK_MS);
      now += TICK_MS;
      return wheel.sweep(now, onExpire);
    },
  };
}

for (const size of [1000, 100_000, 1_000_000]) {
  const state = setup(size);
  Deno.bench({
    name: `sweep tick, ${
      size.toLocaleString("en")
    } entries, ${EXPIRING_PER_TICK} expire`,
    group: "sweep",
    baseline: size === 1000,
    fn() {
      // Once per ~590,000 ticks: a cost spread thin enough not to matter.
      if (state.needsRefresh()) state.refresh();
      const expired = state.tick();
      if (
        expired !== EXPIRING_PER_TICK ||
        state.wheel.lastSweepVisited !== EXPIRING_PER_TICK
      ) {
        throw new Error(
          `Expected the sweep to expire and visit ${EXPIRING_PER_TICK} entries, not ${expired} and ${state.wheel.lastSweepVisited}`,
        );
      }
    },
  });
}

{
  let now = 0;
  const registry = new HeartbeatRegistry<DeadlineEntry>({
    timeoutMs: 15_000,
    tickMs: 1000,
    clock: { now: () => now },
    onExpire: () => {},
  });
  const entries = Array.from({ length: 100_000 }, () => new DeadlineEntry());
  for (const entry of entries) registry.add(entry);
  let i = 0;
  Deno.bench({
    name: "touch(), 100,000 entries, clock advancing 1ms per touch",
    group: "touch",
    fn() {
      now++;
      registry.touch(entries[i++ % entries.length]);
    },
  });
}
