/**
 * What metrics cost a server under load, measured in one run: N clients
 * heartbeat against `server/main.ts` without the admin endpoint ("off"),
 * then with `--admin` and a scraper reading `/metrics` every second ("on"),
 * alternating the order round by round; the server's CPU time (from
 * `/proc/<pid>/stat`) is divided by the heartbeats it answered in the
 * measured window. Prints one row per run, the medians and their ratio.
 *
 * ```sh
 * deno run -A bench/metrics_cost.ts --clients 2000 --interval 1s --duration 10s --rounds 3
 * ```
 *
 * @module
 */

import { z } from "zod";
import {
  choiceFlag,
  durationFlag,
  integerFlag,
  parseFlags,
  runCli,
  validateFlags,
} from "../common/cli.ts";
import { LoadRun } from "./_load_run.ts";
import { loadavg } from "./_machine.ts";
import { clockTicksPerSecond, readCpuTicks } from "./_proc.ts";
import { ServerProcess } from "./_server_process.ts";
import { median } from "./_stats.ts";
import { freePort } from "./_free_port.ts";

const USAGE = `Usage: deno run -A bench/metrics_cost.ts [options]

  --clients N       heartbeating connections (default 2000)
  --interval DUR    heartbeat interval (default 1s)
  --duration DUR    measured window of each run (default 10s)
  --rounds N        rounds of off + on (default 3)
  --scrape DUR      how often the "on" runs scrape /metrics (default 1s)
  --transport T     node | deno (default node)
  --json            print the runs as JSON
  --help            show this help`;

const SERVER = new URL("../server/main.ts", import.meta.url).pathname;

const Flags = z.object({
  clients: integerFlag("clients", 1, 20000),
  interval: durationFlag("interval", { min: 50 }),
  duration: durationFlag("duration", { min: 1000, max: 600_000 }),
  rounds: integerFlag("rounds", 1, 20),
  scrape: durationFlag("scrape", { min: 100 }),
  transport: choiceFlag("transport", ["node", "deno"]),
  json: z.boolean(),
  help: z.boolean(),
});

/** One measured run. */
interface Run {
  mode: "off" | "on";
  round: number;
  heartbeats: number;
  cpuSeconds: number;
  microsPerHeartbeat: number;
  scrapes: number;
  scrapeBytes: number;
}

async function measure(
  mode: "off" | "on",
  round: number,
  flags: z.infer<typeof Flags>,
): Promise<Run> {
  const port = freePort();
  const adminPort = freePort();
  const args = [
    "run",
    "-A",
    SERVER,
    "--port",
    String(port),
    "--interval",
    `${flags.interval}ms`,
    "--timeout",
    `${flags.interval * 3}ms`,
    "--transport",
    flags.transport,
    "--log-format",
    "json",
    "--drain",
    "0",
    ...(mode === "on" ? ["--admin", `127.0.0.1:${adminPort}`] : []),
  ];
  const server = new ServerProcess([Deno.execPath(), ...args]);
  let scraping = false;
  let scrapes = 0;
  let scrapeBytes = 0;
  let scraper: Promise<void> = Promise.resolve();
  try {
    await server.listening("127.0.0.1", port);
    const load = LoadRun.start({
      port,
      clients: flags.clients,
      intervalMs: flags.interval,
      namePrefix: `${mode}${round}-`,
    });
    try {
      const ramp = await load.ramped;
      if (ramp.ready < flags.clients) {
        throw new Error(
          `Only ${ramp.ready} of ${flags.clients} clients connected`,
        );
      }
      // Settle: the ramp's own cost is not the steady state's.
      await new Promise((resolve) => setTimeout(resolve, flags.interval * 2));
      if (mode === "on") {
        scraping = true;
        scraper = (async () => {
          while (scraping) {
            const started = performance.now();
            const response = await fetch(
              `http://127.0.0.1:${adminPort}/metrics`,
            );
            scrapeBytes += (await response.arrayBuffer()).byteLength;
            scrapes++;
            const wait = flags.scrape - (performance.now() - started);
            await new Promise((resolve) =>
              setTimeout(resolve, Math.max(0, wait))
            );
          }
        })();
      }
      await load.measure();
      const cpuBefore = readCpuTicks(server.pid);
      await new Promise((resolve) => setTimeout(resolve, flags.duration));
      const cpuAfter = readCpuTicks(server.pid);
      const report = await load.report();
      scraping = false;
      await scraper;
      const cpuSeconds = (cpuAfter - cpuBefore) / clockTicksPerSecond();
      return {
        mode,
        round,
        heartbeats: report.heartbeats,
        cpuSeconds,
        microsPerHeartbeat: (cpuSeconds * 1e6) / Math.max(1, report.heartbeats),
        scrapes,
        scrapeBytes: scrapes === 0 ? 0 : Math.round(scrapeBytes / scrapes),
      };
    } finally {
      scraping = false;
      await scraper.catch(() => {});
      await load.close();
    }
  } finally {
    await server.stop();
  }
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    clients: { type: "string", default: "2000" },
    interval: { type: "string", default: "1s" },
    duration: { type: "string", default: "10s" },
    rounds: { type: "string", default: "3" },
    scrape: { type: "string", default: "1s" },
    transport: { type: "string", default: "node" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const flags = validateFlags(Flags, values);
  const runs: Run[] = [];
  console.error(
    `${flags.clients} clients every ${flags.interval} ms, ${flags.rounds} rounds of ${
      flags.duration / 1000
    } s per mode, transport ${flags.transport}; load average ${loadavg()}`,
  );
  for (let round = 1; round <= flags.rounds; round++) {
    const order: ("off" | "on")[] = round % 2 === 1
      ? ["off", "on"]
      : ["on", "off"];
    for (const mode of order) {
      const run = await measure(mode, round, flags);
      runs.push(run);
      console.error(
        `round ${round} ${mode.padEnd(3)}: ${run.heartbeats} heartbeats, CPU ${
          run.cpuSeconds.toFixed(2)
        } s, ${run.microsPerHeartbeat.toFixed(2)} µs per heartbeat${
          mode === "on"
            ? `, ${run.scrapes} scrapes of ${run.scrapeBytes} B`
            : ""
        }`,
      );
    }
  }
  const off = median(
    runs.filter((r) => r.mode === "off").map((r) => r.microsPerHeartbeat),
  );
  const on = median(
    runs.filter((r) => r.mode === "on").map((r) => r.microsPerHeartbeat),
  );
  if (flags.json) {
    console.log(
      JSON.stringify(
        { flags, runs, medians: { off, on }, ratio: on / off },
        null,
        2,
      ),
    );
  } else {
    console.log(
      "| mode | round | heartbeats | server CPU (s) | µs CPU per heartbeat | scrapes |",
    );
    console.log(
      "| ---- | ----: | ---------: | -------------: | -------------------: | ------: |",
    );
    for (const r of runs) {
      console.log(
        `| ${r.mode} | ${r.round} | ${r.heartbeats} | ${
          r.cpuSeconds.toFixed(2)
        } | ${r.microsPerHeartbeat.toFixed(2)} | ${
          r.mode === "on" ? r.scrapes : "–"
        } |`,
      );
    }
    console.log(
      `\nmedian µs CPU per heartbeat: off ${off.toFixed(2)}, on ${
        on.toFixed(2)
      }; on/off = ${(on / off).toFixed(3)}`,
    );
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runCli("metrics_cost", main, Deno.args));
}
