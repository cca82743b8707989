/**
 * `sysctl show`: the runtime values, what each boot loader sets and from
 * which file and line, the detection time and the warnings.
 *
 * @module
 */

import { inspectKeepalive } from "../manager.ts";
import { EXIT, type SysctlCommand } from "./command.ts";
import { COMMON_HELP, COMMON_OPTIONS, managerOptions } from "./_flags.ts";
import { formatReport } from "./_format.ts";

/**
 * The `show` command.
 *
 * @example
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { showCommand } from "./show.ts";
 * const root = await Deno.makeTempDir();
 * const out: string[] = [];
 * const io = { out: (t: string) => out.push(t), err: () => {}, uid: () => 0 };
 * const code = await runCommand(showCommand, ["--json", "--root", root], io);
 * console.log(code, JSON.parse(out[0]).boot.procps.effective); // 0 { time: 7200, intvl: 75, probes: 9 }
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export const showCommand: SysctlCommand = {
  name: "show",
  help:
    `Usage: deno task sysctl show [--json] [--root DIR] [--file PATH] [--proc DIR]

Shows net.ipv4.tcp_keepalive_{time,intvl,probes}: the value the kernel uses
now in this network namespace, the value each boot loader (procps
"sysctl --system" and systemd-sysctl) sets and the file and line it comes
from, the worst-case time to notice a dead peer, and warnings.

  --json         Print the report as JSON

${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, json: { type: "boolean" } },
  async run(flags, io) {
    const report = await inspectKeepalive(managerOptions(flags));
    io.out(
      flags.json
        ? JSON.stringify(report, (_, value) => value ?? null, 2)
        : formatReport(report),
    );
    return EXIT.ok;
  },
};
