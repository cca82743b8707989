/**
 * `sysctl check`: exit 0 when the file and the runtime values match the
 * desired ones, 3 when either drifts, printing what drifts.
 *
 * @module
 */

import { EXIT, type SysctlCommand } from "./command.ts";
import * as flag from "./_flags.ts";
import { driftLines } from "./_format.ts";

/**
 * The `check` command.
 *
 * @example Exit 3: the file does not set the key yet
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { checkCommand } from "./check.ts";
 * const root = await Deno.makeTempDir();
 * const lines: string[] = [];
 * const io = { out: (t: string) => lines.push(t), err: () => {}, uid: () => 0 };
 * console.log(await runCommand(checkCommand, ["--probes", "3", "--no-runtime", "--root", root], io));
 * // 3
 * console.log(lines); // [ "drift: file /etc/sysctl.conf: net.ipv4.tcp_keepalive_probes is not set, want 3" ]
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export const checkCommand: SysctlCommand = {
  name: "check",
  help: `Usage: deno task sysctl check <desired values> [options]

Exit 0 when the file and the runtime values match, 3 when either drifts,
printing what drifts. For cron and CI.

${flag.DESIRED_HELP}

${flag.COMMON_HELP}`,
  options: { ...flag.COMMON_OPTIONS, ...flag.DESIRED_OPTIONS },
  async run(flags, io) {
    const { scope, desired, changes } = await flag.compareWithFlags(
      flags,
      "check",
    );
    const drift = driftLines(changes, desired, scope);
    flag.printWarnings(changes.warnings, io);
    if (drift.length > 0) {
      for (const line of drift) io.out(`drift: ${line}`);
      return EXIT.drift;
    }
    io.out(
      scope === "file"
        ? `OK: ${changes.path} matches`
        : scope === "runtime"
        ? "OK: runtime values match"
        : `OK: ${changes.path} and runtime values match`,
    );
    return EXIT.ok;
  },
};
