/**
 * `deno task doctor`: checks every timeout on the path before deploying.
 * It reads the server's policy (from flags, or from a running server's
 * `welcome`), the kernel's keepalive values as the sysctl manager reads
 * them (runtime and boot, this network namespace and the host's), and the
 * middleboxes given with `--path`, and prints for each failure mode how long
 * each mechanism takes to notice, by the formulas of `detection/` that the
 * lab checks against measurements; then the findings, each with its fix.
 * See `docs/doctor.md` and `deno task doctor --help`.
 *
 * Exit codes: 0 nothing defeats anything, 1 findings, 2 usage error (or a
 * `--server` that cannot be read).
 *
 * @module
 */

import { runCli, UsageError } from "../common/cli.ts";
import { diagnose } from "./_diagnose.ts";
import { type DoctorOptions, HELP, parseDoctorFlags } from "./_flags.ts";
import { formatDoctorReport } from "./_format.ts";
import { readKernelFacts } from "./_kernel.ts";
import { type ServerPolicy, serverPolicy } from "./_policy.ts";
import { readServerPolicy } from "./_policy_readers.ts";
import { readAdminPolicy } from "./_admin_stats.ts";

async function policyOf(
  options: DoctorOptions,
): Promise<ServerPolicy | undefined> {
  const p = options.policy;
  switch (p.from) {
    case "none":
      return undefined;
    case "flags":
      return serverPolicy(p.intervalMs, p.timeoutMs, {
        tickMs: p.tickMs,
        source: p.defaults ? "the server's defaults" : "flags",
      });
    case "admin":
      try {
        return await readAdminPolicy(p.address, { token: p.token });
      } catch (error) {
        throw new UsageError(`--admin: ${(error as Error).message}`);
      }
    case "server": {
      let read: ServerPolicy;
      try {
        read = await readServerPolicy(p.address, {
          token: p.token,
          name: p.name,
        });
      } catch (error) {
        throw new UsageError(`--server: ${(error as Error).message}`);
      }
      if (p.tickMs === undefined) return read;
      return serverPolicy(read.intervalMs, read.timeoutMs, {
        tickMs: p.tickMs,
        source: `${read.source} and --tick`,
        assumed: read.assumed.filter((field) => field !== "tick"),
      });
    }
  }
}

async function main(args: string[]): Promise<number> {
  const options = parseDoctorFlags(args);
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const policy = await policyOf(options);
  const kernel = await readKernelFacts({
    procDir: options.procDir,
    root: options.root,
    hostNs: options.hostNs,
  });
  const report = diagnose({
    ...(policy === undefined ? {} : { policy }),
    ...(options.clientIntervalMs === undefined
      ? {}
      : { clientIntervalMs: options.clientIntervalMs }),
    roundTripMs: options.roundTripMs,
    path: options.path,
    kernel,
  });
  console.log(
    options.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report),
  );
  return report.exitCode;
}

if (import.meta.main) {
  Deno.exit(await runCli("doctor", main, Deno.args));
}
