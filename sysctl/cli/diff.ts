/**
 * `sysctl diff`: the unified diff of the file and the kernel values that
 * an apply would change; exit 1 when something would.
 *
 * @module
 */

import { networkNamespace } from "../runtime.ts";
import { EXIT, type SysctlCommand } from "./command.ts";
import * as flag from "./_flags.ts";
import { formatChanges } from "./_format.ts";

/**
 * The `diff` command.
 *
 * @example Exit 1: the file would get a line
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { diffCommand } from "./diff.ts";
 * const root = await Deno.makeTempDir();
 * const out: string[] = [];
 * const io = { out: (t: string) => out.push(t), err: () => {}, uid: () => 0 };
 * const code = await runCommand(diffCommand, ["--time", "60", "--no-runtime", "--root", root], io);
 * console.log(code, out[0].split("\n").at(-1)); // 1 "+net.ipv4.tcp_keepalive_time = 60"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export const diffCommand: SysctlCommand = {
  name: "diff",
  help: `Usage: deno task sysctl diff <desired values> [options]

Prints a unified diff of the file change and a table of the kernel values
that would change. Exit 0 when nothing would change, 1 when something would.

${flag.DESIRED_HELP}

${flag.COMMON_HELP}`,
  options: { ...flag.COMMON_OPTIONS, ...flag.DESIRED_OPTIONS },
  async run(flags, io) {
    const { options, scope, changes } = await flag.compareWithFlags(
      flags,
      "diff",
    );
    io.out(formatChanges(changes, scope, await networkNamespace(options)));
    flag.printWarnings(changes.warnings, io);
    return changes.changed ? EXIT.changes : EXIT.ok;
  },
};
