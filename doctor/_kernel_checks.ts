/**
 * Checks of the kernel's values: a network namespace (a pod) whose values
 * differ from the host's or are still the kernel defaults, and boot values
 * that differ from the running ones. Internal to `doctor/`.
 *
 * @module
 */

import {
  KEEPALIVE_FIELDS,
  type KeepaliveSettings,
  namespaceWarning,
} from "../sysctl/mod.ts";
import { type Checked, nothing } from "./_finding.ts";
import type { DoctorInput } from "./_mechanisms.ts";

function same(a: KeepaliveSettings, b: KeepaliveSettings): boolean {
  return KEEPALIVE_FIELDS.every((field) => a[field] === b[field]);
}

function text(k: KeepaliveSettings): string {
  return `${k.time}/${k.intvl}/${k.probes}`;
}

function flags(k: KeepaliveSettings): string {
  return `--time ${k.time} --intvl ${k.intvl} --probes ${k.probes}`;
}

function namespaceChecks(input: DoctorInput, out: Checked): void {
  const { runtime, namespace, host } = input.kernel;
  if (runtime === undefined || namespace.initial === true) return;
  const which = namespace.id ?? "this network namespace";
  if (host?.values !== undefined) {
    if (same(runtime, host.values)) {
      out.notes.push({
        id: "namespace_same_as_host",
        message: `${which} is not the host's, and its keepalive values ${
          text(runtime)
        } equal the host's (read in ${host.namespace} through ${host.via})`,
      });
      return;
    }
    out.findings.push({
      id: "namespace_differs",
      message: `${which} is not the host's: it runs keepalive ${
        text(runtime)
      }, the host ${
        text(host.values)
      } (read in ${host.namespace} through ${host.via}). A network namespace does not inherit the host's sysctls (a Kubernetes pod starts at the kernel defaults, kubernetes #71358), so tuning the host did not reach it`,
      fixes: [
        `inside it: sudo deno task sysctl apply --runtime-only ${
          flags(host.values)
        }`,
        `or through the container runtime: docker run --sysctl net.ipv4.tcp_keepalive_time=${host.values.time} ..., or the pod's securityContext.sysctls`,
      ],
    });
    return;
  }
  const warning = namespaceWarning(runtime, namespace, { where: "runtime" });
  if (warning !== undefined) {
    out.findings.push({
      id: "namespace_defaults",
      message: `${warning}${
        host?.error === undefined
          ? ""
          : `; the host's values cannot be read from here: ${host.error}`
      }`,
      fixes: [
        "inside it: sudo deno task sysctl apply --runtime-only --detect-within 2m",
        "or through the container runtime: docker run --sysctl net.ipv4.tcp_keepalive_time=60 ..., or the pod's securityContext.sysctls",
      ],
    });
  } else if (host?.error !== undefined) {
    out.notes.push({
      id: "host_unknown",
      message:
        `${which} may not be the host's, and the host's values cannot be read from here: ${host.error}`,
    });
  }
}

function bootChecks(input: DoctorInput, out: Checked): void {
  const { runtime, boot, namespace } = input.kernel;
  if (runtime === undefined || boot === undefined) return;
  if (namespace.initial === false) {
    out.notes.push({
      id: "boot_not_here",
      message:
        "The boot files (/etc/sysctl.conf, /etc/sysctl.d) set the host's namespace at boot, not this one: they are not compared with its values",
    });
    return;
  }
  const loaders = (["procps", "systemd"] as const).filter((loader) =>
    !same(boot[loader], runtime)
  );
  if (loaders.length === 0) return;
  const sets = loaders.map((loader) =>
    `${
      loader === "procps" ? "procps sysctl --system" : "systemd-sysctl"
    } would set ${text(boot[loader])}`
  ).join(", ");
  out.findings.push({
    id: "boot_differs",
    message: `The kernel runs keepalive ${
      text(runtime)
    }, but at boot ${sets}: a reboot changes the detection times above`,
    fixes: [
      "deno task sysctl show   # which file and line sets each value",
      `sudo deno task sysctl apply ${
        flags(runtime)
      } --file /etc/sysctl.d/60-keepalive.conf   # keep the running values`,
    ],
  });
}

function readingNotes(input: DoctorInput, out: Checked): void {
  const kernel = input.kernel;
  if (kernel.runtime === undefined) {
    out.notes.push({
      id: "runtime_unknown",
      message: `The keepalive values could not be read (${
        kernel.runtimeError ?? "no /proc/sys"
      }): the kernel defaults 7200/75/9 are assumed`,
    });
  }
  if (!kernel.retries2Read) {
    out.notes.push({
      id: "retries2_unknown",
      message:
        "net.ipv4.tcp_retries2 could not be read: the kernel default 15 is assumed",
    });
  }
}

/**
 * The kernel's findings and notes: a namespace that differs from the host
 * (or, when the host cannot be read, still has the kernel defaults), boot
 * values that differ from the running ones, and values that could not be
 * read.
 *
 * @param input The diagnosis input.
 * @returns The findings and notes.
 *
 * @example A pod on the defaults whose host was tuned
 * ```ts
 * import { kernelChecks } from "./_kernel_checks.ts";
 * const out = kernelChecks({
 *   roundTripMs: 1000,
 *   path: [],
 *   kernel: {
 *     runtime: { time: 7200, intvl: 75, probes: 9 },
 *     retries2: 15,
 *     retries2Read: true,
 *     namespace: { id: "net:[4026532301]", initial: false },
 *     host: { values: { time: 60, intvl: 20, probes: 3 }, namespace: "net:[4026531833]", via: "pid 1" },
 *   },
 * });
 * console.log(out.findings.map((f) => f.id)); // [ "namespace_differs" ]
 * ```
 */
export function kernelChecks(input: DoctorInput): Checked {
  const out = nothing();
  namespaceChecks(input, out);
  bootChecks(input, out);
  readingNotes(input, out);
  return out;
}
