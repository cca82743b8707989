/**
 * `sysctl plan`: values that notice a dead peer within a duration, with
 * the trade-off in one line and warnings.
 *
 * @module
 */

import { UsageError } from "../../common/cli.ts";
import { networkNamespace, readRuntime } from "../runtime.ts";
import { keepaliveWarnings, namespaceWarning } from "../warnings.ts";
import { EXIT, type SysctlCommand } from "./command.ts";
import { managerOptions, planFrom } from "./_flags.ts";
import { formatPlan } from "./_format.ts";

/**
 * The `plan` command.
 *
 * @example
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { planCommand } from "./plan.ts";
 * const out: string[] = [];
 * const io = { out: (t: string) => out.push(t), err: () => {}, uid: () => 0 };
 * await runCommand(planCommand, ["--detect-within", "2m", "--json"], io);
 * console.log(JSON.parse(out[0]).settings); // { time: 60, intvl: 20, probes: 3 }
 * ```
 */
export const planCommand: SysctlCommand = {
  name: "plan",
  help: `Usage: deno task sysctl plan --detect-within D [--probes N] [--json]

Proposes time, intvl and probes whose worst case (time + probes × intvl)
fits within D, and explains the trade-off in one line. Warns about values
that NAT outlives, slow detection, and a network namespace (a container)
still on the kernel defaults.

  --detect-within D   The longest acceptable time to notice a dead peer (2m, 90s)
  --probes N          Fix the number of probes (1-127; default 3)
  --json              Print the plan as JSON
  --proc DIR          Where procfs is mounted (default /proc); for tests
  -h, --help          Show help`,
  options: {
    "detect-within": { type: "string" },
    probes: { type: "string" },
    json: { type: "boolean" },
    proc: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  async run(flags, io) {
    if (flags["detect-within"] === undefined) {
      throw new UsageError(
        `plan needs --detect-within, e.g. --detect-within 2m`,
      );
    }
    const plan = planFrom(flags);
    const warnings = keepaliveWarnings(plan.settings, { where: "plan" });
    // Values planned in a container are no use if they only reach the host.
    const options = managerOptions(flags);
    const runtime = await readRuntime(options).catch(() => undefined);
    if (runtime !== undefined) {
      const warning = namespaceWarning(
        runtime,
        await networkNamespace(options),
      );
      if (warning !== undefined) warnings.push(warning);
    }
    io.out(
      flags.json
        ? JSON.stringify({ ...plan, warnings }, null, 2)
        : formatPlan(plan, warnings),
    );
    return EXIT.ok;
  },
};
