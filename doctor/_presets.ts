/**
 * The middleboxes `--path` knows by name, with their documented idle
 * timeouts and where each figure is documented, and the parser of a
 * `--path` value (a preset, or an idle timeout). Internal to `doctor/`.
 *
 * @module
 */

import { parseDuration } from "../common/duration.ts";
import type { AfterExpiry, Middlebox } from "../detection/mod.ts";

/** A middlebox on the path between the client and the server. */
export interface PathEntry extends Middlebox {
  /** The preset's name (`aws-nlb`), or the idle timeout as given (`350s`). */
  id: string;
  /** What it is, for people. */
  label: string;
  /**
   * Whether it is a proxy that ends the client's TCP connection and opens
   * its own to the server: the server's kernel then watches the proxy, not
   * the client.
   */
  proxy: boolean;
  /** Where the idle timeout is documented. */
  source?: string;
}

/**
 * The presets, checked against each vendor's documentation (see
 * `docs/doctor.md` for the sentences they rest on).
 *
 * @example
 * ```ts
 * import { PRESETS } from "./_presets.ts";
 * console.log(PRESETS.map((p) => `${p.id} ${p.idleMs / 1000}s`).join(", "));
 * ```
 */
export const PRESETS: readonly PathEntry[] = [
  {
    id: "aws-nlb",
    label: "AWS Network Load Balancer, TCP listener",
    idleMs: 350_000,
    afterExpiry: "reset",
    countsProbes: true,
    proxy: false,
    source:
      "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html",
  },
  {
    id: "aws-alb",
    label: "AWS Application Load Balancer (HTTP, WebSocket)",
    idleMs: 60_000,
    afterExpiry: "close",
    countsProbes: false,
    proxy: true,
    source:
      "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout",
  },
  {
    id: "gcp-internal-nlb",
    label: "Google Cloud internal passthrough Network Load Balancer",
    idleMs: 600_000,
    afterExpiry: "drop",
    countsProbes: true,
    proxy: false,
    source:
      "https://cloud.google.com/java/docs/reference/google-cloud-compute/1.9.0/com.google.cloud.compute.v1.BackendServiceConnectionTrackingPolicy",
  },
  {
    id: "azure-lb",
    label: "Azure Load Balancer (TCP reset on idle off)",
    idleMs: 240_000,
    afterExpiry: "drop",
    countsProbes: true,
    proxy: false,
    source:
      "https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout",
  },
  {
    id: "conntrack",
    label: "Linux conntrack (nf_conntrack_tcp_timeout_established)",
    idleMs: 432_000_000,
    afterExpiry: "drop",
    countsProbes: true,
    proxy: false,
    source: "https://docs.kernel.org/networking/nf_conntrack-sysctl.html",
  },
  {
    id: "cgnat",
    label: "carrier-grade NAT of a mobile network (a typical 5 min)",
    idleMs: 300_000,
    afterExpiry: "drop",
    countsProbes: true,
    proxy: false,
    source: "https://www.rfc-editor.org/rfc/rfc5382#section-5",
  },
];

const SUFFIXES: Record<string, AfterExpiry> = {
  "": "drop",
  ":drop": "drop",
  ":rst": "reset",
  ":close": "close",
};

/**
 * Reads one `--path` value: a preset's name, or an idle timeout with a unit
 * (`350s`, `4m`), optionally followed by what a late packet meets:
 * `:drop` (the default: silently dropped), `:rst` (answered with a reset)
 * or `:close` (the middlebox closes both sides at the timeout).
 *
 * @param text The value.
 * @returns The middlebox.
 * @throws {SyntaxError} When it is neither a preset nor an idle timeout.
 *
 * @example
 * ```ts
 * import { parsePathEntry } from "./_presets.ts";
 * console.log(parsePathEntry("aws-nlb").idleMs); // 350000
 * console.log(parsePathEntry("4m:rst").afterExpiry); // "reset"
 * ```
 */
export function parsePathEntry(text: string): PathEntry {
  const name = text.trim();
  const preset = PRESETS.find((p) => p.id === name);
  if (preset !== undefined) return preset;
  const match = /^([^:]+)(:[a-z]+)?$/.exec(name);
  const afterExpiry = SUFFIXES[match?.[2] ?? ""];
  let idleMs = NaN;
  try {
    idleMs = match === null ? NaN : parseDuration(match[1]);
  } catch {
    // Not a duration: refused below with the list of presets.
  }
  if (afterExpiry === undefined || !(idleMs > 0)) {
    throw new SyntaxError(
      `Cannot use ${JSON.stringify(text)}: expected a preset (${
        PRESETS.map((p) => p.id).join(", ")
      }) or an idle timeout such as "350s", optionally with ":rst" or ":close"`,
    );
  }
  return {
    id: name,
    label: `a middlebox with an idle timeout of ${match![1]}`,
    idleMs,
    afterExpiry,
    countsProbes: true,
    proxy: false,
  };
}
