/**
 * Lifeline at another git revision, for a run that measures the old and the
 * new server side by side (`--servers lifeline-node,lifeline-node@4493b0c`):
 * the revision is checked out into a temporary `git worktree`, its
 * `server/main.ts` runs from there (with that checkout's `deno.json` and
 * lock file), and the worktree is removed afterwards.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A revision of Lifeline checked out into a temporary worktree. */
export interface Checkout {
  /** The revision as it was asked for, such as `4493b0c` or `HEAD~3`. */
  revision: string;
  /** The commit it names. */
  commit: string;
  /** The worktree's root, with a trailing slash. */
  root: string;
  /**
   * Whether its server has `--log-format json`; without it the harness
   * counts false timeouts from the clients' side.
   */
  jsonLog: boolean;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim();
}

async function git(
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const { success, stdout, stderr } = await new Deno.Command("git", {
    args: ["-C", ROOT, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { ok: success, stdout: text(stdout), stderr: text(stderr) };
}

/**
 * The commit a revision names in this repository.
 *
 * @param revision A hash, tag, branch or expression such as `HEAD~3`.
 * @returns The full hash, or `null` when git knows no such commit.
 *
 * @example
 * ```ts
 * import { resolveRevision } from "./_revisions.ts";
 * console.log((await resolveRevision("HEAD"))?.length); // 40
 * console.log(await resolveRevision("no-such-revision")); // null
 * ```
 */
export async function resolveRevision(
  revision: string,
): Promise<string | null> {
  if (revision.startsWith("-")) return null;
  const result = await git([
    "rev-parse",
    "--verify",
    "--quiet",
    `${revision}^{commit}`,
  ]);
  return result.ok ? result.stdout : null;
}

/**
 * Whether a Lifeline server CLI knows `--log-format json`: a server that
 * does prints its usage for `--log-format json --help` and exits 0, one
 * that does not rejects the flag with exit code 2. Running it also fetches
 * what the checkout needs, so its first start is not slow.
 *
 * @param serverMain The path of its `server/main.ts`.
 * @param cwd Where to run it (the checkout's root).
 * @returns Whether the JSON log is there.
 * @throws {Error} When the server fails in any other way.
 *
 * @example
 * ```ts
 * import { hasJsonLog } from "./_revisions.ts";
 * console.log(await hasJsonLog("server/main.ts", ".")); // true
 * ```
 */
export async function hasJsonLog(
  serverMain: string,
  cwd: string,
): Promise<boolean> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", serverMain, "--log-format", "json", "--help"],
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code === 0) return true;
  if (out.code === 2) return false;
  throw new Error(
    `Cannot run ${serverMain} (exit code ${out.code}): ${
      text(out.stderr).split("\n").at(-1)
    }`,
  );
}

/**
 * Checks a commit out into a new detached worktree.
 *
 * @param revision The revision as asked for (kept for labels).
 * @param commit The commit, from {@link resolveRevision}.
 * @param dir A directory that does not exist yet.
 * @returns The checkout; remove it with {@link removeCheckout}.
 * @throws {Error} When git cannot create the worktree, or its server does
 * not run.
 *
 * @example Check out HEAD and remove it again
 * ```ts ignore
 * import { checkOut, removeCheckout, resolveRevision } from "./_revisions.ts";
 * const commit = (await resolveRevision("HEAD"))!;
 * const checkout = await checkOut("HEAD", commit, "/tmp/lifeline-head");
 * console.log(checkout.jsonLog); // true
 * await removeCheckout(checkout);
 * ```
 */
export async function checkOut(
  revision: string,
  commit: string,
  dir: string,
): Promise<Checkout> {
  const added = await git([
    "worktree",
    "add",
    "--detach",
    "--quiet",
    dir,
    commit,
  ]);
  if (!added.ok) {
    throw new Error(
      `Cannot check out ${revision} into ${dir}: ${added.stderr}`,
    );
  }
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  const checkout = { revision, commit, root, jsonLog: false };
  try {
    checkout.jsonLog = await hasJsonLog(`${root}server/main.ts`, root);
  } catch (error) {
    await removeCheckout(checkout);
    throw error;
  }
  return checkout;
}

/**
 * Removes a checkout's worktree and everything in it (its `node_modules`
 * too), and forgets it in git.
 *
 * @param checkout The checkout.
 *
 * @example
 * ```ts ignore
 * await removeCheckout(checkout);
 * ```
 */
export async function removeCheckout(checkout: Checkout): Promise<void> {
  const removed = await git(["worktree", "remove", "--force", checkout.root]);
  if (!removed.ok) {
    await Deno.remove(checkout.root, { recursive: true }).catch(() => {});
    await git(["worktree", "prune"]);
  }
}
