/**
 * What TLS costs the server per connection: RSS per connection, CPU per
 * handshake, and CPU while every client pings, for TLS against plain TCP
 * in the same run. Three servers, one after another, each the server CLI
 * under the same load:
 *
 * - `node` on bare handles (plain TCP, the default transport),
 * - `node` on `net.Socket` (plain TCP on the connection layer TLS runs on),
 * - `tls` (`--tls-cert`, node:tls on `net.Socket`, a P-256 certificate).
 *
 * The clients run in a child process of their own (`--role clients`), so
 * their CPU is not counted: they connect in batches, say hello, wait for
 * `welcome`, then ping every `--interval`, spread evenly.
 *
 * ```sh
 * deno run -A bench/tls_cost.ts [--clients 10000] [--interval 5s] [--steady 20s]
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import { clockTicksPerSecond, readCpuTicks, readMemory } from "./_proc.ts";
import { loadavg, machine } from "./_machine.ts";

const USAGE = `Usage: deno run -A bench/tls_cost.ts [options]

Measures what TLS costs the server per connection against plain TCP: RSS
per connection, CPU per handshake, CPU while every client pings.

Options:
  --clients <n>        Connections per server (default 10000)
  --interval <dur>     Each client's ping interval (default 5s)
  --steady <dur>       How long CPU is measured while they ping (default 20s)
  --batch <n>          Connections opened at a time (default 200)
  --help               Show this help`;

const REPO = new URL("../", import.meta.url).pathname;

interface Settings {
  clients: number;
  interval: number;
  steady: number;
  batch: number;
}

const schema = z.object({
  help: z.boolean(),
  role: z.enum(["bench", "clients"]),
  clients: integerFlag("clients", 1, 50_000),
  interval: durationFlag("interval"),
  steady: durationFlag("steady"),
  batch: integerFlag("batch", 1, 10_000),
  port: integerFlag("port", 0, 65535),
  ca: z.string().optional(),
});

function parse(args: string[]) {
  const { values } = parseFlags(args, {
    help: { type: "boolean", default: false },
    role: { type: "string", default: "bench" },
    clients: { type: "string", default: "10000" },
    interval: { type: "string", default: "5s" },
    steady: { type: "string", default: "20s" },
    batch: { type: "string", default: "200" },
    port: { type: "string", default: "0" },
    ca: { type: "string" },
  });
  return validateFlags(schema, values);
}

// --- the clients (a child process) ---

const encoder = new TextEncoder();

async function runClients(
  settings: Settings,
  port: number,
  ca: string | undefined,
): Promise<void> {
  const caCerts = ca === undefined ? undefined : [Deno.readTextFileSync(ca)];
  const conns: Deno.Conn[] = [];
  const open = async (i: number): Promise<void> => {
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
    const conn: Deno.Conn = caCerts === undefined
      ? tcp
      : await Deno.startTls(tcp, { hostname: "localhost", caCerts });
    await conn.write(encoder.encode(`{"type":"hello","name":"c${i}"}\n`));
    const buffer = new Uint8Array(256);
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`client ${i}: closed before welcome`);
    conns.push(conn);
    // Read (and forget) the pongs from now on.
    (async () => {
      const sink = new Uint8Array(256);
      while ((await conn.read(sink)) !== null);
    })().catch(() => {});
  };
  const start = performance.now();
  for (let i = 0; i < settings.clients; i += settings.batch) {
    const last = Math.min(settings.clients, i + settings.batch);
    await Promise.all(
      Array.from({ length: last - i }, (_, k) => open(i + k)),
    );
  }
  console.log(
    JSON.stringify({ ready: conns.length, ms: performance.now() - start }),
  );
  // Every client pings once per interval: a slice of them every 50 ms.
  const slices = Math.max(1, Math.round(settings.interval / 50));
  let slice = 0;
  let seq = 0;
  setInterval(() => {
    seq++;
    for (let i = slice; i < conns.length; i += slices) {
      conns[i].write(encoder.encode(`{"type":"ping","seq":${seq}}\n`))
        .catch(() => {});
    }
    slice = (slice + 1) % slices;
  }, 50);
  await new Promise(() => {});
}

// --- the bench ---

interface Case {
  label: string;
  env: Record<string, string>;
  tls: boolean;
}

const CASES: Case[] = [
  { label: "node, bare handles (plain TCP)", env: {}, tls: false },
  {
    label: "node, net.Socket (plain TCP)",
    env: { LIFELINE_NO_BARE_HANDLES: "1" },
    tls: false,
  },
  { label: "node, net.Socket with TLS", env: {}, tls: true },
];

interface Result {
  label: string;
  clients: number;
  idleRssMiB: number;
  rssPerConnKiB: number;
  connectSeconds: number;
  handshakeCpuMs: number;
  steadyCpuPercent: number;
  cpuPer1kPingsMs: number;
}

async function makeCertificate(dir: string): Promise<void> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(new TextDecoder().decode(out.stderr));
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  await run([
    "req",
    "-x509",
    ...ec,
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=tls_cost CA",
  ]);
  await run([
    "req",
    ...ec,
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
  );
  await run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  ]);
}

function spawnUnderLimit(
  args: string[],
  env: Record<string, string>,
): Deno.ChildProcess {
  const quoted = args.map((a) => `'${a}'`).join(" ");
  return new Deno.Command("bash", {
    args: [
      "-c",
      // As many descriptors as the hard limit allows.
      `ulimit -n "$(ulimit -Hn)" && exec '${Deno.execPath()}' ${quoted}`,
    ],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

async function firstLine(
  reader: ReadableStreamDefaultReader<string>,
  match: (line: string) => boolean,
): Promise<string> {
  let text = "";
  while (true) {
    const lines = text.split("\n");
    const found = lines.slice(0, -1).find(match);
    if (found !== undefined) return found;
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`the process exited: ${text}`);
    text += chunk.value;
  }
}

function drain(reader: ReadableStreamDefaultReader<string>): void {
  (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  settings: Settings,
  item: Case,
  pki: string,
): Promise<Result> {
  const tick = 1000 / clockTicksPerSecond();
  const server = spawnUnderLimit([
    "run",
    "-A",
    `${REPO}server/main.ts`,
    "--port",
    "0",
    "--interval",
    `${settings.interval}ms`,
    "--timeout",
    `${settings.interval * 3}ms`,
    "--log-format",
    "json",
    ...(item.tls
      ? ["--tls-cert", `${pki}/server.pem`, "--tls-key", `${pki}/server.key`]
      : []),
  ], item.env);
  const serverOut = server.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let clients: Deno.ChildProcess | undefined;
  try {
    const listening = JSON.parse(
      await firstLine(serverOut, (l) => l.includes('"listening"')),
    );
    drain(serverOut);
    await sleep(1000);
    const idle = readMemory(server.pid).rssKiB;
    const cpuBefore = readCpuTicks(server.pid);
    clients = spawnUnderLimit([
      "run",
      "-A",
      `${REPO}bench/tls_cost.ts`,
      "--role",
      "clients",
      "--port",
      String(listening.address.port),
      "--clients",
      String(settings.clients),
      "--interval",
      `${settings.interval}ms`,
      "--batch",
      String(settings.batch),
      ...(item.tls ? ["--ca", `${pki}/ca.pem`] : []),
    ], {});
    const clientOut = clients.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const ready = JSON.parse(
      await firstLine(clientOut, (l) => l.includes('"ready"')),
    );
    drain(clientOut);
    const cpuConnected = readCpuTicks(server.pid);
    // Let the pings settle in, then measure a steady window.
    await sleep(Math.min(settings.interval, 5000));
    const cpuSteadyStart = readCpuTicks(server.pid);
    const t0 = performance.now();
    await sleep(settings.steady);
    const cpuSteadyEnd = readCpuTicks(server.pid);
    const elapsed = performance.now() - t0;
    const loaded = readMemory(server.pid).rssKiB;
    const pings = settings.clients * elapsed / settings.interval;
    const steadyMs = (cpuSteadyEnd - cpuSteadyStart) * tick;
    return {
      label: item.label,
      clients: ready.ready,
      idleRssMiB: idle / 1024,
      rssPerConnKiB: (loaded - idle) / ready.ready,
      connectSeconds: ready.ms / 1000,
      handshakeCpuMs: (cpuConnected - cpuBefore) * tick / ready.ready,
      steadyCpuPercent: 100 * steadyMs / elapsed,
      cpuPer1kPingsMs: 1000 * steadyMs / pings,
    };
  } finally {
    for (const child of [clients, server]) {
      try {
        child?.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await child?.status;
    }
  }
}

function table(results: Result[]): string {
  const rows = results.map((r) =>
    `| ${r.label} | ${r.clients} | ${r.idleRssMiB.toFixed(0)} | ${
      r.rssPerConnKiB.toFixed(1)
    } | ${r.connectSeconds.toFixed(1)} | ${r.handshakeCpuMs.toFixed(2)} | ${
      r.steadyCpuPercent.toFixed(1)
    } | ${r.cpuPer1kPingsMs.toFixed(1)} |`
  );
  return [
    "| server | clients | idle RSS (MiB) | RSS per connection (KiB) | connect all (s) | server CPU per connect (ms) | server CPU while pinging (%) | server CPU per 1,000 pings (ms) |",
    "| --- | --: | --: | --: | --: | --: | --: | --: |",
    ...rows,
  ].join("\n");
}

async function main(args: string[]): Promise<number> {
  const v = parse(args);
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const settings: Settings = {
    clients: v.clients,
    interval: v.interval,
    steady: v.steady,
    batch: v.batch,
  };
  if (v.role === "clients") {
    await runClients(settings, v.port, v.ca);
    return 0;
  }
  const pki = await Deno.makeTempDir({ prefix: "tls_cost" });
  try {
    await makeCertificate(pki);
    const results: Result[] = [];
    for (const item of CASES) {
      console.error(`measuring: ${item.label}`);
      results.push(await measure(settings, item, pki));
    }
    const m = await machine();
    console.log(
      `${settings.clients} clients pinging every ${settings.interval} ms, CPU over ${settings.steady} ms; ` +
        `${m.cpu}, ${m.cores} cores, Deno ${Deno.version.deno}, load average ${loadavg()}\n`,
    );
    console.log(table(results));
    console.log("\n" + JSON.stringify(results));
  } finally {
    await Deno.remove(pki, { recursive: true });
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("tls_cost", main, Deno.args));
}
