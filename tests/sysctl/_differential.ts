/**
 * The differential harness: generates seeded layouts, runs the real
 * procps `sysctl --system` and `systemd-sysctl` over them inside private
 * mount and network namespaces, and compares what they leave with what the
 * sysctl manager predicts (`show`), and with what `apply` and `check`
 * conclude. Needs root.
 *
 * Run it by hand for the agreement figures:
 * `sudo deno run -A tests/sysctl/_differential.ts [--layouts 1000] [--seed 1] [--verbose]`
 *
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  applyKeepalive,
  type BootLoader,
  inspectKeepalive,
  KEEPALIVE_FIELDS,
  KEEPALIVE_KEYS,
  type KeepaliveSettings,
  planChanges,
} from "../../sysctl/mod.ts";
import {
  describeLayout,
  generateLayout,
  type Layout,
  writeLayout,
} from "./_layouts.ts";

const LOADERS: readonly BootLoader[] = ["procps", "systemd"];
const DRIVER = new URL("./_run_loaders.sh", import.meta.url).pathname;

/** What the real loaders left, by manifest id and loader. */
type Observed = Map<string, Record<BootLoader, KeepaliveSettings>>;

/** One disagreement between the manager and a real loader. */
export interface Disagreement {
  /** The layout. */
  layout: Layout;
  /** `show`, `apply` or `check`. */
  what: "show" | "apply" | "check";
  /** The loader. */
  loader: BootLoader;
  /** What went wrong, in words. */
  detail: string;
}

/** Agreement counts of one kind of layout. */
export interface Tally {
  /** Layouts of this kind. */
  layouts: number;
  /** Layouts where `show` predicts what each loader boots. */
  show: Record<BootLoader, number>;
  /** Successful applies. */
  applied: number;
  /** Applies after which each loader boots the value or `apply` warned. */
  apply: Record<BootLoader, number>;
  /** Layouts whose `check` said OK. */
  checkedOk: number;
  /** Of those, where the file alone gives each loader the desired values. */
  check: Record<BootLoader, number>;
}

/** The outcome of a run. */
export interface DifferentialResult {
  /** Counts for plain and for odd layouts. */
  tallies: { plain: Tally; odd: Tally };
  /** Every disagreement. */
  disagreements: Disagreement[];
}

function emptyTally(): Tally {
  return {
    layouts: 0,
    show: { procps: 0, systemd: 0 },
    applied: 0,
    apply: { procps: 0, systemd: 0 },
    checkedOk: 0,
    check: { procps: 0, systemd: 0 },
  };
}

function parseValues(text: string): KeepaliveSettings {
  const [time, intvl, probes] = text.trim().split(/\s+/).map(Number);
  return { time, intvl, probes };
}

async function runLoaders(
  base: string,
  jobs: { id: string; mode: "system" | "file"; tree: string; file?: string }[],
): Promise<Observed> {
  const manifest = join(base, "manifest.tsv");
  await Deno.writeTextFile(
    manifest,
    jobs.map((job) =>
      [job.id, job.mode, job.tree, job.file ?? ""].join("\t") + "\n"
    ).join(""),
  );
  const output = await new Deno.Command("unshare", {
    args: [
      "-m",
      "-n",
      "--propagation",
      "private",
      "--",
      "bash",
      DRIVER,
      join(base, "chroot"),
      manifest,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(`Cannot run the loaders: ${stderr}`);
  }
  const observed: Observed = new Map();
  for (const row of new TextDecoder().decode(output.stdout).split("\n")) {
    if (row === "") continue;
    const [id, loader, values] = row.split("\t");
    const entry = observed.get(id) ??
      {} as Record<BootLoader, KeepaliveSettings>;
    entry[loader as BootLoader] = parseValues(values);
    observed.set(id, entry);
  }
  for (const job of jobs) {
    if (!observed.has(job.id)) {
      throw new Error(`The loaders printed nothing for ${job.id}: ${stderr}`);
    }
  }
  return observed;
}

function same(a: KeepaliveSettings, b: KeepaliveSettings): boolean {
  return KEEPALIVE_FIELDS.every((field) => a[field] === b[field]);
}

function fits(
  actual: KeepaliveSettings,
  desired: Partial<KeepaliveSettings>,
): boolean {
  return KEEPALIVE_FIELDS.every((field) =>
    desired[field] === undefined || actual[field] === desired[field]
  );
}

/** Whether one of `apply`'s warnings says this loader may not boot `field`. */
function warned(
  warnings: string[],
  loader: BootLoader,
  field: keyof KeepaliveSettings,
): boolean {
  const name = loader === "systemd" ? /systemd/ : /procps/;
  return warnings.some((warning) =>
    name.test(warning) &&
    (warning.includes(KEEPALIVE_KEYS[field]) ||
      /does not (load|read)/.test(warning))
  );
}

async function predict(
  root: string,
): Promise<Record<BootLoader, KeepaliveSettings> | string> {
  try {
    const report = await inspectKeepalive({ root, procDir: "/proc" });
    return {
      procps: report.boot.procps.effective,
      systemd: report.boot.systemd.effective,
    };
  } catch (error) {
    return `show failed: ${(error as Error).message}`;
  }
}

/**
 * Runs the harness over `count` layouts.
 *
 * @param count How many layouts (half plain, half odd).
 * @param seed The seed; the same seed gives the same layouts.
 * @returns The tallies and the disagreements.
 */
export async function runDifferential(
  count: number,
  seed: number,
): Promise<DifferentialResult> {
  const base = await Deno.makeTempDir({ prefix: `sysctl-diff-${Deno.pid}-` });
  try {
    const layouts = Array.from(
      { length: count },
      (_, id) => generateLayout(id, seed),
    );
    const jobs: {
      id: string;
      mode: "system" | "file";
      tree: string;
      file?: string;
    }[] = [];
    const applied = new Map<
      number,
      { warnings: string[]; drifts: boolean }
    >();
    const checkedOk = new Set<number>();
    for (const layout of layouts) {
      const tree = join(base, `l${layout.id}`);
      const after = join(base, `a${layout.id}`);
      await Deno.mkdir(tree);
      await Deno.mkdir(after);
      await writeLayout(layout, tree);
      await writeLayout(layout, after);
      jobs.push({ id: `b${layout.id}`, mode: "system", tree });
      const options = {
        file: layout.target,
        procDir: "/proc",
        scope: "file" as const,
      };
      try {
        const check = await planChanges(layout.desired, {
          ...options,
          root: tree,
        });
        if (!check.changed) {
          checkedOk.add(layout.id);
          jobs.push({
            id: `c${layout.id}`,
            mode: "file",
            tree,
            file: layout.target,
          });
        }
      } catch {
        // check exits 5 here: it concludes nothing.
      }
      try {
        const changes = await applyKeepalive(layout.desired, {
          ...options,
          root: after,
        });
        const recheck = await planChanges(layout.desired, {
          ...options,
          root: after,
        });
        applied.set(layout.id, {
          warnings: changes.warnings,
          drifts: recheck.changed,
        });
        jobs.push({ id: `a${layout.id}`, mode: "system", tree: after });
        jobs.push({
          id: `f${layout.id}`,
          mode: "file",
          tree: after,
          file: layout.target,
        });
      } catch {
        // apply exits 5 (refuses the target): nothing to compare.
      }
    }
    const observed = await runLoaders(base, jobs);
    const tallies = { plain: emptyTally(), odd: emptyTally() };
    const disagreements: Disagreement[] = [];
    for (const layout of layouts) {
      const tally = tallies[layout.odd ? "odd" : "plain"];
      tally.layouts++;
      const real = observed.get(`b${layout.id}`)!;
      const predicted = await predict(join(base, `l${layout.id}`));
      for (const loader of LOADERS) {
        if (
          typeof predicted !== "string" && same(predicted[loader], real[loader])
        ) {
          tally.show[loader]++;
        } else {
          disagreements.push({
            layout,
            what: "show",
            loader,
            detail: `${loader} boots ${
              JSON.stringify(real[loader])
            }, show predicts ${
              typeof predicted === "string"
                ? predicted
                : JSON.stringify(predicted[loader])
            }`,
          });
        }
      }
      const apply = applied.get(layout.id);
      if (apply !== undefined) {
        tally.applied++;
        const booted = observed.get(`a${layout.id}`)!;
        const alone = observed.get(`f${layout.id}`)!;
        for (const loader of LOADERS) {
          const unwarned = KEEPALIVE_FIELDS.filter((field) =>
            layout.desired[field] !== undefined &&
            booted[loader][field] !== layout.desired[field] &&
            !warned(apply.warnings, loader, field)
          );
          const fileWrong = !fits(alone[loader], layout.desired);
          if (unwarned.length === 0 && !fileWrong && !apply.drifts) {
            tally.apply[loader]++;
          } else {
            disagreements.push({
              layout,
              what: "apply",
              loader,
              detail: apply.drifts
                ? "check still finds drift after the apply"
                : fileWrong
                ? `after apply the file alone gives ${loader} ${
                  JSON.stringify(alone[loader])
                }`
                : `after apply ${loader} boots ${
                  JSON.stringify(booted[loader])
                } and apply did not warn about ${unwarned.join(", ")}`,
            });
          }
        }
      }
      if (checkedOk.has(layout.id)) {
        tally.checkedOk++;
        const alone = observed.get(`c${layout.id}`)!;
        for (const loader of LOADERS) {
          if (fits(alone[loader], layout.desired)) tally.check[loader]++;
          else {
            disagreements.push({
              layout,
              what: "check",
              loader,
              detail: `check says OK but the file alone gives ${loader} ${
                JSON.stringify(alone[loader])
              }`,
            });
          }
        }
      }
    }
    return { tallies, disagreements };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "-" : `${(100 * part / whole).toFixed(1)}%`;
}

/** The agreement figures as a small Markdown table. */
export function formatTallies(result: DifferentialResult): string {
  const rows = [
    "| layouts | loader | show agrees | apply right or warned | check OK and right |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const kind of ["plain", "odd"] as const) {
    const t = result.tallies[kind];
    for (const loader of LOADERS) {
      rows.push(
        `| ${kind} (${t.layouts}) | ${loader} | ${
          t.show[loader]
        }/${t.layouts} (${percent(t.show[loader], t.layouts)}) | ${
          t.apply[loader]
        }/${t.applied} | ${t.check[loader]}/${t.checkedOk} |`,
      );
    }
  }
  return rows.join("\n");
}

/** One disagreement with its layout, for a failure message. */
export function formatDisagreement(d: Disagreement): string {
  return `${d.what} ${d.loader}: ${d.detail}\n${describeLayout(d.layout)}`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      layouts: { type: "string", default: "1000" },
      seed: { type: "string", default: "1" },
      verbose: { type: "boolean" },
    },
  });
  const started = performance.now();
  const result = await runDifferential(
    Number(values.layouts),
    Number(values.seed),
  );
  console.log(formatTallies(result));
  console.log(
    `\n${result.disagreements.length} disagreements, ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  if (values.verbose) {
    for (const d of result.disagreements) {
      console.log(`\n${formatDisagreement(d)}`);
    }
  }
}
