/**
 * The differential test of the manager's reading of sysctl files: seeded
 * random layouts are loaded by the real procps `sysctl --system` and
 * `systemd-sysctl` inside private mount and network namespaces, and what
 * they leave must be what `show` predicts, what `apply` makes the boot
 * value (or warns about) and what `check` accepts. Needs root and both
 * loaders; under CI=true it runs and fails if they are missing.
 *
 * `SYSCTL_DIFF_LAYOUTS` (default 160) and `SYSCTL_DIFF_SEED` (default 1)
 * change the run; `sudo deno run -A tests/sysctl/_differential.ts --layouts
 * 2000` prints the agreement figures.
 *
 * @module
 */

import assert from "node:assert/strict";
import { hasProgram, ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";
import {
  formatDisagreement,
  formatTallies,
  runDifferential,
} from "./_differential.ts";

function hasSystemdSysctl(): boolean {
  try {
    return Deno.statSync("/lib/systemd/systemd-sysctl").isFile;
  } catch {
    return false;
  }
}

const ignore = ignoreUnless(
  "root, unshare, chroot, procps sysctl and systemd-sysctl",
  IS_ROOT && hasProgram("unshare") && hasProgram("chroot") &&
    hasProgram("sysctl") && hasSystemdSysctl(),
  "tests/sysctl/loaders_differential_test.ts",
);

Deno.test({
  name:
    "show, apply and check agree with the real procps and systemd loaders on seeded random layouts",
  ignore,
  async fn() {
    const layouts = Number(Deno.env.get("SYSCTL_DIFF_LAYOUTS") ?? 160);
    const seed = Number(Deno.env.get("SYSCTL_DIFF_SEED") ?? 1);
    const result = await runDifferential(layouts, seed);
    const { plain, odd } = result.tallies;
    assert.equal(plain.layouts + odd.layouts, layouts);
    assert.ok(odd.applied > 0 && plain.checkedOk > 0, formatTallies(result));
    assert.equal(
      result.disagreements.length,
      0,
      `${formatTallies(result)}\n\n${
        result.disagreements.slice(0, 5).map(formatDisagreement).join("\n\n")
      }`,
    );
  },
});
