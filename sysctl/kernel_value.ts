/**
 * What the kernel makes of a write to `/proc/sys/net/ipv4/tcp_keepalive_*`:
 * the same parse as `proc_dointvec_jiffies` (time, intvl) and
 * `proc_dou8vec_minmax` (probes) in `kernel/sysctl.c`, so that a value in a
 * sysctl file is known to be set, refused, or read as another number
 * (`0600` is octal, `0x3c` hexadecimal, `600 # comment` is 600).
 *
 * @module
 */

import { KEEPALIVE_KEYS, type KeepaliveField } from "./keepalive.ts";

/** What the running kernel is, as far as the keepalive sysctls care. */
export interface KernelInfo {
  /**
   * Its timer frequency (`CONFIG_HZ`): time and intvl are kept in jiffies,
   * so the largest value accepted is `INT_MAX / HZ` seconds.
   *
   * @default {1000, the strictest common setting}
   */
  hz?: number;
  /**
   * Its release (`6.1.0-18-amd64`): before Linux 5.13 the probe count was
   * an `int`, since then it is a byte (0 to 255).
   *
   * @default {undefined: a kernel of 5.13 or later}
   */
  release?: string;
}

/** The kernel's answer to a write: the value it keeps, or why it refuses. */
export type KernelWrite =
  | {
    /** The write succeeds. */
    accepted: true;
    /** The value it reads back. */
    value: number;
    /** Text after the number that the kernel ignores (`# comment`), if any. */
    ignored?: string;
  }
  | {
    /** The write fails with `EINVAL`. */
    accepted: false;
    /** Why, in a few words. */
    reason: string;
  };

/**
 * The timer frequency assumed when the kernel's is unknown: 1000 refuses
 * the widest range of large values, so nothing is predicted as set that a
 * kernel could refuse.
 *
 * @example
 * ```ts
 * import { DEFAULT_KERNEL_HZ, parseKernelWrite } from "@lifeline/lifeline/sysctl";
 * console.log(DEFAULT_KERNEL_HZ, parseKernelWrite("time", "2147484").accepted); // 1000 false
 * ```
 */
export const DEFAULT_KERNEL_HZ = 1000;

const INT_MAX = 2147483647;
/** `TMPBUFLEN` in `proc_get_long`: 21 characters of number at the most. */
const NUMBER_BUFFER = 22;
/** Characters the kernel's `isspace` skips (`lib/ctype.c`, Latin-1 NBSP included). */
const KERNEL_SPACE = new Set(["\t", "\n", "\v", "\f", "\r", " ", "\xa0"]);
/** What may follow a number (`proc_wspace_sep`). */
const AFTER_NUMBER = new Set([" ", "\t", "\n"]);

function versionBefore(release: string, major: number, minor: number) {
  const [a, b] = release.split(".").map((part) => parseInt(part));
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return a < major || (a === major && b < minor);
}

/**
 * The range of values the kernel accepts for a keepalive sysctl.
 *
 * @param field `"time"`, `"intvl"` or `"probes"`.
 * @param kernel Its timer frequency and release.
 * @returns The smallest and largest value accepted.
 *
 * @example
 * ```ts
 * import { kernelRange } from "@lifeline/lifeline/sysctl";
 * console.log(kernelRange("time", { hz: 250 })); // { min: -8589934, max: 8589934 }
 * console.log(kernelRange("probes")); // { min: 0, max: 255 }
 * ```
 */
export function kernelRange(
  field: KeepaliveField,
  kernel: KernelInfo = {},
): { min: number; max: number } {
  if (field === "probes") {
    return kernel.release !== undefined &&
        versionBefore(kernel.release, 5, 13)
      ? { min: -INT_MAX - 1, max: INT_MAX }
      : { min: 0, max: 255 };
  }
  const max = Math.floor(INT_MAX / (kernel.hz ?? DEFAULT_KERNEL_HZ));
  return { min: -max, max };
}

function digitValue(c: string, base: number): number {
  const d = parseInt(c, 16);
  return Number.isNaN(d) || d >= base ? -1 : d;
}

/**
 * Tells what the kernel does with a value written to a keepalive sysctl,
 * the way both loaders write it (the value and a newline): leading white
 * space is skipped, the number may be octal (`0600`) or hexadecimal
 * (`0x3c`), it must be followed by a space, a tab or the end, and anything
 * after that is ignored; `+600`, `600#x`, `600\v` and `""` are refused, as
 * are values out of {@linkcode kernelRange}.
 *
 * @param field `"time"`, `"intvl"` or `"probes"`.
 * @param value The value as the loader writes it, one character per byte.
 * @param kernel Its timer frequency and release.
 * @returns The value kept, or why the write fails.
 *
 * @example
 * ```ts
 * import { parseKernelWrite } from "@lifeline/lifeline/sysctl";
 * console.log(parseKernelWrite("time", "0x3c")); // { accepted: true, value: 60 }
 * console.log(parseKernelWrite("time", "600 # ten minutes").accepted); // true
 * console.log(parseKernelWrite("probes", "256")); // { accepted: false, reason: "out of range 0 to 255" }
 * ```
 */
export function parseKernelWrite(
  field: KeepaliveField,
  value: string,
  kernel: KernelInfo = {},
): KernelWrite {
  // The kernel reads at most a page less one byte.
  const buffer = (value + "\n").slice(0, 4095);
  let at = 0;
  while (at < buffer.length && KERNEL_SPACE.has(buffer[at])) at++;
  if (at === buffer.length) return { accepted: false, reason: "empty" };
  const tmp = buffer.slice(at, at + NUMBER_BUFFER - 1);
  let p = 0;
  const negative = tmp[0] === "-" && buffer.length - at > 1;
  if (negative) p++;
  if (!/[0-9]/.test(tmp[p] ?? "")) {
    return { accepted: false, reason: "not a number" };
  }
  let base = 10;
  if (tmp[p] === "0") {
    if (
      tmp[p + 1]?.toLowerCase() === "x" && /[0-9a-f]/i.test(tmp[p + 2] ?? "")
    ) {
      base = 16;
      p += 2;
    } else base = 8;
  }
  let number = 0n;
  for (; p < tmp.length; p++) {
    const digit = digitValue(tmp[p], base);
    if (digit < 0) break;
    number = number * BigInt(base) + BigInt(digit);
  }
  if (number >= 1n << 64n) return { accepted: false, reason: "too large" };
  if (p === NUMBER_BUFFER - 1) {
    return { accepted: false, reason: "more than 20 digits" };
  }
  const next = tmp[p];
  if (next !== undefined && !AFTER_NUMBER.has(next)) {
    return { accepted: false, reason: "not a number" };
  }
  if (negative && field === "probes" && kernelRange(field, kernel).min === 0) {
    return { accepted: false, reason: "negative" };
  }
  const { min, max } = kernelRange(field, kernel);
  const signed = negative ? -number : number;
  if (signed < BigInt(min) || signed > BigInt(max)) {
    return { accepted: false, reason: `out of range ${min} to ${max}` };
  }
  const rest = buffer.slice(at + p).replace(/^[ \t\n]+/, "").replace(
    /\n$/,
    "",
  );
  return {
    accepted: true,
    value: Number(signed),
    ...(rest !== "" ? { ignored: rest } : {}),
  };
}

/**
 * Describes a refused write in the words of the warnings:
 * `the kernel refuses "256" for net.ipv4.tcp_keepalive_probes (out of range 0 to 255)`.
 *
 * @param field The setting.
 * @param shown The value as shown to people.
 * @param write The refusal.
 * @returns The sentence.
 *
 * @example
 * ```ts
 * import { parseKernelWrite, refusal } from "@lifeline/lifeline/sysctl";
 * console.log(refusal("time", "soon", parseKernelWrite("time", "soon")));
 * // the kernel refuses "soon" for net.ipv4.tcp_keepalive_time
 * ```
 */
export function refusal(
  field: KeepaliveField,
  shown: string,
  write: KernelWrite,
): string {
  const why = !write.accepted && write.reason.startsWith("out of range")
    ? ` (${write.reason})`
    : "";
  return `the kernel refuses ${JSON.stringify(shown)} for ${
    KEEPALIVE_KEYS[field]
  }${why}`;
}
