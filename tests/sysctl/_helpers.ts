/**
 * Helpers for the sysctl tests: temporary roots, a fake procfs and running
 * the CLI as a subprocess. Every path lives under a temporary directory
 * named `sysctl-<pid>-…`; nothing touches the host's /etc or /proc/sys.
 *
 * @module
 */

import { dirname, join } from "node:path";
import {
  REPO,
  runDeno,
  type RunOptions,
  type RunResult,
} from "../_helpers/run.ts";

export { REPO };

/** The CLI entry point. */
export const MAIN: string = join(REPO, "sysctl", "main.ts");

/** The corpus of real-world-shaped files. */
export const FIXTURES: string = join(REPO, "tests", "fixtures", "sysctl");

/** The dotted key of the keepalive time. */
export const TIME = "net.ipv4.tcp_keepalive_time";

/** A file with CRLF endings, an indented key and no final newline. */
export const ORIGINAL =
  "# ops\r\nkernel.panic = 10\r\n net.ipv4.tcp_keepalive_time =  900";

/** The names in a directory, sorted. */
export async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

/** A temporary root with a fake procfs, removed on dispose. */
export interface TempRoot extends AsyncDisposable {
  /** The root directory (`--root`). */
  root: string;
  /** The fake procfs (`--proc`). */
  proc: string;
  /** Writes a file under the root, creating directories. */
  write(path: string, text: string): Promise<void>;
  /** Reads a file under the root. */
  read(path: string): Promise<string>;
  /** Creates a symlink at `path` (under the root) pointing at `target` verbatim. */
  link(target: string, path: string): Promise<void>;
  /** Reads the fake runtime values. */
  runtime(): Promise<{ time: number; intvl: number; probes: number }>;
}

/**
 * Creates a temporary root and a fake procfs holding the given runtime
 * values and a network namespace link.
 */
export async function tempRoot(
  runtime = { time: 7200, intvl: 75, probes: 9 },
  namespace = { self: "net:[4026532000]", init: "net:[4026531833]" },
): Promise<TempRoot> {
  const base = await Deno.makeTempDir({ prefix: `sysctl-${Deno.pid}-` });
  const root = join(base, "root");
  const proc = join(base, "proc");
  const ipv4 = join(proc, "sys", "net", "ipv4");
  await Deno.mkdir(join(root, "etc", "sysctl.d"), { recursive: true });
  await Deno.mkdir(ipv4, { recursive: true });
  for (const [field, value] of Object.entries(runtime)) {
    await Deno.writeTextFile(
      join(ipv4, `tcp_keepalive_${field}`),
      `${value}\n`,
    );
  }
  await Deno.mkdir(join(proc, "self", "ns"), { recursive: true });
  await Deno.mkdir(join(proc, "1", "ns"), { recursive: true });
  await Deno.symlink(namespace.self, join(proc, "self", "ns", "net"));
  await Deno.symlink(namespace.init, join(proc, "1", "ns", "net"));
  return {
    root,
    proc,
    async write(path, text) {
      await Deno.mkdir(dirname(join(root, path)), { recursive: true });
      await Deno.writeTextFile(join(root, path), text);
    },
    read: (path) => Deno.readTextFile(join(root, path)),
    async link(target, path) {
      await Deno.mkdir(dirname(join(root, path)), { recursive: true });
      await Deno.symlink(target, join(root, path));
    },
    async runtime() {
      const read = async (field: string) =>
        Number(
          (await Deno.readTextFile(join(ipv4, `tcp_keepalive_${field}`)))
            .trim(),
        );
      return {
        time: await read("time"),
        intvl: await read("intvl"),
        probes: await read("probes"),
      };
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(base, { recursive: true });
    },
  };
}

/** Runs `deno run -A sysctl/main.ts ...args` and collects its output. */
export function cli(
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return runDeno(MAIN, args, options);
}

/** Runs the CLI against a temporary root and its fake procfs. */
export function cliIn(t: TempRoot, args: string[]): Promise<RunResult> {
  return cli([...args, "--root", t.root, "--proc", t.proc]);
}
