/**
 * The liveness lab: `deno task lab [--quick]` (as root) measures how long each
 * liveness mechanism takes to notice each fault, inside network namespaces of
 * its own, and writes `lab/results/latest.json` and the SVG charts in
 * `docs/public/charts/`.
 *
 * ```sh
 * deno task lab --quick          # a few cases, one repetition (CI)
 * deno task lab                  # every case, 5 repetitions
 * deno task lab --only client_vanishes --repetitions 5
 * ```
 *
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";
import { z } from "zod";
import {
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import {
  type LabCase,
  type LabParameters,
  type LabResults,
  type LabRun,
  parseLabResults,
} from "./results_schema.ts";
import {
  caseMatrix,
  type CaseSpec,
  DEFAULT_PARAMETERS,
  FAULTS,
  MECHANISMS,
} from "./cases.ts";
import { predict } from "./formula.ts";
import { summarize } from "./stats.ts";
import {
  cleanupStaleNamespaces,
  deleteNamespaces,
  listNamespaces,
  NETNS_PREFIX,
} from "./netns.ts";
import { runCase } from "./run_case.ts";
import { runAdaptive, skippedAdaptive } from "./adaptive.ts";
import { writeCharts } from "./charts.ts";
import { formulaChecks } from "./checks.ts";

const DEFAULT_OUT = fromFileUrl(
  new URL("./results/latest.json", import.meta.url),
);
const DEFAULT_CHARTS = fromFileUrl(
  new URL("../docs/public/charts/", import.meta.url),
);

const FlagsSchema = z.object({
  quick: z.boolean(),
  repetitions: integerFlag("repetitions", 1, 20).optional(),
  parallel: integerFlag("parallel", 1, 8),
  only: z.string().optional(),
  out: z.string(),
  charts: z.string(),
  "no-adaptive": z.boolean(),
});

const USAGE =
  `Usage: deno task lab [--quick] [--repetitions N] [--parallel N] [--only TEXT]
                     [--out FILE] [--charts DIR] [--no-adaptive]
  --quick          a few cases, one repetition (CI; about 2 minutes)
  --repetitions N  repetitions per case (default 5; 1 with --quick)
  --parallel N     cases run at once, each in its own namespaces (default 4)
  --only TEXT      only cases whose "fault/mechanism" id contains TEXT
  --out FILE       results file (default lab/results/latest.json)
  --charts DIR     SVG chart directory (default docs/public/charts)
  --no-adaptive    skip the adaptive heartbeat experiment
Needs root: it creates network namespaces named ${NETNS_PREFIX}<pid>-*.`;

/** Options of {@linkcode runLab}. */
export interface LabOptions {
  /** Quick (CI) or full. */
  mode: "quick" | "full";
  /** The parameters; defaults to {@linkcode DEFAULT_PARAMETERS}. */
  parameters?: LabParameters;
  /** The cases; defaults to the mode's matrix. */
  cases?: CaseSpec[];
  /** Cases run at once. @default {4} */
  parallel?: number;
  /** Whether to run the adaptive heartbeat experiment. @default {true} */
  adaptive?: boolean;
  /** Progress lines go here. @default {console.error} */
  log?: (line: string) => void;
  /** The command recorded in the results. */
  command?: string;
}

/**
 * Runs the lab and returns the validated results (without writing them).
 *
 * @param options Mode, parameters, cases, parallelism.
 * @returns The results.
 *
 * @example Run one case (root only)
 * ```ts ignore
 * import { runLab } from "./main.ts";
 * const results = await runLab({ mode: "quick", adaptive: false, cases: [
 *   { fault: "client_killed", mechanism: "keepalive_tuned", observer: "server" },
 * ] });
 * console.log(results.cases[0].summary.text);
 * ```
 */
export async function runLab(options: LabOptions): Promise<LabResults> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.error(line));
  const p = options.parameters ?? DEFAULT_PARAMETERS;
  const specs = options.cases ?? caseMatrix(options.mode);
  const stale = await cleanupStaleNamespaces();
  if (stale.length > 0) {
    log(`removed ${stale.length} stale namespaces: ${stale.join(" ")}`);
  }

  const jobs: { spec: CaseSpec; repetition: number }[] = [];
  for (let repetition = 0; repetition < p.repetitions; repetition++) {
    for (const spec of specs) jobs.push({ spec, repetition });
  }
  // The adaptive experiment mostly waits; it runs beside the cases.
  const adaptiveRun = options.adaptive ?? true
    ? runAdaptive(p, log, {
      observeAfterSettleMs: options.mode === "quick" ? 10_000 : 30_000,
    }).catch((error) => skippedAdaptive(`failed: ${(error as Error).message}`))
    : Promise.resolve(skippedAdaptive("skipped (--no-adaptive)"));
  const runs = new Map<string, LabRun[]>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { spec, repetition } = jobs[next++];
      const id = `${spec.fault}/${spec.mechanism}`;
      let result: LabRun;
      try {
        result = await runCase(spec, repetition, p);
      } catch (error) {
        log(`${id} #${repetition}: setup failed: ${(error as Error).message}`);
        continue;
      }
      done++;
      const shown = result.outcome === "detected"
        ? `${result.detectionMs} ms (${
          spec.observer === "server" ? result.server.how : result.client.how
        })`
        : result.outcome;
      log(`[${done}/${jobs.length}] ${id} #${repetition}: ${shown}`);
      runs.set(id, [...(runs.get(id) ?? []), result]);
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 4 }, worker));

  const cases: LabCase[] = specs.map((spec) => {
    const id = `${spec.fault}/${spec.mechanism}`;
    const predicted = predict(spec.fault, spec.mechanism, p);
    const list = (runs.get(id) ?? []).sort((a, b) =>
      a.repetition - b.repetition
    );
    return {
      id,
      ...spec,
      predicted,
      runs: list,
      summary: summarize(list, predicted, p),
    };
  });

  const adaptive = await adaptiveRun;
  log(`adaptive: ${adaptive.ok ? "ok" : "not ok"}: ${adaptive.note ?? ""}`);

  const uname = await new Deno.Command("uname", { args: ["-r"] }).output();
  return parseLabResults({
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    kernel: new TextDecoder().decode(uname.stdout).trim(),
    deno: Deno.version.deno,
    mode: options.mode,
    durationMs: Date.now() - started,
    command: options.command ??
      `deno task lab${options.mode === "quick" ? " --quick" : ""}`,
    parameters: p,
    faults: FAULTS,
    mechanisms: MECHANISMS,
    cases,
    formulaChecks: formulaChecks(cases),
    adaptive,
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    quick: { type: "boolean", default: false },
    repetitions: { type: "string" },
    parallel: { type: "string", default: "4" },
    only: { type: "string" },
    out: { type: "string", default: DEFAULT_OUT },
    charts: { type: "string", default: DEFAULT_CHARTS },
    "no-adaptive": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const args = validateFlags(FlagsSchema, values);
  if (Deno.uid() !== 0) {
    console.error(
      "lab: Needs root to create network namespaces (run it as root)",
    );
    return 4;
  }
  const mode = args.quick ? "quick" : "full";
  const parameters = {
    ...DEFAULT_PARAMETERS,
    repetitions: args.repetitions ??
      (args.quick ? 1 : DEFAULT_PARAMETERS.repetitions),
  };
  let cases = caseMatrix(mode);
  if (args.only !== undefined) {
    cases = cases.filter((c) =>
      `${c.fault}/${c.mechanism}`.includes(args.only!)
    );
  }
  // Ctrl-C or a kill: delete this run's namespaces before exiting.
  const onSignal = () => {
    deleteNamespaces(`${NETNS_PREFIX}${Deno.pid}-`).finally(() =>
      Deno.exit(130)
    );
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const results = await runLab({
      mode,
      parameters,
      cases,
      parallel: args.parallel,
      adaptive: !args["no-adaptive"],
      command: ["deno task lab", ...argv].join(" "),
    });
    await Deno.mkdir(new URL(".", `file://${args.out}`), { recursive: true });
    await Deno.writeTextFile(args.out, JSON.stringify(results, null, 2) + "\n");
    const charts = await writeCharts(results, args.charts);
    console.error(
      `wrote ${args.out} and ${charts.length} charts in ${args.charts}`,
    );
    for (const c of results.cases) {
      console.log(
        `${c.id.padEnd(42)} ${
          c.summary.text.padEnd(34)
        } predicted: ${c.predicted.formula}`,
      );
    }
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    const left = (await cleanupStaleNamespaces()).length +
      (await listNamespaces(`${NETNS_PREFIX}${Deno.pid}-`)).length;
    if (left > 0) console.error(`lab: ${left} namespaces were left behind`);
  }
}

if (import.meta.main) Deno.exit(await runCli("lab", main, Deno.args));
