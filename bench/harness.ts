/**
 * The benchmark harness: for each server (Lifeline with either transport,
 * and the baselines), starts it, ramps the load generator's clients, samples
 * the server process's RSS and CPU from `/proc` over a steady window that
 * ends before the clients leave, and writes a JSON and a Markdown report to
 * `bench/results/`. Every server of a run is measured on the same machine,
 * one after the other, so ratios between them are meaningful even on a
 * noisy machine. `--servers lifeline-node,lifeline-node@REV` also measures
 * Lifeline at another git revision in the same run, from a temporary
 * worktree. The presence scenario (`--watch 0,10 --kill 100 --freeze 100`)
 * measures Lifeline with and without watch lists in the same run, kills
 * and freezes clients in the steady window, and reports the latency and
 * the exactly-once verdict of the watchers' presence frames. As root, the
 * whole run happens in a private network namespace (`unshare -n`), so it
 * has the port range to itself.
 *
 * ```sh
 * deno task bench --clients 10000 --interval 1s --steady 26s
 * deno task bench --clients 10000 --servers lifeline-node,lifeline-node@4493b0c
 * deno task bench --clients 10000 --protocol lifeline --servers lifeline-node --watch 0,10 --kill 100 --freeze 100
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { runCli, UsageError } from "../common/cli.ts";
import {
  type HarnessOptions,
  parseHarnessArgs,
  type ServerChoice,
  USAGE,
} from "./_harness_args.ts";
import { arrivalLoad, type Arrivals } from "./_arrivals.ts";
import { type ClusterResult, measureCluster } from "./_cluster_measure.ts";
import { commandOutput, loadavg, machine } from "./_machine.ts";
import { measureServer } from "./_measure.ts";
import { renderMarkdown } from "./_report.ts";
import type { HarnessReport } from "./_results.ts";
import {
  type Checkout,
  checkOut,
  removeCheckout,
  resolveRevision,
} from "./_revisions.ts";
import {
  buildGoServer,
  KINDS_BY_PROTOCOL,
  SERVER_KINDS,
  type ServerSettings,
} from "./_servers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const NETNS_ENV = "LIFELINE_BENCH_NETNS";

/**
 * The watch counts one server is measured with in a round: every value
 * for Lifeline under its own protocol, in an order that turns each round
 * (so neither always runs first); none for the others.
 */
function watchesFor(
  kind: string,
  protocol: string,
  options: HarnessOptions,
  round: number,
): number[] {
  if (!kind.startsWith("lifeline") || protocol !== "lifeline") return [0];
  const list = options.watch;
  const shift = (round - 1) % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/** The arrival modes in the order of a round: turned each round. */
function arrivalsFor(options: HarnessOptions, round: number): Arrivals[] {
  const list = options.arrivals;
  const shift = (round - 1) % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/** The run's options with the load settings of an arrival mode. */
function withArrivals(
  options: HarnessOptions,
  arrivals: Arrivals,
): HarnessOptions {
  const load = arrivalLoad(arrivals, {
    intervalMs: options.intervalMs,
    tickMs: options.clientTickMs,
    perProcess: options.perProcess,
  });
  return {
    ...options,
    clientTickMs: load.tickMs,
    perProcess: load.perProcess,
    pace: load.pace,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort(host: string): Promise<number> {
  const listener = Deno.listen({ hostname: host, port: 0 });
  const port = listener.addr.port;
  listener.close();
  await sleep(10);
  return port;
}

/**
 * Checks that every revision in `--servers` names a commit.
 *
 * @param servers The servers asked for.
 * @returns The commit of each revision.
 * @throws {UsageError} For a revision git does not know.
 */
async function resolveRevisions(
  servers: ServerChoice[] | undefined,
): Promise<Map<string, string>> {
  const commits = new Map<string, string>();
  for (const { kind, revision } of servers ?? []) {
    if (revision === undefined || commits.has(revision)) continue;
    const commit = await resolveRevision(revision);
    if (commit === null) {
      throw new UsageError(
        `--servers: Cannot use "${kind}@${revision}": git knows no commit "${revision}" in ${ROOT}`,
      );
    }
    commits.set(revision, commit);
  }
  return commits;
}

/**
 * Runs the whole benchmark and writes its reports.
 *
 * @param options The parsed options.
 * @param command The command line, for the report.
 * @returns The report and the paths written.
 */
export async function runHarness(
  options: HarnessOptions,
  command: string,
): Promise<{ report: HarnessReport; json: string; markdown: string }> {
  const host = "127.0.0.1";
  const netns = Deno.env.get(NETNS_ENV) === "1";
  const commits = await resolveRevisions(options.servers);
  const report: HarnessReport = {
    date: new Date().toISOString(),
    command,
    machine: await machine(),
    load: { before: loadavg(), after: "" },
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      go: await commandOutput("go", ["version"]),
      lifeline: await commandOutput("git", [
        "-C",
        ROOT,
        "describe",
        "--always",
        "--dirty",
      ]),
    },
    netns,
    settings: {
      clients: options.clients,
      interval: `${options.intervalMs}ms`,
      serverInterval: `${options.serverIntervalMs}ms`,
      timeout: `${options.timeoutMs}ms`,
      tick: options.tickMs ? `${options.tickMs}ms` : "server default",
      clientTick: `${options.clientTickMs}ms`,
      settle: `${options.settleMs}ms`,
      steady: `${options.steadyMs}ms`,
      sources: options.sources,
      repeat: options.repeat,
      perProcess: options.perProcess,
      v8Flags: options.v8Flags ?? "none",
      arrivals: options.arrivals.join(","),
      ...(options.cluster === undefined ? {} : {
        workers: options.cluster.workers,
        singleClients: options.cluster.singleClients,
        nodeTtl: `${options.cluster.nodeTtlMs}ms`,
        churn:
          `${options.cluster.churnPerSecond}/s for ${options.cluster.churnForMs}ms`,
        watchers: options.cluster.watchers,
        silent: options.cluster.silent,
      }),
      ...(options.scenario === undefined ? {} : {
        watch: options.watch.join(","),
        kill: options.scenario.kills,
        freeze: options.scenario.freezes,
        freezeFor: `${options.scenario.freezeForMs}ms`,
        freezeBy: options.scenario.freezeBy,
        ...(options.scenario.freezeBy === "sigstop"
          ? { freezeWorkers: options.scenario.freezeWorkers }
          : {}),
        suspectAfter: `${options.suspectAfterMs}ms`,
      }),
      ...(options.stallServerMs === undefined
        ? {}
        : { stallServer: `${options.stallServerMs}ms` }),
    },
    results: [],
    skipped: [],
  };
  const choices: ServerChoice[] = options.servers ??
    SERVER_KINDS.map((kind) => ({ kind }));
  const wanted = new Set(choices.map((c) => c.kind));
  const tempDir = await Deno.makeTempDir({ prefix: `bench_${Deno.pid}_` });
  const checkouts = new Map<string, Checkout>();
  let goBinary: string | undefined;
  try {
    for (const [revision, commit] of commits) {
      console.error(`[bench] checking out ${revision} (${commit})`);
      const checkout = await checkOut(
        revision,
        commit,
        `${tempDir}/lifeline-${commit.slice(0, 12)}`,
      );
      checkouts.set(revision, checkout);
      if (!checkout.jsonLog) {
        console.error(
          `[bench] ${revision} has no --log-format json: its false timeouts are counted by the clients`,
        );
      }
    }
    if (
      (wanted.has("go") || wanted.has("go-quiet")) &&
      options.protocols.includes("go")
    ) {
      goBinary = await buildGoServer(tempDir);
      if (!goBinary) {
        report.skipped.push({
          kind: "go",
          protocol: "go",
          reason: '"go" is not installed',
        });
      }
    }
    let nextPort = 9100;
    if (options.cluster !== undefined) {
      report.cluster = await runClusterRounds(options, {
        host,
        netns,
        port: () => netns ? Promise.resolve(nextPort++) : freePort(host),
        results: report.results,
        skipped: report.skipped,
      });
    }
    for (
      let round = 1;
      options.cluster === undefined && round <= options.repeat;
      round++
    ) {
      for (const protocol of options.protocols) {
        const runs = KINDS_BY_PROTOCOL[protocol].flatMap((kind) =>
          choices.filter((c) => c.kind === kind)
        );
        const measurements = runs.flatMap((choice) =>
          watchesFor(choice.kind, protocol, options, round).flatMap((watch) =>
            arrivalsFor(options, round).map((arrivals) => ({
              ...choice,
              watch,
              arrivals,
            }))
          )
        );
        for (const { kind, revision, watch, arrivals } of measurements) {
          if (kind.startsWith("go") && !goBinary) continue;
          const name = `${kind}${revision === undefined ? "" : `@${revision}`}${
            watch > 0 ? ` watching ${watch}` : ""
          }${arrivals === "uniform" ? ", uniform arrivals" : ""}`;
          const port = netns ? nextPort++ : await freePort(host);
          const settings: ServerSettings = {
            host,
            port,
            intervalMs: options.serverIntervalMs,
            timeoutMs: options.timeoutMs,
            tickMs: options.tickMs,
            goBinary,
            v8Flags: options.v8Flags,
            cpuProfDir: options.cpuProfDir,
            inspectPort: options.heapSnapshotDir && !kind.startsWith("go")
              ? port + 20000
              : undefined,
            checkout: revision === undefined
              ? undefined
              : checkouts.get(revision),
            suspectAfterMs: options.suspectAfterGiven
              ? options.suspectAfterMs
              : undefined,
            watch,
            arrivals,
          };
          try {
            const result = await measureServer(
              kind,
              protocol,
              withArrivals(options, arrivals),
              settings,
            );
            result.round = round;
            report.results.push(result);
          } catch (error) {
            const reason = (error as Error).message.replaceAll("\n", " ");
            console.error(`[bench] ${name} / ${protocol} failed: ${reason}`);
            report.skipped.push({ kind: name, protocol, reason });
          }
          await sleep(300);
        }
      }
    }
  } finally {
    for (const checkout of checkouts.values()) await removeCheckout(checkout);
    await Deno.remove(tempDir, { recursive: true });
  }
  report.load.after = loadavg();
  await Deno.mkdir(options.outDir, { recursive: true });
  const stamp = report.date.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  const base = `${options.outDir}/${stamp}-n${options.clients}-${
    options.cluster === undefined
      ? options.protocols.join("+")
      : `cluster${options.cluster.workers}`
  }`;
  const markdown = renderMarkdown(report);
  await Deno.writeTextFile(`${base}.json`, JSON.stringify(report, null, 2));
  await Deno.writeTextFile(`${base}.md`, markdown);
  return { report, json: `${base}.json`, markdown: `${base}.md` };
}

/** What the cluster rounds need of the run. */
interface ClusterRun {
  host: string;
  netns: boolean;
  port(): Promise<number>;
  results: HarnessReport["results"];
  skipped: HarnessReport["skipped"];
}

/**
 * The cluster scenario's rounds: in each, for each arrival mode (their
 * order turned each round), one process with `--single-clients` and the
 * cluster with `--clients`, in an order that turns each round too.
 */
async function runClusterRounds(
  options: HarnessOptions,
  run: ClusterRun,
): Promise<ClusterResult[]> {
  const scenario = options.cluster!;
  const clusterResults: ClusterResult[] = [];
  for (let round = 1; round <= options.repeat; round++) {
    for (const arrivals of arrivalsFor(options, round)) {
      const adapted = withArrivals(options, arrivals);
      const single = async () => {
        const port = await run.port();
        try {
          const result = await measureServer(
            "lifeline-node",
            "lifeline",
            { ...adapted, clients: scenario.singleClients },
            {
              host: run.host,
              port,
              intervalMs: options.serverIntervalMs,
              timeoutMs: options.timeoutMs,
              tickMs: options.tickMs,
              suspectAfterMs: options.suspectAfterGiven
                ? options.suspectAfterMs
                : undefined,
              arrivals,
            },
          );
          result.round = round;
          run.results.push(result);
        } catch (error) {
          const reason = (error as Error).message.replaceAll("\n", " ");
          console.error(`[bench] one process (${arrivals}) failed: ${reason}`);
          run.skipped.push({
            kind: "lifeline-node",
            protocol: "lifeline",
            reason,
          });
        }
      };
      const cluster = async () => {
        const port = await run.port();
        const redisPort = run.netns ? 6379 : await run.port();
        try {
          const result = await measureCluster(adapted, {
            host: run.host,
            port,
            redisPort,
            arrivals,
            load: {
              tickMs: adapted.clientTickMs,
              perProcess: adapted.perProcess,
              pace: adapted.pace === true,
            },
          });
          result.round = round;
          clusterResults.push(result);
        } catch (error) {
          const reason = (error as Error).message.replaceAll("\n", " ");
          console.error(`[bench] cluster (${arrivals}) failed: ${reason}`);
          run.skipped.push({
            kind: `cluster of ${scenario.workers}`,
            protocol: "lifeline",
            reason,
          });
        }
      };
      const order = round % 2 === 1 ? [single, cluster] : [cluster, single];
      for (const measure of order) {
        await measure();
        await sleep(300);
      }
    }
  }
  return clusterResults;
}

/**
 * Re-runs this script inside a private network namespace with loopback up.
 *
 * @returns The child's exit code.
 */
async function reexecInNamespace(): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const child = new Deno.Command("unshare", {
    args: [
      "-n",
      "--",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" "$@"',
      Deno.execPath(),
      "run",
      "-A",
      script,
      ...Deno.args,
    ],
    env: { [NETNS_ENV]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
  };
  Deno.addSignalListener("SIGINT", forward);
  const status = await child.status;
  Deno.removeSignalListener("SIGINT", forward);
  return status.code;
}

async function main(args: string[]): Promise<number> {
  const options = parseHarnessArgs(args);
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  await resolveRevisions(options.servers);
  const inNamespace = Deno.env.get(NETNS_ENV) === "1";
  if (!inNamespace && !options.noNetns && Deno.uid() === 0) {
    return await reexecInNamespace();
  }
  const command = `deno task bench ${args.join(" ")}`.trim();
  const { report, json, markdown } = await runHarness(options, command);
  console.log(renderMarkdown(report));
  console.error(`[bench] wrote ${json} and ${markdown}`);
  return report.results.length > 0 &&
      (options.cluster === undefined || (report.cluster?.length ?? 0) > 0)
    ? 0
    : 1;
}

if (import.meta.main) {
  Deno.exit(await runCli("bench", main, Deno.args));
}
