/**
 * `sysctl apply`: writes the file and sets the kernel values as root, with
 * a backup, a lock, a read-back and a rollback; `--dry-run` shows what it
 * would do, for anyone.
 *
 * @module
 */

import { applyKeepalive } from "../apply.ts";
import { networkNamespace } from "../runtime.ts";
import { STATE_FILES } from "../state.ts";
import type { ChangeSet } from "../types.ts";
import { EXIT, type SysctlCommand } from "./command.ts";
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  compareWithFlags,
  DESIRED_HELP,
  DESIRED_OPTIONS,
  desiredFrom,
  lockWaitNotice,
  managerOptions,
  notRootMessage,
  printWarnings,
  scopeFrom,
} from "./_flags.ts";
import { formatChanges } from "./_format.ts";

/** `Applied: wrote …; set … and read them back`. */
function appliedLine(changes: ChangeSet): string {
  const done: string[] = [];
  if (changes.patch !== "") {
    done.push(
      `wrote ${changes.path}${
        changes.realPath !== changes.path ? ` (${changes.realPath})` : ""
      }; previous content in ${STATE_FILES.backup}`,
    );
  }
  if (changes.runtime.length > 0) {
    done.push(
      `set ${
        changes.runtime.map((c) => `${c.key}=${c.desired}`).join(", ")
      } and read them back`,
    );
  }
  return `Applied: ${done.join("; ")}`;
}

/**
 * The `apply` command.
 *
 * @example A dry run, which writes nothing
 * ```ts
 * import { runCommand } from "./command.ts";
 * import { applyCommand } from "./apply.ts";
 * const root = await Deno.makeTempDir();
 * const out: string[] = [];
 * const io = { out: (t: string) => out.push(t), err: () => {}, uid: () => 1000 };
 * const args = ["--time", "60", "--no-runtime", "--dry-run", "--root", root];
 * console.log(await runCommand(applyCommand, args, io), out.at(-1)); // 0 "Dry run: nothing was written"
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export const applyCommand: SysctlCommand = {
  name: "apply",
  help: `Usage: deno task sysctl apply <desired values> [--dry-run] [options]

As root: locks, backs up the file and the kernel values, writes the file
atomically (through symlinks, keeping mode and owner), sets the kernel
values and reads them back. On any failure both are put back and the error
says what happened (exit 5).

  --dry-run      Print what diff prints; write nothing (any user)

${DESIRED_HELP}

${COMMON_HELP}`,
  options: {
    ...COMMON_OPTIONS,
    ...DESIRED_OPTIONS,
    "dry-run": { type: "boolean" },
  },
  async run(flags, io) {
    if (flags["dry-run"]) {
      const { options, scope, changes } = await compareWithFlags(
        flags,
        "apply",
      );
      io.out(formatChanges(changes, scope, await networkNamespace(options)));
      printWarnings(changes.warnings, io);
      io.out("Dry run: nothing was written");
      return EXIT.ok;
    }
    const options = managerOptions(flags);
    const scope = scopeFrom(flags);
    const namespace = await networkNamespace(options);
    const desired = desiredFrom(flags, "apply");
    if (io.uid() !== 0) {
      io.err(notRootMessage("apply", io.uid()));
      return EXIT.notRoot;
    }
    const changes = await applyKeepalive(desired, {
      ...options,
      scope,
      onLockWait: () => io.err(lockWaitNotice(options)),
    });
    io.out(formatChanges(changes, scope, namespace));
    printWarnings(changes.warnings, io);
    if (!changes.changed) {
      io.out("Nothing to change");
      return EXIT.ok;
    }
    io.out(appliedLine(changes));
    return EXIT.ok;
  },
};
