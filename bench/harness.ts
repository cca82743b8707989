/**
 * The benchmark harness: for each server (Lifeline with either transport,
 * and the baselines), starts it, ramps the load generator's clients, samples
 * the server process's RSS and CPU from `/proc` over a steady window that
 * ends before the clients leave, and writes a JSON and a Markdown report to
 * `bench/results/`. Every server of a run is measured on the same machine,
 * one after the other, so ratios between them are meaningful even on a
 * noisy machine. As root, the whole run happens in a private network
 * namespace (`unshare -n`), so it has the port range to itself.
 *
 * ```sh
 * deno task bench --clients 10000 --interval 1s --steady 26s
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseDuration } from "../common/duration.ts";
import { takeHeapSnapshot } from "./_inspector.ts";
import { LoadRun } from "./_load_run.ts";
import type { LoadProtocol } from "./_load_types.ts";
import { clockTicksPerSecond, readCpuTicks, readMemory } from "./_proc.ts";
import {
  type HarnessReport,
  renderMarkdown,
  type ServerResult,
} from "./_report.ts";
import {
  buildGoServer,
  KINDS_BY_PROTOCOL,
  SERVER_KINDS,
  type ServerKind,
  type ServerSettings,
  serverSpec,
} from "./_servers.ts";

const USAGE = `Usage: deno task bench [options]

  --clients N        connections per server (default 1000, at most 60000)
  --interval DUR     heartbeat interval (default 1s)
  --timeout DUR      servers drop a client silent this long (default 5s)
  --server-interval DUR  the interval Lifeline's server announces
                     (default: --interval)
  --tick DUR         Lifeline's sweep tick (default: the server's)
  --client-tick DUR  the load generator's timer wheel tick (default 2ms)
  --protocol LIST    go,lifeline (default both)
  --servers LIST     ${SERVER_KINDS.join(",")} (default all that fit)
  --settle DUR       wait after the ramp before measuring (default 3s)
  --steady DUR       the measured window (default 26s, at most 10m)
  --repeat N         measure the list of servers N times, interleaved, and
                     report medians (default 1, at most 5)
  --sources N        clients connect from 127.0.0.1..127.0.0.N (default 8)
  --per-process N    most clients per load worker process (default 15000)
  --out-dir DIR      where reports go (default bench/results)
  --v8-flags FLAGS   extra V8 flags for the Deno servers
  --cpu-prof DIR     write CPU profiles of Lifeline's server into DIR
  --heap-snapshot DIR  take a heap snapshot of each Deno server at the end
                     of its steady window (servers run with --inspect)
  --no-netns         run in the current network namespace even as root
  --help             show this help`;

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const NETNS_ENV = "LIFELINE_BENCH_NETNS";

const durationSchema = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

const listSchema = <T extends string>(allowed: readonly T[]) =>
  z.string().transform((text, ctx) => {
    const items = text.split(",").map((s) => s.trim()).filter(Boolean);
    for (const item of items) {
      if (!allowed.includes(item as T)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown "${item}", expected some of ${allowed.join(",")}`,
        });
        return z.NEVER;
      }
    }
    if (items.length === 0) {
      ctx.addIssue({ code: "custom", message: "expected at least one" });
      return z.NEVER;
    }
    return items as T[];
  });

const cliSchema = z.object({
  clients: z.coerce.number().int().min(1).max(60000),
  interval: durationSchema.pipe(z.number().min(10)),
  timeout: durationSchema.pipe(z.number().min(20)),
  "server-interval": durationSchema.pipe(z.number().min(10)).optional(),
  tick: durationSchema.pipe(z.number().min(1)).optional(),
  "client-tick": durationSchema.pipe(z.number().min(1).max(1000)),
  protocol: listSchema(["go", "lifeline"] as const),
  servers: listSchema(SERVER_KINDS).optional(),
  settle: durationSchema,
  steady: durationSchema.pipe(z.number().min(200).max(600_000)),
  sources: z.coerce.number().int().min(1).max(254),
  repeat: z.coerce.number().int().min(1).max(5),
  "per-process": z.coerce.number().int().min(1).max(19000),
  "out-dir": z.string(),
  "v8-flags": z.string().optional(),
  "cpu-prof": z.string().optional(),
  "heap-snapshot": z.string().optional(),
});

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
  servers?: ServerKind[];
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
}

/**
 * Parses the harness's arguments.
 *
 * @param args The command-line arguments.
 * @returns The options, or `"help"`.
 * @throws {TypeError} On a bad flag or value, with one clear line.
 *
 * @example
 * ```ts
 * import { parseHarnessArgs } from "./harness.ts";
 * const options = parseHarnessArgs(["--clients", "100", "--protocol", "go"]);
 * console.log(options !== "help" && options.protocols); // [ "go" ]
 * ```
 */
export function parseHarnessArgs(args: string[]): HarnessOptions | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
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
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TypeError((error as Error).message.split("\n")[0]);
  }
  if (values.help) return "help";
  const parsed = cliSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue.path[0]);
    throw new TypeError(
      `Cannot use --${flag} ${JSON.stringify(values[flag])}: ${issue.message}`,
    );
  }
  const v = parsed.data;
  return {
    clients: v.clients,
    intervalMs: v.interval,
    timeoutMs: v.timeout,
    serverIntervalMs: v["server-interval"] ?? v.interval,
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
    noNetns: values["no-netns"] === true,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${ms} ms: ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A started server process whose log is being read. */
class ServerProcess {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  #timeoutLine: RegExp;
  #counting = false;
  #timeouts = 0;
  #tail: string[] = [];
  #readers: Promise<void>[];

  constructor(argv: string[], timeoutLine: RegExp) {
    this.#timeoutLine = timeoutLine;
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.child.pid;
    this.#readers = [this.child.stdout, this.child.stderr].map((stream) =>
      this.#read(stream)
    );
  }

  /** Timeouts logged since {@link countFromNow}. */
  get timeouts(): number {
    return this.#timeouts;
  }

  /** The last lines the server logged. */
  get tail(): string {
    return this.#tail.join("\n");
  }

  countFromNow(): void {
    this.#counting = true;
    this.#timeouts = 0;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buffered = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      buffered += text;
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (this.#counting && this.#timeoutLine.test(line)) this.#timeouts++;
        this.#tail.push(line);
        if (this.#tail.length > 20) this.#tail.shift();
      }
    }
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already exited */ }
    const killer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* already exited */ }
    }, 5000);
    await this.child.status;
    clearTimeout(killer);
    await Promise.all(this.#readers);
  }
}

async function waitForPort(
  server: ServerProcess,
  host: string,
  port: number,
): Promise<void> {
  let exited = false;
  server.child.status.then(() => exited = true);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`The server exited at start:\n${server.tail}`);
    }
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`The server did not listen on ${host}:${port} within 20 s`);
}

async function freePort(host: string): Promise<number> {
  const listener = Deno.listen({ hostname: host, port: 0 });
  const port = listener.addr.port;
  listener.close();
  await sleep(10);
  return port;
}

/**
 * Measures one server under one protocol.
 *
 * @param kind Which server.
 * @param protocol What the clients speak.
 * @param options The run's options.
 * @param settings Address, port and policy for the server.
 * @returns The measurements.
 */
async function measureServer(
  kind: ServerKind,
  protocol: LoadProtocol,
  options: HarnessOptions,
  settings: ServerSettings,
): Promise<ServerResult> {
  const spec = serverSpec(kind, protocol, settings);
  const ticksPerSecond = clockTicksPerSecond();
  const log = (text: string) =>
    console.error(`[bench] ${spec.label} / ${protocol}: ${text}`);
  log(`starting on port ${settings.port}`);
  const server = new ServerProcess(spec.argv, spec.timeoutLine);
  let load: LoadRun | undefined;
  try {
    await waitForPort(server, settings.host, settings.port);
    await sleep(Math.min(1000, Math.max(300, options.settleMs)));
    const before = readMemory(server.pid);
    server.countFromNow();
    load = LoadRun.start({
      host: settings.host,
      port: settings.port,
      clients: options.clients,
      intervalMs: options.intervalMs,
      protocol,
      sources: options.sources,
      perProcess: options.perProcess,
      tickMs: options.clientTickMs,
      rampTimeoutMs: 90_000,
      maxSeconds: Math.ceil(
        (120_000 + options.settleMs + options.steadyMs) / 1000,
      ),
      namePrefix: `b${kind.replaceAll("-", "")}-`,
    });
    const ramp = await withTimeout(load.ramped, 100_000, "ramping the clients");
    log(`ramped ${ramp.ready}/${options.clients} in ${ramp.ms} ms`);
    // Settle for at least one interval, so every client has sent heartbeats
    // and the "after the ramp" sample includes its read buffers.
    await sleep(Math.max(options.settleMs, options.intervalMs));
    const afterRamp = readMemory(server.pid);
    await load.measure();
    const cpuStart = readCpuTicks(server.pid);
    const start = performance.now();
    const samples: [number, number][] = [];
    while (performance.now() - start < options.steadyMs) {
      await sleep(
        Math.min(1000, options.steadyMs - (performance.now() - start)),
      );
      samples.push([
        Math.round(performance.now() - start) / 1000,
        readMemory(server.pid).rssKiB,
      ]);
    }
    const cpuEnd = readCpuTicks(server.pid);
    const seconds = (performance.now() - start) / 1000;
    const end = readMemory(server.pid);
    const report = await load.report();
    const falseTimeouts = server.timeouts;
    const cpuSeconds = (cpuEnd - cpuStart) / ticksPerSecond;
    const connections = report.connections;
    const result: ServerResult = {
      kind,
      label: spec.label,
      protocol,
      clients: options.clients,
      connections,
      failed: report.failed,
      dropped: report.dropped,
      heartbeatsPerSecond: report.heartbeatsPerSecond,
      rssBeforeKiB: before.rssKiB,
      rssAfterRampKiB: afterRamp.rssKiB,
      rssEndKiB: end.rssKiB,
      peakKiB: end.peakKiB,
      rssPerConnectionKiB: connections > 0
        ? (end.rssKiB - before.rssKiB) / connections
        : 0,
      rssCreep: afterRamp.rssKiB > 0 ? end.rssKiB / afterRamp.rssKiB : 0,
      cpuPercent: (cpuSeconds / seconds) * 100,
      cpuMicrosPerHeartbeat: report.heartbeats > 0
        ? (cpuSeconds / report.heartbeats) * 1e6
        : 0,
      rtt: report.rtt,
      worstPerSecond: report.worstPerSecond,
      late: report.late,
      falseTimeouts,
      rampMs: ramp.ms,
      steadySeconds: seconds,
      samples,
      errors: report.errors,
      frames: report.frames,
    };
    if (settings.inspectPort && options.heapSnapshotDir) {
      await Deno.mkdir(options.heapSnapshotDir, { recursive: true });
      const path =
        `${options.heapSnapshotDir}/${kind}-${protocol}-n${connections}.heapsnapshot`;
      result.heap = await takeHeapSnapshot(settings.inspectPort, path);
      log(`heap snapshot in ${path}`);
    }
    log(
      `${connections} conns, ${
        result.rssPerConnectionKiB.toFixed(2)
      } KiB/conn, ` +
        `CPU ${result.cpuPercent.toFixed(1)}%, p99 ${
          report.rtt.p99.toFixed(2)
        } ms, drops ${report.dropped}, false timeouts ${falseTimeouts}, frames ${
          JSON.stringify(report.frames)
        }, errors ${JSON.stringify(report.errors)}`,
    );
    await load.close();
    load = undefined;
    return result;
  } finally {
    if (load) await load.kill();
    await server.stop();
  }
}

async function text(command: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped" })
      .output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "not installed";
  }
}

async function machine(): Promise<HarnessReport["machine"]> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  return {
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    kernel: Deno.osRelease(),
    memoryMiB: Math.round(
      Number(meminfo.match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0) / 1024,
    ),
  };
}

function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(
      " ",
    );
  } catch {
    return "unknown";
  }
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
  const report: HarnessReport = {
    date: new Date().toISOString(),
    command,
    machine: await machine(),
    load: { before: loadavg(), after: "" },
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      go: await text("go", ["version"]),
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
    },
    results: [],
    skipped: [],
  };
  const wanted = new Set(options.servers ?? SERVER_KINDS);
  let tempDir: string | undefined;
  let goBinary: string | undefined;
  try {
    if (
      (wanted.has("go") || wanted.has("go-quiet")) &&
      options.protocols.includes("go")
    ) {
      tempDir = await Deno.makeTempDir({ prefix: `bench_go_${Deno.pid}_` });
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
    for (let round = 1; round <= options.repeat; round++) {
      for (const protocol of options.protocols) {
        for (const kind of KINDS_BY_PROTOCOL[protocol]) {
          if (!wanted.has(kind)) continue;
          if (kind.startsWith("go") && !goBinary) continue;
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
          };
          try {
            const result = await measureServer(
              kind,
              protocol,
              options,
              settings,
            );
            result.round = round;
            report.results.push(result);
          } catch (error) {
            const reason = (error as Error).message.replaceAll("\n", " ");
            console.error(`[bench] ${kind} / ${protocol} failed: ${reason}`);
            report.skipped.push({ kind, protocol, reason });
          }
          await sleep(300);
        }
      }
    }
  } finally {
    if (tempDir) await Deno.remove(tempDir, { recursive: true });
  }
  report.load.after = loadavg();
  await Deno.mkdir(options.outDir, { recursive: true });
  const stamp = report.date.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  const base = `${options.outDir}/${stamp}-n${options.clients}-${
    options.protocols.join("+")
  }`;
  const markdown = renderMarkdown(report);
  await Deno.writeTextFile(`${base}.json`, JSON.stringify(report, null, 2));
  await Deno.writeTextFile(`${base}.md`, markdown);
  return { report, json: `${base}.json`, markdown: `${base}.md` };
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

if (import.meta.main) {
  let options: HarnessOptions | "help";
  try {
    options = parseHarnessArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  if (options === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  const inNamespace = Deno.env.get(NETNS_ENV) === "1";
  if (!inNamespace && !options.noNetns && Deno.uid() === 0) {
    Deno.exit(await reexecInNamespace());
  }
  const command = `deno task bench ${Deno.args.join(" ")}`.trim();
  const { report, json, markdown } = await runHarness(options, command);
  console.log(renderMarkdown(report));
  console.error(`[bench] wrote ${json} and ${markdown}`);
  Deno.exit(report.results.length > 0 ? 0 : 1);
}
