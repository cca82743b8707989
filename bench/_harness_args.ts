/**
 * The harness's command line: its usage text, its flags and their parsing
 * with the repository's shared command-line layer (`common/cli.ts`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { formatDuration } from "../common/duration.ts";
import { defaultTick } from "../server/options.ts";
import { ARRIVALS, type Arrivals } from "./_arrivals.ts";
import type { LoadProtocol } from "./_load_types.ts";
import {
  freezeBounds,
  planPresence,
  type PresenceScenario,
} from "./_presence_plan.ts";
import { SERVER_KINDS, type ServerKind } from "./_servers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The kinds that can run at another git revision (`lifeline-node@REV`). */
export const REVISION_KINDS: readonly ServerKind[] = [
  "lifeline-deno",
  "lifeline-node",
];

/** The harness's usage text, for `deno task bench --help`. */
export const USAGE = `Usage: deno task bench [options]

  --clients N        connections per server (default 1000, at most 60000;
                     with --workers, at most 200000)
  --interval DUR     heartbeat interval (default 1s)
  --timeout DUR      servers drop a client silent this long (default 5s)
  --server-interval DUR  the interval Lifeline's server announces
                     (default: --interval)
  --tick DUR         Lifeline's sweep tick (default: the server's)
  --client-tick DUR  the load generator's timer wheel tick (default 2ms)
  --arrivals LIST    wheel,uniform (default wheel): how heartbeats arrive;
                     wheel: one timer wheel per load process ticking every
                     --client-tick; uniform: like independent clients, each
                     at its own time from a pacer thread, at most 3 per ms
                     per load process; each server is measured once per
                     mode in the same run
  --protocol LIST    go,lifeline (default both)
  --servers LIST     ${SERVER_KINDS.join(",")} (default all that fit);
                     lifeline-node@REV (or lifeline-deno@REV) also runs
                     Lifeline at git revision REV, checked out into a
                     temporary worktree, e.g. lifeline-node,lifeline-node@4493b0c
                     (a revision without --log-format json has its false
                     timeouts counted by the clients)
  --settle DUR       wait after the ramp before measuring (default 3s)
  --steady DUR       the measured window (default 26s, at most 10m)
  --repeat N         measure the list of servers N times, interleaved, and
                     report medians (default 1, at most 5)
  --sources N        clients connect from 127.0.0.1..127.0.0.N (default 8)
  --per-process N    most clients per load worker process (default 15000)
  --out-dir DIR      where reports go (default bench/results)
  --watch LIST       names each client watches, e.g. 0,10 (default 0): each
                     Lifeline server under Lifeline's protocol is measured
                     once per value in the same run (their order turns each
                     round); the others, and the Go format, watch nothing
  --kill N           clients whose sockets are closed without bye during
                     the steady window, as a killed process's kernel would
                     (default 0)
  --freeze N         clients that send and read nothing for --freeze-for
                     during the steady window, then resume (default 0)
  --freeze-for DUR   how long a frozen client stays silent: more than
                     suspectAfter + tick, less than timeout - interval
                     (default midway)
  --freeze-by MODE   pause (the worker stops the client) or sigstop (the
                     frozen clients run in worker processes of their own,
                     stopped with SIGSTOP and resumed with SIGCONT)
                     (default pause)
  --freeze-workers N with sigstop: worker processes holding the frozen
                     clients, each stopped at its own time (default 4)
  --suspect-after DUR  Lifeline's --suspect-after (default the server's:
                     1.5 x --server-interval)
  --stall-server DUR  stop each server (SIGSTOP) for DUR a third into the
                     steady window, then resume it (SIGCONT): a long GC
                     pause or a starved CPU, as its clients see it
  --v8-flags FLAGS   extra V8 flags for the Deno servers
  --cpu-prof DIR     write CPU profiles of Lifeline's server into DIR
  --heap-snapshot DIR  take a heap snapshot of each Deno server at the end
                     of its steady window (servers run with --inspect)
  --no-netns         run in the current network namespace even as root

The cluster scenario (--workers), measured against one process in the
same run:
  --workers N        run Lifeline as server/main.ts --workers N --reuse-port
                     --cluster on a Redis of the run's own (redis-server),
                     and measure it with --clients, next to one process
                     with --single-clients; then a churn, and a worker
                     killed (SIGKILL) with its clients
  --single-clients N the one-process comparison's clients (default 10000)
  --node-ttl DUR     the nodes' --node-ttl (default 10s)
  --churn N          presence changes per second in the churn (default 1000)
  --churn-for DUR    how long the churn goes on (default 10s)
  --watchers N       watchers, each on another node, per churning client
                     and per client of the killed worker (default 2)
  --silent N         clients of the killed worker that notice only after
                     --timeout, as if it had died without a word
                     (default 1000)
  --help             show this help`;

/** One entry of `--servers`: a kind, at this checkout or at a revision. */
export interface ServerChoice {
  /** The server. */
  kind: ServerKind;
  /** The git revision to run it at, for Lifeline; this checkout if unset. */
  revision?: string;
}

/** The harness's parsed command line. */
export interface HarnessOptions {
  /** Connections per server. */
  clients: number;
  /** Heartbeat interval in ms. */
  intervalMs: number;
  /** Servers' timeout in ms. */
  timeoutMs: number;
  /** The interval Lifeline's server announces, in ms. */
  serverIntervalMs: number;
  /** Lifeline's tick in ms, if set. */
  tickMs?: number;
  /** The load generator's wheel tick in ms. */
  clientTickMs: number;
  /** Protocols to run, in order. */
  protocols: LoadProtocol[];
  /** Servers to run, or undefined for every one that fits a protocol. */
  servers?: ServerChoice[];
  /** Wait after the ramp, ms. */
  settleMs: number;
  /** The measured window, ms. */
  steadyMs: number;
  /** Source addresses. */
  sources: number;
  /** How many rounds over the servers. */
  repeat: number;
  /** Clients per load worker. */
  perProcess: number;
  /** Report directory. */
  outDir: string;
  /** Extra V8 flags for Deno servers. */
  v8Flags?: string;
  /** Directory for CPU profiles of Lifeline's server. */
  cpuProfDir?: string;
  /** Directory for heap snapshots of the Deno servers. */
  heapSnapshotDir?: string;
  /** Stay in the current network namespace. */
  noNetns: boolean;
  /** Stop each server this long a third into the steady window, in ms. */
  stallServerMs?: number;
  /** Names each client watches, one measurement per value (Lifeline only). */
  watch: number[];
  /** Lifeline's `suspectAfter` in ms: given, or the server's default. */
  suspectAfterMs: number;
  /** Whether `--suspect-after` was given (else the server picks it). */
  suspectAfterGiven: boolean;
  /**
   * The presence scenario, when any of `--watch`, `--kill` and `--freeze`
   * asks for one.
   */
  scenario?: PresenceScenario;
  /** How the heartbeats arrive, one measurement per mode. */
  arrivals: Arrivals[];
  /**
   * For one measurement: send each heartbeat at its own time (the
   * `uniform` mode; set by the harness, not by a flag).
   */
  pace?: boolean;
  /** The cluster scenario, with `--workers`. */
  cluster?: ClusterScenario;
}

/** The cluster scenario's settings (`--workers` and its flags). */
export interface ClusterScenario {
  /** Worker processes. */
  workers: number;
  /** Clients of the one-process comparison. */
  singleClients: number;
  /** The nodes' TTL, ms. */
  nodeTtlMs: number;
  /** Presence changes per second in the churn. */
  churnPerSecond: number;
  /** How long the churn goes on, ms. */
  churnForMs: number;
  /** Watchers per watched client. */
  watchers: number;
  /** Clients of the killed worker that notice late. */
  silent: number;
}

function items(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

function protocolsFlag(): z.ZodType<LoadProtocol[], string> {
  const allowed = ["go", "lifeline"] as const;
  return z.string().transform((text, ctx) => {
    const list = items(text);
    if (list.length === 0) {
      return fail(
        ctx,
        `--protocol: Cannot use "${text}": expected go, lifeline or both`,
      );
    }
    for (const item of list) {
      if (!(allowed as readonly string[]).includes(item)) {
        return fail(
          ctx,
          `--protocol: Cannot use "${item}": expected some of ${
            allowed.join(",")
          }`,
        );
      }
    }
    return list as LoadProtocol[];
  });
}

function serversFlag(): z.ZodType<ServerChoice[], string> {
  return z.string().transform((text, ctx) => {
    const list = items(text);
    if (list.length === 0) {
      return fail(
        ctx,
        `--servers: Cannot use "${text}": expected at least one server`,
      );
    }
    const choices: ServerChoice[] = [];
    for (const item of list) {
      const at = item.indexOf("@");
      const kind = (at === -1 ? item : item.slice(0, at)) as ServerKind;
      const revision = at === -1 ? undefined : item.slice(at + 1);
      if (!SERVER_KINDS.includes(kind)) {
        return fail(
          ctx,
          `--servers: Cannot use "${item}": expected some of ${
            SERVER_KINDS.join(",")
          }`,
        );
      }
      if (revision !== undefined && !REVISION_KINDS.includes(kind)) {
        return fail(
          ctx,
          `--servers: Cannot use "${item}": only ${
            REVISION_KINDS.join(" and ")
          } run at another revision`,
        );
      }
      if (revision !== undefined && !/^[\w.\/~^-]+$/.test(revision)) {
        return fail(
          ctx,
          `--servers: Cannot use "${item}": expected a git revision after "@", such as lifeline-node@4493b0c`,
        );
      }
      const seen = choices.some((c) =>
        c.kind === kind && c.revision === revision
      );
      if (!seen) {
        choices.push(revision === undefined ? { kind } : { kind, revision });
      }
    }
    return choices;
  });
}

function arrivalsFlag(): z.ZodType<Arrivals[], string> {
  return z.string().transform((text, ctx) => {
    const list = items(text);
    const wrong = list.find((item) =>
      !(ARRIVALS as readonly string[]).includes(item)
    );
    if (list.length === 0 || wrong !== undefined) {
      return fail(
        ctx,
        `--arrivals: Cannot use "${wrong ?? text}": expected some of ${
          ARRIVALS.join(",")
        }`,
      );
    }
    return ARRIVALS.filter((mode) => list.includes(mode));
  });
}

const FlagsSchema = z.object({
  clients: integerFlag("clients", 1, 200_000),
  interval: durationFlag("interval", { min: 10 }),
  timeout: durationFlag("timeout", { min: 20 }),
  "server-interval": durationFlag("server-interval", { min: 10 }).optional(),
  tick: durationFlag("tick", { min: 1 }).optional(),
  "client-tick": durationFlag("client-tick", { min: 1, max: 1000 }),
  protocol: protocolsFlag(),
  servers: serversFlag().optional(),
  settle: durationFlag("settle", { min: 0 }),
  steady: durationFlag("steady", { min: 200, max: 600_000 }),
  sources: integerFlag("sources", 1, 254),
  repeat: integerFlag("repeat", 1, 5),
  "per-process": integerFlag("per-process", 1, 19000),
  "out-dir": z.string(),
  "v8-flags": z.string().optional(),
  "cpu-prof": z.string().optional(),
  "heap-snapshot": z.string().optional(),
  "no-netns": z.boolean(),
  watch: watchFlag(),
  kill: integerFlag("kill", 0, 60000),
  freeze: integerFlag("freeze", 0, 60000),
  "freeze-for": durationFlag("freeze-for", { min: 1 }).optional(),
  "freeze-by": choiceFlag("freeze-by", ["pause", "sigstop"]),
  "freeze-workers": integerFlag("freeze-workers", 1, 100),
  "suspect-after": durationFlag("suspect-after", { min: 1 }).optional(),
  "stall-server": durationFlag("stall-server", { min: 1, max: 60_000 })
    .optional(),
  arrivals: arrivalsFlag(),
  workers: integerFlag("workers", 2, 64).optional(),
  "single-clients": integerFlag("single-clients", 1, 19000),
  "node-ttl": durationFlag("node-ttl", { min: 1000, max: 600_000 }),
  churn: integerFlag("churn", 0, 100_000),
  "churn-for": durationFlag("churn-for", { min: 100, max: 600_000 }),
  watchers: integerFlag("watchers", 1, 10),
  silent: integerFlag("silent", 0, 200_000),
});

function watchFlag(): z.ZodType<number[], string> {
  return z.string().transform((text, ctx) => {
    const list = items(text);
    if (list.length === 0) {
      return fail(
        ctx,
        `--watch: Cannot use "${text}": expected counts such as 0,10`,
      );
    }
    const counts: number[] = [];
    for (const item of list) {
      const count = /^\d+$/.test(item) ? Number(item) : NaN;
      if (!(count >= 0 && count <= 1000)) {
        return fail(
          ctx,
          `--watch: Cannot use "${item}": expected an integer from 0 to 1000 (one watch frame)`,
        );
      }
      if (!counts.includes(count)) counts.push(count);
    }
    return counts;
  });
}

type Flags = z.infer<typeof FlagsSchema>;

/**
 * The presence scenario of the flags, checked against the run's timings
 * and window, or `undefined` when none is asked for.
 */
function scenarioOf(
  v: Flags,
  timings: { intervalMs: number; suspectAfterMs: number; tickMs: number },
): PresenceScenario | undefined {
  if (v.kill === 0 && v.freeze === 0 && v.watch.every((k) => k === 0)) {
    if (v["freeze-for"] !== undefined) {
      throw new UsageError(
        `--freeze-for: Cannot use "${
          formatDuration(v["freeze-for"])
        }" without --freeze`,
      );
    }
    return undefined;
  }
  const bounds = freezeBounds({ ...timings, timeoutMs: v.timeout });
  const between = bounds === null ? "" : ` (${
    formatDuration(
      bounds.above,
    )
  } to ${formatDuration(bounds.below)} here)`;
  const freezeForMs = v["freeze-for"] ?? bounds?.midway ?? 0;
  if (
    v.freeze > 0 &&
    (bounds === null || freezeForMs <= bounds.above ||
      freezeForMs >= bounds.below)
  ) {
    const flag = v["freeze-for"] === undefined ? "--freeze" : "--freeze-for";
    throw new UsageError(
      `${flag}: Cannot freeze clients for ${
        formatDuration(freezeForMs)
      }: expected more than suspectAfter + tick and less than timeout - interval${between}`,
    );
  }
  const scenario: PresenceScenario = {
    kills: v.kill,
    freezes: v.freeze,
    freezeForMs,
    freezeBy: v["freeze-by"],
    freezeWorkers: v["freeze-workers"],
  };
  for (const watch of v.watch) {
    try {
      planPresence(scenario, {
        clients: v.clients,
        watch,
        steadyMs: v.steady,
      });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new UsageError(`--kill, --freeze, --watch: ${error.message}`);
    }
  }
  return scenario;
}

/**
 * Parses the harness's arguments.
 *
 * @param args The command-line arguments.
 * @returns The options, or `"help"`.
 * @throws {UsageError} On a bad flag or value, with one clear line.
 *
 * @example
 * ```ts
 * import { parseHarnessArgs } from "./_harness_args.ts";
 * const options = parseHarnessArgs([
 *   "--protocol", "go", "--servers", "lifeline-node,lifeline-node@4493b0c",
 * ]);
 * console.log(options !== "help" && options.servers);
 * // [ { kind: "lifeline-node" }, { kind: "lifeline-node", revision: "4493b0c" } ]
 * ```
 */
export function parseHarnessArgs(args: string[]): HarnessOptions | "help" {
  const { values } = parseFlags(args, {
    clients: { type: "string", short: "n", default: "1000" },
    interval: { type: "string", default: "1s" },
    timeout: { type: "string", default: "5s" },
    "server-interval": { type: "string" },
    tick: { type: "string" },
    "client-tick": { type: "string", default: "2ms" },
    protocol: { type: "string", default: "go,lifeline" },
    servers: { type: "string" },
    settle: { type: "string", default: "3s" },
    steady: { type: "string", default: "26s" },
    sources: { type: "string", default: "8" },
    repeat: { type: "string", default: "1" },
    "per-process": { type: "string", default: "15000" },
    "out-dir": { type: "string", default: `${ROOT}bench/results` },
    "v8-flags": { type: "string" },
    "cpu-prof": { type: "string" },
    "heap-snapshot": { type: "string" },
    "no-netns": { type: "boolean", default: false },
    watch: { type: "string", default: "0" },
    kill: { type: "string", default: "0" },
    freeze: { type: "string", default: "0" },
    "freeze-for": { type: "string" },
    "freeze-by": { type: "string", default: "pause" },
    "freeze-workers": { type: "string", default: "4" },
    "suspect-after": { type: "string" },
    "stall-server": { type: "string" },
    arrivals: { type: "string", default: "wheel" },
    workers: { type: "string" },
    "single-clients": { type: "string", default: "10000" },
    "node-ttl": { type: "string", default: "10s" },
    churn: { type: "string", default: "1000" },
    "churn-for": { type: "string", default: "10s" },
    watchers: { type: "string", default: "2" },
    silent: { type: "string", default: "1000" },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) return "help";
  const v = validateFlags(FlagsSchema, values);
  const cluster = clusterOf(v, givenFlags(args));
  const serverIntervalMs = v["server-interval"] ?? v.interval;
  const suspectAfterMs = v["suspect-after"] ??
    Math.round(serverIntervalMs * 1.5);
  const scenario = scenarioOf(v, {
    intervalMs: v.interval,
    suspectAfterMs,
    tickMs: v.tick ?? defaultTick(v.timeout),
  });
  return {
    clients: v.clients,
    intervalMs: v.interval,
    timeoutMs: v.timeout,
    serverIntervalMs,
    tickMs: v.tick,
    clientTickMs: v["client-tick"],
    protocols: v.protocol,
    servers: v.servers,
    settleMs: v.settle,
    steadyMs: v.steady,
    sources: v.sources,
    repeat: v.repeat,
    perProcess: v["per-process"],
    outDir: v["out-dir"],
    v8Flags: v["v8-flags"],
    cpuProfDir: v["cpu-prof"],
    heapSnapshotDir: v["heap-snapshot"],
    noNetns: v["no-netns"],
    watch: v.watch,
    suspectAfterMs,
    suspectAfterGiven: v["suspect-after"] !== undefined,
    ...(v["stall-server"] === undefined
      ? {}
      : { stallServerMs: v["stall-server"] }),
    ...(scenario === undefined ? {} : { scenario }),
    arrivals: v.arrivals,
    ...(cluster === undefined ? {} : { cluster }),
  };
}

/** The names of the flags on a command line, without their dashes. */
function givenFlags(args: string[]): Set<string> {
  return new Set(
    args.filter((arg) => arg.startsWith("--")).map((arg) =>
      arg.slice(2).split("=")[0]
    ),
  );
}

/** Flags that only the cluster scenario reads. */
const CLUSTER_FLAGS = [
  "single-clients",
  "node-ttl",
  "churn",
  "churn-for",
  "watchers",
  "silent",
] as const;

/** Flags the cluster scenario cannot take: it measures what it measures. */
const NOT_WITH_CLUSTER = [
  "servers",
  "watch",
  "kill",
  "freeze",
  "stall-server",
  "cpu-prof",
  "heap-snapshot",
] as const;

/**
 * The cluster scenario of the flags, or `undefined` without `--workers`.
 *
 * @throws {UsageError} For a flag that does not go with it, or clients it
 * cannot hold.
 */
function clusterOf(
  v: Flags,
  args: ReadonlySet<string>,
): ClusterScenario | undefined {
  if (v.workers === undefined) {
    const stray = CLUSTER_FLAGS.find((flag) => args.has(flag));
    if (stray !== undefined) {
      throw new UsageError(`--${stray}: Cannot use it without --workers`);
    }
    if (v.clients > 60_000) {
      throw new UsageError(
        `--clients: Cannot use "${v.clients}": expected at most 60000 (200000 with --workers)`,
      );
    }
    return undefined;
  }
  const clash = NOT_WITH_CLUSTER.find((flag) => args.has(flag));
  if (clash !== undefined) {
    throw new UsageError(
      `--${clash}: Cannot use it with --workers: the cluster scenario measures Lifeline (node) alone, as one process and as the cluster`,
    );
  }
  if (!v.protocol.includes("lifeline")) {
    throw new UsageError(
      "--protocol: Cannot run the cluster scenario without lifeline: it watches and churns",
    );
  }
  return {
    workers: v.workers,
    singleClients: v["single-clients"],
    nodeTtlMs: v["node-ttl"],
    churnPerSecond: v.churn,
    churnForMs: v["churn-for"],
    watchers: v.watchers,
    silent: v.silent,
  };
}
