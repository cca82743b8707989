/**
 * `sysctl restore`: puts back the file and the kernel values saved by the
 * last apply, as root; `--dry-run` shows what it would do.
 *
 * @module
 */

import { restoreKeepalive } from "../restore.ts";
import { networkNamespace } from "../runtime.ts";
import { STATE_FILES } from "../state.ts";
import { EXIT, type SysctlCommand } from "./command.ts";
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  lockWaitNotice,
  managerOptions,
  notRootMessage,
  scopeFrom,
} from "./_flags.ts";
import { formatChanges } from "./_format.ts";

/**
 * The `restore` command.
 *
 * @example Without a backup there is nothing to restore (exit 5)
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { restoreCommand } from "./restore.ts";
 * const root = await Deno.makeTempDir();
 * const err: string[] = [];
 * const io = { out: () => {}, err: (t: string) => err.push(t), uid: () => 0 };
 * console.log(await runCommand(restoreCommand, ["--dry-run", "--root", root], io)); // 5
 * console.log(err[0].startsWith("sysctl restore: Cannot restore: no backup")); // true
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export const restoreCommand: SysctlCommand = {
  name: "restore",
  help: `Usage: deno task sysctl restore [--dry-run] [options]

As root: puts back the file and the kernel values saved by the last apply
(kept in ${STATE_FILES.backup} under the root).

  --dry-run      Print what would change; write nothing
  --no-runtime   Only the file
  --runtime-only Only the kernel values

${COMMON_HELP}`,
  options: {
    ...COMMON_OPTIONS,
    "dry-run": { type: "boolean" },
    "no-runtime": { type: "boolean" },
    "runtime-only": { type: "boolean" },
  },
  async run(flags, io) {
    const options = managerOptions(flags);
    const scope = scopeFrom(flags);
    const namespace = await networkNamespace(options);
    const dryRun = flags["dry-run"] === true;
    if (!dryRun && io.uid() !== 0) {
      io.err(notRootMessage("restore", io.uid()));
      return EXIT.notRoot;
    }
    const changes = await restoreKeepalive({
      ...options,
      scope,
      dryRun,
      onLockWait: () => io.err(lockWaitNotice(options)),
    });
    io.out(formatChanges(changes, scope, namespace));
    io.out(
      !changes.changed
        ? "Nothing to restore"
        : dryRun
        ? "Dry run: nothing was written"
        : "Restored",
    );
    return EXIT.ok;
  },
};
