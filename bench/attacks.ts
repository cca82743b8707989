/**
 * The attack benchmark (issue 15, "Hostile networks"): each attack run
 * against each server asked for (this checkout, or another git revision
 * checked out into a temporary worktree), with a fresh server per attack
 * on 127.0.0.1 port 0 and 20 well-behaved witness clients pinging every
 * second throughout. It reports the witnesses' pong round trips (p50, p99,
 * max) and how many were dropped, and what the attack itself achieved:
 * bytes the server took from the attacker, when it was cut, how long a
 * victim held its name, how soon new clients were served again. The
 * attacks on the client run each revision's client CLI against a hostile
 * server instead. Prints a Markdown table and writes the JSON report to
 * `bench/results/`.
 *
 * ```sh
 * deno task bench:attacks --servers lifeline-node,lifeline-node@4493b0c --attacks all --duration 10s
 * deno task bench:attacks --attacks unknown-frames,after-bye --duration 3s
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { z } from "zod";
import { mintToken, parseAuthKey } from "../auth/mod.ts";
import {
  byteSizeFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  UsageError,
  validateFlags,
} from "../common/cli.ts";
import { formatDuration } from "../common/duration.ts";
import { runClientAttack } from "./_attack_client.ts";
import {
  ATTACK_NAMES,
  type AttackName,
  ATTACKS,
  type AttackSpec,
  type ClientAttackName,
  type ServerVariant,
} from "./_attack_list.ts";
import {
  type AttackResult,
  type AttacksReport,
  renderReport,
} from "./_attack_report.ts";
import { AttackServer, serverFlags } from "./_attack_server.ts";
import type { Outcome } from "./_attack_types.ts";
import { commandOutput, loadavg, machine } from "./_machine.ts";
import { clockTicksPerSecond, readCpuTicks } from "./_proc.ts";
import {
  type Checkout,
  checkOut,
  removeCheckout,
  resolveRevision,
} from "./_revisions.ts";
import { sleep } from "./_raw_peer.ts";
import { Witnesses } from "./_witnesses.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const KINDS = ["lifeline-node", "lifeline-deno"] as const;

const USAGE = `Usage: deno task bench:attacks [options]

Runs each attack of issue 15 against each server, with witnesses pinging
throughout, and prints the table (witness round trips and drops, and what
the attack achieved). The JSON report goes to --out-dir.

Options:
  --servers LIST    lifeline-node, lifeline-deno, each optionally @REV (a
                    git revision, checked out into a temporary worktree)
                    (default lifeline-node,lifeline-node@4493b0c)
  --attacks LIST    all, or some of:
                    ${ATTACK_NAMES.join(", ")}
                    (default all)
  --duration DUR    how long each attack lasts (default 10s)
  --witnesses N     witnesses per server attack, pinging every second
                    (default 20)
  --interval DUR    the servers' --interval (default 1s)
  --timeout DUR     the servers' --timeout (default 5s)
  --max-bytes SIZE  most bytes one attacking connection sends (default 4096MiB)
  --message-bytes SIZE  the body of each message broadcast-flood sends
                    (default 10KiB, at most 65000)
  --aftermath DUR   how long the witnesses go on after the attacker is done
                    (default 2s)
  --out-dir DIR     where the JSON report goes (default bench/results)
  --help            show this help`;

/** One entry of `--servers`. */
interface ServerChoice {
  kind: typeof KINDS[number];
  revision?: string;
}

function list(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

const serversFlag = z.string().transform((text, ctx) => {
  const choices: ServerChoice[] = [];
  for (const item of list(text)) {
    const [kind, revision] = item.split("@", 2);
    if (!(KINDS as readonly string[]).includes(kind)) {
      ctx.addIssue({
        code: "custom",
        message: `--servers: Cannot use "${item}": expected ${
          KINDS.join(" or ")
        }, optionally @REV`,
      });
      return z.NEVER;
    }
    choices.push({ kind: kind as ServerChoice["kind"], revision });
  }
  return choices;
});

const attacksFlag = z.string().transform((text, ctx) => {
  const names = list(text);
  if (names.length === 1 && names[0] === "all") return [...ATTACK_NAMES];
  for (const name of names) {
    if (!(ATTACK_NAMES as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: "custom",
        message: `--attacks: Cannot use "${name}": expected all or some of ${
          ATTACK_NAMES.join(",")
        }`,
      });
      return z.NEVER;
    }
  }
  return ATTACK_NAMES.filter((name) => names.includes(name));
});

const schema = z.object({
  help: z.boolean(),
  servers: serversFlag,
  attacks: attacksFlag,
  duration: durationFlag("duration", { min: 500, max: 600_000 }),
  witnesses: integerFlag("witnesses", 1, 1000),
  interval: durationFlag("interval", { min: 10 }),
  timeout: durationFlag("timeout", { min: 20 }),
  "max-bytes": byteSizeFlag("max-bytes", 1024, 2 ** 40),
  "message-bytes": byteSizeFlag("message-bytes", 1, 65_000),
  aftermath: durationFlag("aftermath", { min: 0, max: 60_000 }),
  "out-dir": z.string(),
});

type Settings = z.infer<typeof schema>;

function parse(args: string[]): Settings {
  const { values } = parseFlags(args, {
    help: { type: "boolean", default: false },
    servers: { type: "string", default: "lifeline-node,lifeline-node@4493b0c" },
    attacks: { type: "string", default: "all" },
    duration: { type: "string", default: "10s" },
    witnesses: { type: "string", default: "20" },
    interval: { type: "string", default: "1s" },
    timeout: { type: "string", default: "5s" },
    "max-bytes": { type: "string", default: "4096MiB" },
    "message-bytes": { type: "string", default: "10KiB" },
    aftermath: { type: "string", default: "2s" },
    "out-dir": { type: "string", default: `${ROOT}bench/results` },
  });
  const settings = validateFlags(schema, values);
  if (settings.interval >= settings.timeout) {
    throw new UsageError(
      `--interval: Cannot use ${
        formatDuration(settings.interval)
      }: expected less than --timeout (${formatDuration(settings.timeout)})`,
    );
  }
  return settings;
}

/** A server to attack: where it runs from, and what it supports. */
interface Target {
  transport: "node" | "deno";
  revision: string | null;
  root: string;
  jsonLog: boolean;
  flags: ReadonlySet<string>;
  label: string;
}

/** The auth key the `--auth jwt` runs use, in a file, and its tokens. */
interface Auth {
  file: string;
  token: (name: string) => Promise<string>;
}

async function makeAuth(dir: string): Promise<Auth> {
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const file = `${dir}/auth-secret`;
  await Deno.writeTextFile(file, secret);
  const key = parseAuthKey(secret);
  return {
    file,
    token: (name) => mintToken(key, { name, ttlMs: 3_600_000 }),
  };
}

async function runAttacker(
  attack: AttackName,
  port: number,
  settings: Settings,
  secret: string | undefined,
): Promise<Outcome> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/_attacker.ts`,
      "--attack",
      attack,
      "--port",
      String(port),
      "--duration",
      `${settings.duration}ms`,
      "--max-bytes",
      String(settings["max-bytes"]),
      "--message-bytes",
      String(settings["message-bytes"]),
      ...(secret === undefined ? [] : ["--secret", secret]),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Every attack is bounded in time; this is the bound of the bound.
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, settings.duration + 60_000);
  try {
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) {
      const stderr = new TextDecoder().decode(out.stderr).trim();
      throw new Error(
        `The attacker failed (exit code ${out.code}): ${
          stderr.split("\n").slice(-3).join(" ")
        }`,
      );
    }
    return JSON.parse(stdout.split("\n").at(-1)!);
  } finally {
    clearTimeout(killer);
  }
}

async function runServerAttack(
  spec: AttackSpec,
  target: Target,
  variant: ServerVariant,
  settings: Settings,
  auth: Auth,
): Promise<AttackResult> {
  const flags = [
    "--interval",
    `${settings.interval}ms`,
    "--timeout",
    `${settings.timeout}ms`,
    ...(target.flags.has("--drain") ? ["--drain", "0"] : []),
    ...(variant.auth ? ["--auth", "jwt", "--auth-key", auth.file] : []),
    ...variant.args ?? [],
  ];
  const server = await AttackServer.start({
    root: target.root,
    transport: target.transport,
    jsonLog: target.jsonLog,
    flags,
    openFiles: spec.openFiles,
  });
  let outcome: Outcome;
  let cpuPercent: number;
  let witnessReport;
  try {
    const witnesses = await Witnesses.start(server.port, {
      count: settings.witnesses,
      everyMs: 1000,
      token: variant.auth ? auth.token : undefined,
    });
    try {
      await witnesses.untilEachPonged(1, 5000);
      const cpuStart = readCpuTicks(server.pid);
      const start = performance.now();
      if (spec.holdLog) server.hold();
      try {
        outcome = await runAttacker(
          spec.name,
          server.port,
          settings,
          variant.auth ? auth.file : undefined,
        );
      } finally {
        server.release();
      }
      await sleep(settings.aftermath);
      const cpuMs = (readCpuTicks(server.pid) - cpuStart) * 1000 /
        clockTicksPerSecond();
      cpuPercent = Math.round(100 * cpuMs / (performance.now() - start));
    } finally {
      witnessReport = await witnesses.stop();
    }
  } finally {
    await server.stop();
  }
  if (spec.holdLog) {
    outcome.stallMs = Math.round(witnessReport.worstGapMs);
    outcome.timeouts = target.jsonLog
      ? server.events.get("timeout") ?? 0
      : null;
    outcome.logDropped = target.jsonLog ? server.logDropped : null;
  }
  return {
    attack: spec.name,
    server: [target.label, variant.label].filter(Boolean).join(", "),
    revision: target.revision,
    flags: [
      ...(spec.openFiles ? [`(ulimit -n ${spec.openFiles})`] : []),
      "--transport",
      target.transport,
      ...(target.jsonLog ? ["--log-format", "json"] : []),
      ...flags.map((f) => f === auth.file ? "FILE" : f),
    ],
    witnesses: witnessReport,
    serverCpuPercent: cpuPercent,
    outcome,
    summary: spec.summarize(outcome),
    failure: null,
  };
}

async function runOne(
  spec: AttackSpec,
  target: Target,
  settings: Settings,
  auth: Auth,
): Promise<AttackResult[]> {
  if (spec.target === "client") {
    const outcome = await runClientAttack(
      spec.name as ClientAttackName,
      target.root,
      settings.duration,
    );
    return [{
      attack: spec.name,
      server: `client${target.revision ? ` @${target.revision}` : ""}`,
      revision: target.revision,
      flags: [],
      witnesses: null,
      serverCpuPercent: null,
      outcome,
      summary: spec.summarize(outcome),
      failure: null,
    }];
  }
  const results: AttackResult[] = [];
  for (const variant of spec.variants(target.flags)) {
    results.push(await runServerAttack(spec, target, variant, settings, auth));
  }
  return results;
}

function failed(
  spec: AttackSpec,
  target: Target,
  error: unknown,
): AttackResult {
  const message = (error as Error).message.replaceAll("\n", " ");
  return {
    attack: spec.name,
    server: spec.target === "client"
      ? `client${target.revision ? ` @${target.revision}` : ""}`
      : target.label,
    revision: target.revision,
    flags: [],
    witnesses: null,
    serverCpuPercent: null,
    outcome: {},
    summary: `the run failed: ${message}`,
    failure: message,
  };
}

async function targets(
  choices: ServerChoice[],
  dir: string,
  checkouts: Checkout[],
): Promise<Target[]> {
  const found: Target[] = [];
  for (const { kind, revision } of choices) {
    let root = ROOT;
    let jsonLog = true;
    if (revision !== undefined) {
      const commit = await resolveRevision(revision);
      if (commit === null) {
        throw new UsageError(
          `--servers: Cannot use "${kind}@${revision}": git knows no commit "${revision}" in ${ROOT}`,
        );
      }
      let checkout = checkouts.find((c) => c.commit === commit);
      if (checkout === undefined) {
        console.error(`[attacks] checking out ${revision} (${commit})`);
        checkout = await checkOut(
          revision,
          commit,
          `${dir}/lifeline-${commit.slice(0, 12)}`,
        );
        checkouts.push(checkout);
      }
      root = checkout.root;
      jsonLog = checkout.jsonLog;
    }
    const transport = kind === "lifeline-node" ? "node" : "deno";
    found.push({
      transport,
      revision: revision ?? null,
      root,
      jsonLog,
      flags: await serverFlags(root),
      label: `Lifeline (${transport})${revision ? ` @${revision}` : ""}`,
    });
  }
  return found;
}

/**
 * Runs the benchmark and writes its JSON report.
 *
 * @param settings The parsed command line.
 * @param command The command line, for the report.
 * @returns The report and the path of its JSON file.
 */
async function runAttacks(
  settings: Settings,
  command: string,
): Promise<{ report: AttacksReport; json: string }> {
  const report: AttacksReport = {
    date: new Date().toISOString(),
    command,
    machine: await machine(),
    load: { before: loadavg(), after: "" },
    versions: {
      deno: Deno.version.deno,
      lifeline: await commandOutput("git", [
        "-C",
        ROOT,
        "describe",
        "--always",
        "--dirty",
      ]),
    },
    settings: {
      duration: `${settings.duration}ms`,
      witnesses: settings.witnesses,
      witnessPingEvery: "1000ms",
      interval: `${settings.interval}ms`,
      timeout: `${settings.timeout}ms`,
      maxBytes: settings["max-bytes"],
      messageBytes: settings["message-bytes"],
      aftermath: `${settings.aftermath}ms`,
    },
    results: [],
  };
  const dir = await Deno.makeTempDir({ prefix: "attacks_" });
  const checkouts: Checkout[] = [];
  try {
    const auth = await makeAuth(dir);
    const all = await targets(settings.servers, dir, checkouts);
    // A client attack runs once per checkout, whatever its transport.
    for (const name of settings.attacks) {
      const spec = ATTACKS[name];
      const roots = new Set<string>();
      for (const target of all) {
        if (spec.target === "client") {
          if (roots.has(target.root)) continue;
          roots.add(target.root);
        }
        console.error(
          `[attacks] ${name} against ${
            spec.target === "client" ? "the client of " : ""
          }${target.label} (load ${loadavg()})`,
        );
        try {
          report.results.push(...await runOne(spec, target, settings, auth));
        } catch (error) {
          console.error(`[attacks] ${name} failed: ${error}`);
          report.results.push(failed(spec, target, error));
        }
        await sleep(300);
      }
    }
  } finally {
    for (const checkout of checkouts) await removeCheckout(checkout);
    await Deno.remove(dir, { recursive: true });
  }
  report.load.after = loadavg();
  await Deno.mkdir(settings["out-dir"], { recursive: true });
  const stamp = report.date.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  const json = `${settings["out-dir"]}/${stamp}-attacks.json`;
  await Deno.writeTextFile(json, JSON.stringify(report, null, 2));
  return { report, json };
}

async function main(args: string[]): Promise<number> {
  const settings = parse(args);
  if (settings.help) {
    console.log(USAGE);
    return 0;
  }
  const command = `deno task bench:attacks ${args.join(" ")}`.trim();
  const { report, json } = await runAttacks(settings, command);
  console.log(renderReport(report));
  console.error(`[attacks] wrote ${json}`);
  return report.results.some((r) => r.failure !== null) ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("attacks", main, Deno.args));
}
