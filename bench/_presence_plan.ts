/**
 * The presence scenario's plan: who watches whom (random others, the same
 * for every process that asks, from a seed), which clients are killed and
 * which are frozen, and when, as offsets from the start of the measured
 * window. The load generator's workers carry it out; the check
 * (`_presence_check.ts`) reads what happened against it.
 *
 * @module
 */

import { mulberry32 } from "./_stats.ts";

/** How a frozen client is frozen. */
export type FreezeMode = "pause" | "sigstop";

/** What the scenario does during the measured window. */
export interface PresenceScenario {
  /** Clients whose sockets are closed abruptly, without `bye`. */
  kills: number;
  /** Clients that stop sending and reading, then resume. */
  freezes: number;
  /** How long a frozen client stays frozen, in milliseconds. */
  freezeForMs: number;
  /**
   * `pause`: the worker stops the client's writes and reads; `sigstop`: the
   * frozen clients live in worker processes of their own, stopped with
   * SIGSTOP and resumed with SIGCONT.
   */
  freezeBy: FreezeMode;
  /** With `sigstop`: how many worker processes hold the frozen clients. */
  freezeWorkers: number;
}

/** One kill: a client and when. */
export interface PlannedKill {
  /** The client's number (its name is the prefix and this number). */
  id: number;
  /** Milliseconds after the start of the measured window. */
  atMs: number;
}

/** One freeze: a range of clients, when, and for how long. */
export interface PlannedFreeze {
  /** The first client's number. */
  first: number;
  /** How many clients from `first` on. */
  count: number;
  /** Milliseconds after the start of the measured window. */
  atMs: number;
  /** How long they stay frozen, in milliseconds. */
  forMs: number;
}

/** The whole plan of one measurement. */
export interface PresencePlan {
  /** Clients in the run. */
  clients: number;
  /** Names each client watches. */
  watch: number;
  /** The seed of the watch lists. */
  seed: number;
  /** How the frozen clients are frozen. */
  freezeBy: FreezeMode;
  /** The kills, in time order. */
  kills: PlannedKill[];
  /**
   * The freezes, in time order: one client each with `pause`, one worker
   * process's clients each with `sigstop`.
   */
  freezes: PlannedFreeze[];
  /** The frozen clients are `clients - frozen` and up. */
  frozen: number;
}

/** Options of {@link planPresence}. */
export interface PlanOptions {
  /** Clients in the run. */
  clients: number;
  /** Names each client watches in this measurement. */
  watch: number;
  /** The measured window, in milliseconds. */
  steadyMs: number;
  /**
   * The seed of the watch lists.
   * @default {1}
   */
  seed?: number;
}

/**
 * The margin kept free of events at each end of the measured window: a
 * tenth of it, at most one second.
 *
 * @param steadyMs The measured window, in milliseconds.
 * @returns Milliseconds.
 *
 * @example
 * ```ts
 * import { eventMargin } from "./_presence_plan.ts";
 * console.log(eventMargin(20_000), eventMargin(3000)); // 1000 300
 * ```
 */
export function eventMargin(steadyMs: number): number {
  return Math.min(1000, Math.round(steadyMs / 10));
}

/**
 * Plans a measurement: the frozen clients are the last `freezes` numbers,
 * the killed ones are spread evenly over the others, and the events are
 * spread evenly over the measured window less a margin at each end (and
 * less the freeze, so that every frozen client has resumed before the
 * window ends).
 *
 * @param scenario What to do.
 * @param options The clients, the watches of this measurement and the
 * window.
 * @returns The plan.
 * @throws {RangeError} When the clients or the window cannot hold the
 * scenario.
 *
 * @example
 * ```ts
 * import { planPresence } from "./_presence_plan.ts";
 * const plan = planPresence(
 *   { kills: 2, freezes: 2, freezeForMs: 3000, freezeBy: "pause", freezeWorkers: 1 },
 *   { clients: 100, steadyMs: 20_000, watch: 10 },
 * );
 * console.log(plan.kills.map((k) => k.id), plan.freezes.map((f) => f.first)); // [ 24, 73 ] [ 98, 99 ]
 * ```
 */
export function planPresence(
  scenario: PresenceScenario,
  options: PlanOptions,
): PresencePlan {
  const { clients, steadyMs } = options;
  const { kills, freezes } = scenario;
  if (kills + freezes > clients) {
    throw new RangeError(
      `Cannot kill ${kills} and freeze ${freezes} of ${clients} clients: expected at most ${clients} in all`,
    );
  }
  if (options.watch > 0 && options.watch >= clients) {
    throw new RangeError(
      `Cannot watch ${options.watch} others among ${clients} clients: expected fewer than ${clients}`,
    );
  }
  const margin = eventMargin(steadyMs);
  const span = steadyMs - 2 * margin - (freezes > 0 ? scenario.freezeForMs : 0);
  if ((kills > 0 || freezes > 0) && span <= 0) {
    throw new RangeError(
      `Cannot fit the events into a window of ${steadyMs} ms: expected a window longer than the freeze (${scenario.freezeForMs} ms) and ${
        2 * margin
      } ms of margins`,
    );
  }
  const others = clients - freezes;
  const plannedKills: PlannedKill[] = [];
  for (let k = 0; k < kills; k++) {
    plannedKills.push({
      id: Math.floor(((k + 0.5) * others) / kills),
      atMs: Math.round(margin + (span * (k + 0.75)) / kills),
    });
  }
  const plannedFreezes: PlannedFreeze[] = [];
  const groups = scenario.freezeBy === "sigstop"
    ? Math.min(scenario.freezeWorkers, freezes)
    : freezes;
  for (let g = 0; g < groups; g++) {
    const from = Math.floor((g * freezes) / groups);
    const to = Math.floor(((g + 1) * freezes) / groups);
    plannedFreezes.push({
      first: others + from,
      count: to - from,
      atMs: Math.round(margin + (span * (g + 0.25)) / groups),
      forMs: scenario.freezeForMs,
    });
  }
  return {
    clients,
    watch: options.watch,
    seed: options.seed ?? 1,
    freezeBy: scenario.freezeBy,
    kills: plannedKills,
    freezes: plannedFreezes,
    frozen: freezes,
  };
}

/**
 * The names a client watches, by number: `watch` distinct others, drawn
 * at random from a generator seeded by the plan's seed and the client's
 * number, so every process computes the same lists.
 *
 * @param id The client's number.
 * @param plan The clients, the watches and the seed.
 * @returns The numbers of the clients it watches.
 *
 * @example
 * ```ts
 * import { watchList } from "./_presence_plan.ts";
 * const plan = { clients: 1000, watch: 10, seed: 1 };
 * const list = watchList(7, plan);
 * console.log(list.length, new Set(list).size, list.includes(7)); // 10 10 false
 * console.log(watchList(7, plan).join() === list.join()); // true
 * ```
 */
export function watchList(
  id: number,
  plan: Pick<PresencePlan, "clients" | "watch" | "seed">,
): number[] {
  const random = mulberry32(Math.imul(plan.seed, 0x9e3779b1) ^ (id + 1));
  const chosen = new Set<number>();
  while (chosen.size < plan.watch) {
    const other = Math.floor(random() * plan.clients);
    if (other !== id) chosen.add(other);
  }
  return [...chosen];
}

/**
 * Who watches each client, for every client of the plan.
 *
 * @param plan The clients, the watches and the seed.
 * @returns For each client's number, the numbers of its watchers.
 *
 * @example
 * ```ts
 * import { watchersOf, watchList } from "./_presence_plan.ts";
 * const plan = { clients: 50, watch: 3, seed: 1 };
 * const watchers = watchersOf(plan);
 * console.log(watchers[watchList(0, plan)[0]].includes(0)); // true
 * ```
 */
export function watchersOf(
  plan: Pick<PresencePlan, "clients" | "watch" | "seed">,
): number[][] {
  const watchers: number[][] = Array.from({ length: plan.clients }, () => []);
  if (plan.watch === 0) return watchers;
  for (let id = 0; id < plan.clients; id++) {
    for (const other of watchList(id, plan)) watchers[other].push(id);
  }
  return watchers;
}

/** The server's and the clients' timings that bound a freeze. */
export interface FreezeTimings {
  /** The clients' heartbeat interval, in milliseconds. */
  intervalMs: number;
  /** The server's timeout, in milliseconds. */
  timeoutMs: number;
  /** The server's `suspectAfter`, in milliseconds. */
  suspectAfterMs: number;
  /** The server's sweep tick, in milliseconds. */
  tickMs: number;
}

/**
 * The freezes that make a client `suspect` and then `online` again,
 * never `offline`: longer than `suspectAfter + tick` (the latest its
 * watchers are told it is suspect), and shorter than the timeout less an
 * interval (its last heartbeat before the freeze may be up to an interval
 * earlier). The default lies midway.
 *
 * @param timings The interval, the timeout, `suspectAfter` and the tick.
 * @returns The open range in milliseconds and its midpoint, or `null`
 * when the timings leave no room.
 *
 * @example
 * ```ts
 * import { freezeBounds } from "./_presence_plan.ts";
 * console.log(freezeBounds({ intervalMs: 1000, timeoutMs: 5000, suspectAfterMs: 1500, tickMs: 500 }));
 * // { above: 2000, below: 4000, midway: 3000 }
 * ```
 */
export function freezeBounds(
  timings: FreezeTimings,
): { above: number; below: number; midway: number } | null {
  const above = timings.suspectAfterMs + timings.tickMs;
  const below = timings.timeoutMs - timings.intervalMs;
  if (below <= above) return null;
  return { above, below, midway: Math.round((above + below) / 2) };
}
