/**
 * What the kernel contributes: the keepalive values as the sysctl library
 * reads them (runtime in this network namespace, and what each boot loader
 * sets), `tcp_retries2`, the namespace, and the host's values when this
 * namespace is not the host's. Internal to `doctor/`.
 *
 * @module
 */

import { join } from "node:path";
import {
  inspectKeepalive,
  type KeepaliveSettings,
  type NamespaceInfo,
} from "../sysctl/mod.ts";
import { type HostKeepalive, readHostKeepalive } from "./_host_values.ts";

/** The kernel's side of the diagnosis. */
export interface KernelFacts {
  /** The keepalive values the kernel uses now, in this network namespace. */
  runtime?: KeepaliveSettings;
  /** Why they could not be read (then the kernel defaults are assumed). */
  runtimeError?: string;
  /** What each boot loader would set, when the boot files could be read. */
  boot?: { procps: KeepaliveSettings; systemd: KeepaliveSettings };
  /** `net.ipv4.tcp_retries2`. */
  retries2: number;
  /** Whether `retries2` was read (else it is the kernel default, 15). */
  retries2Read: boolean;
  /** The network namespace of the runtime values. */
  namespace: NamespaceInfo;
  /** The host's values, when this namespace is not (or may not be) the host's. */
  host?: HostKeepalive;
}

/** Options of {@linkcode readKernelFacts}. */
export interface KernelOptions {
  /**
   * Where procfs is mounted.
   *
   * @default {"/proc"}
   */
  procDir?: string;
  /**
   * The root of the boot configuration (`/etc/sysctl.conf`, `/etc/sysctl.d`, …).
   *
   * @default {"/"}
   */
  root?: string;
  /**
   * A network namespace file to take as the host's.
   *
   * @default {undefined: searched for}
   */
  hostNs?: string;
}

/** The kernel's default `tcp_retries2`. */
const DEFAULT_RETRIES2 = 15;

async function readRetries2(procDir: string): Promise<number | undefined> {
  try {
    const text = await Deno.readTextFile(
      join(procDir, "sys/net/ipv4/tcp_retries2"),
    );
    const value = Number(text.trim());
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the kernel's facts: the keepalive report of the sysctl library,
 * `tcp_retries2`, and the host's values when the namespace is not the
 * host's.
 *
 * @param options Where procfs and the boot configuration are.
 * @returns The facts.
 *
 * @example A stand-in procfs with tuned values
 * ```ts
 * import { readKernelFacts } from "./_kernel.ts";
 * const proc = await Deno.makeTempDir();
 * await Deno.mkdir(`${proc}/sys/net/ipv4`, { recursive: true });
 * for (const [key, value] of [["time", 60], ["intvl", 20], ["probes", 3]]) {
 *   await Deno.writeTextFile(`${proc}/sys/net/ipv4/tcp_keepalive_${key}`, `${value}\n`);
 * }
 * const facts = await readKernelFacts({ procDir: proc, root: proc });
 * console.log(facts.runtime, facts.retries2, facts.retries2Read); // { time: 60, intvl: 20, probes: 3 } 15 false
 * await Deno.remove(proc, { recursive: true });
 * ```
 */
export async function readKernelFacts(
  options: KernelOptions = {},
): Promise<KernelFacts> {
  const procDir = options.procDir ?? "/proc";
  const report = await inspectKeepalive({ procDir, root: options.root });
  const retries2 = await readRetries2(procDir);
  const facts: KernelFacts = {
    runtime: report.runtime,
    runtimeError: report.runtimeError,
    boot: {
      procps: report.boot.procps.effective,
      systemd: report.boot.systemd.effective,
    },
    retries2: retries2 ?? DEFAULT_RETRIES2,
    retries2Read: retries2 !== undefined,
    namespace: report.namespace,
  };
  if (report.namespace.initial !== true || options.hostNs !== undefined) {
    facts.host = await readHostKeepalive(report.namespace.id, {
      procDir,
      hostNs: options.hostNs,
    });
  }
  return facts;
}
