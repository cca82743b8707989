/**
 * The host's keepalive values, read from inside another network namespace
 * (a container, `unshare -n`, `ip netns exec`): find a process in the
 * namespace this one was made from, and read the three sysctls there with
 * `nsenter --net`. Internal to `doctor/`.
 *
 * @module
 */

import { join } from "node:path";
import { KEEPALIVE_FIELDS, type KeepaliveSettings } from "../sysctl/mod.ts";

/** What is known of the host's values. */
export interface HostKeepalive {
  /** The values, when they could be read. */
  values?: KeepaliveSettings;
  /** The namespace they were read in, as `/proc/PID/ns/net` names it. */
  namespace?: string;
  /** Which process's namespace was taken for the host's: `pid 1`, `pid 412 (bash)`. */
  via?: string;
  /** Why they could not be read. */
  error?: string;
}

/** Options of {@linkcode readHostKeepalive}. */
export interface HostOptions {
  /**
   * Where procfs is mounted.
   *
   * @default {"/proc"}
   */
  procDir?: string;
  /**
   * A network namespace file to take as the host's (`/proc/PID/ns/net`,
   * `/run/netns/NAME`) instead of searching for one.
   *
   * @default {undefined}
   */
  hostNs?: string;
}

async function link(path: string): Promise<string | undefined> {
  try {
    return await Deno.readLink(path);
  } catch {
    return undefined;
  }
}

async function parentOf(procDir: string, pid: string): Promise<string> {
  try {
    const status = await Deno.readTextFile(join(procDir, pid, "status"));
    return /^PPid:\s*(\d+)/m.exec(status)?.[1] ?? "0";
  } catch {
    return "0";
  }
}

async function commOf(procDir: string, pid: string): Promise<string> {
  try {
    return (await Deno.readTextFile(join(procDir, pid, "comm"))).trim();
  } catch {
    return "?";
  }
}

/**
 * The nearest ancestor of this process in another network namespace (the
 * one this namespace was entered from), else pid 1 if its namespace
 * differs and can be read.
 */
async function findHostNamespace(
  procDir: string,
  self: string,
): Promise<{ path: string; id: string; via: string } | undefined> {
  let pid = await parentOf(procDir, "self");
  for (let depth = 0; depth < 64 && pid !== "0"; depth++) {
    const path = join(procDir, pid, "ns", "net");
    const id = await link(path);
    if (id !== undefined && id !== self) {
      return { path, id, via: `pid ${pid} (${await commOf(procDir, pid)})` };
    }
    pid = await parentOf(procDir, pid);
  }
  const path = join(procDir, "1", "ns", "net");
  const id = await link(path);
  return id !== undefined && id !== self
    ? { path, id, via: "pid 1" }
    : undefined;
}

/**
 * Reads the host's keepalive values from inside a network namespace that is
 * not the host's, with `nsenter --net` (root). From inside a pod whose pid
 * namespace hides the host's processes, no process of the host is found and
 * `error` says so.
 *
 * @param self This process's namespace (`/proc/self/ns/net`).
 * @param options Where procfs is, or which namespace to take as the host's.
 * @returns The values, or why they could not be read.
 *
 * @example Outside any container there is nothing to read
 * ```ts
 * import { readHostKeepalive } from "./_host_values.ts";
 * const self = await Deno.readLink("/proc/self/ns/net");
 * const host = await readHostKeepalive(self, { procDir: await Deno.makeTempDir() });
 * console.log(host.values === undefined, host.error !== undefined); // true true
 * ```
 */
export async function readHostKeepalive(
  self: string | undefined,
  options: HostOptions = {},
): Promise<HostKeepalive> {
  const procDir = options.procDir ?? "/proc";
  const found = options.hostNs !== undefined
    ? {
      path: options.hostNs,
      id: await link(options.hostNs) ?? options.hostNs,
      via: options.hostNs,
    }
    : await findHostNamespace(procDir, self ?? "");
  if (found === undefined) {
    return {
      error:
        "no process of another network namespace is visible from here (a pod's own pid namespace hides the host's)",
    };
  }
  const files = KEEPALIVE_FIELDS.map((field) =>
    `/proc/sys/net/ipv4/tcp_keepalive_${field}`
  );
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("nsenter", {
      args: [`--net=${found.path}`, "--", "cat", ...files],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return {
      namespace: found.id,
      via: found.via,
      error: `cannot run nsenter: ${(error as Error).message}`,
    };
  }
  const numbers = new TextDecoder().decode(output.stdout).trim().split(/\s+/)
    .map(Number);
  if (!output.success || numbers.length !== 3 || numbers.some(isNaN)) {
    const why = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    return {
      namespace: found.id,
      via: found.via,
      error: `nsenter --net=${found.path} failed: ${why || "no values"}`,
    };
  }
  const [time, intvl, probes] = numbers;
  return {
    values: { time, intvl, probes },
    namespace: found.id,
    via: found.via,
  };
}
