/**
 * What the doctor's tests share: kernel facts and inputs built by hand,
 * and a stand-in procfs for the CLI.
 *
 * @module
 */

import { join } from "node:path";
import type { KernelFacts } from "../../doctor/_kernel.ts";
import type { DoctorInput } from "../../doctor/_mechanisms.ts";
import { type ServerPolicy, serverPolicy } from "../../doctor/_policy.ts";
import { parsePathEntry } from "../../doctor/_presets.ts";
import type { KeepaliveSettings } from "../../sysctl/mod.ts";

/** The kernel defaults. */
export const DEFAULTS: KeepaliveSettings = { time: 7200, intvl: 75, probes: 9 };

/** Kernel facts of a host whose boot files agree with the runtime. */
export function hostKernel(
  runtime: KeepaliveSettings = DEFAULTS,
  extra: Partial<KernelFacts> = {},
): KernelFacts {
  return {
    runtime,
    boot: { procps: runtime, systemd: runtime },
    retries2: 15,
    retries2Read: true,
    namespace: { id: "net:[4026531833]", initial: true },
    ...extra,
  };
}

/** An input: the server's defaults, no path, the host on the kernel defaults. */
export function input(overrides: Partial<DoctorInput> = {}): DoctorInput {
  return {
    policy: serverPolicy(5000, 15_000),
    roundTripMs: 1000,
    path: [],
    kernel: hostKernel(),
    ...overrides,
  };
}

/** The path of presets or idle timeouts. */
export function path(...entries: string[]) {
  return entries.map(parsePathEntry);
}

/** A policy from an interval and a timeout, in ms. */
export function policy(intervalMs: number, timeoutMs: number): ServerPolicy {
  return serverPolicy(intervalMs, timeoutMs);
}

/**
 * A stand-in procfs with keepalive values and tcp_retries2, in the host's
 * network namespace (the initial namespace's fixed inode), and a --root
 * whose boot files set the same values.
 */
export async function fakeProc(
  k: KeepaliveSettings,
  retries2 = 15,
): Promise<{ proc: string; root: string } & AsyncDisposable> {
  const base = await Deno.makeTempDir({ prefix: "doctor-test-" });
  const ipv4 = join(base, "proc/sys/net/ipv4");
  await Deno.mkdir(ipv4, { recursive: true });
  for (const [field, value] of Object.entries(k)) {
    await Deno.writeTextFile(
      join(ipv4, `tcp_keepalive_${field}`),
      `${value}\n`,
    );
  }
  await Deno.writeTextFile(join(ipv4, "tcp_retries2"), `${retries2}\n`);
  await Deno.mkdir(join(base, "proc/self/ns"), { recursive: true });
  await Deno.symlink("net:[4026531833]", join(base, "proc/self/ns/net"));
  await Deno.mkdir(join(base, "root/etc/sysctl.d"), { recursive: true });
  await Deno.writeTextFile(
    join(base, "root/etc/sysctl.d/60-keepalive.conf"),
    Object.entries(k).map(([field, value]) =>
      `net.ipv4.tcp_keepalive_${field} = ${value}\n`
    ).join(""),
  );
  return {
    proc: join(base, "proc"),
    root: join(base, "root"),
    [Symbol.asyncDispose]: () => Deno.remove(base, { recursive: true }),
  };
}
