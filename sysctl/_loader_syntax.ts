/**
 * How each boot loader reads the lines of a sysctl file, modelled on their
 * sources: procps-ng 4.0.2 `src/sysctl.c` (`Preload`, `parse_setting_line`,
 * `setting_new`, `slashdot`, `write_setting_list`) and systemd 252
 * `src/sysctl/sysctl.c` (`parse_file`, `apply_all`) with `sysctl_normalize`,
 * `sysctl_write`, `read_line` and `strstrip`. Text is handled as one
 * character per byte, as the loaders do. Internal to `sysctl/`.
 *
 * @module
 */

import type { SysctlLine } from "./config_file.ts";

/** The program that loads sysctl files at boot. */
export type BootLoader = "procps" | "systemd";

/**
 * Both loaders, in the order reports show them.
 *
 * @example
 * ```ts
 * import { BOOT_LOADERS } from "@lifeline/lifeline/sysctl";
 * console.log(BOOT_LOADERS); // [ "procps", "systemd" ]
 * ```
 */
export const BOOT_LOADERS: readonly BootLoader[] = ["procps", "systemd"];

/** One setting a loader reads from a file. */
export interface LoaderEntry {
  /** The 1-based line, counting `\n`. */
  line: number;
  /**
   * What the loader knows the setting by: for procps the path under
   * `/proc/sys/` it builds (`net/ipv4/tcp_keepalive_time`), compared as a
   * string with a glob's matches; for systemd the normalized key, one entry
   * per key.
   */
  key: string;
  /** The key as written, for messages. */
  written: string;
  /** Whether the key is a glob pattern (`*`, `?` or `[`). */
  glob: boolean;
  /** The sysctl an explicit key writes, in dotted form, if it names one. */
  writes?: string;
  /** The value the loader writes; `null` for `-key` (an exclusion). */
  value: string | null;
}

/** A line a loader warns about and skips. */
export interface LoaderProblem {
  /** The 1-based line. */
  line: number;
  /** What is wrong. */
  message: string;
}

/** The bytes of a UTF-8 string, one character each. */
export function toBytes(text: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += String.fromCharCode(byte);
  }
  return out;
}

/** One character per byte of a file's content. */
export function bytesToString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** A byte string decoded as UTF-8 where it can be, for people. */
export function shown(bytes: string): string {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(bytes)) return bytes;
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
  return new TextDecoder().decode(array);
}

/** C's `isspace` in the C locale. */
const C_SPACE = " \t\n\v\f\r";
/** systemd's `WHITESPACE`. */
const SD_SPACE = " \t\n\r";
const GLOB = /[*?[]/;

function lstrip(text: string, space: string): string {
  let i = 0;
  while (i < text.length && space.includes(text[i])) i++;
  return text.slice(i);
}

function rstrip(text: string, space: string): string {
  let i = text.length;
  while (i > 0 && space.includes(text[i - 1])) i--;
  return text.slice(0, i);
}

function strip(text: string, space: string): string {
  return rstrip(lstrip(text, space), space);
}

/** The components of a dotted key: `net.ipv4.conf.eth0/1.rp_filter` has `eth0.1`. */
export function keyComponents(dotted: string): string[] {
  return dotted.split(".").map((part) => part.replaceAll("/", "."));
}

function dottedOf(components: string[]): string {
  return components.map((part) => part.replaceAll(".", "/")).join(".");
}

/** procps's `slashdot`: when the first separator is a dot, dots and slashes swap. */
function slashdot(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === "/") return key;
  return key.slice(0, first) +
    key.slice(first).replace(/[./]/g, (c) => (c === "." ? "/" : "."));
}

/** The sysctl a procps path names: `stat()` and `realpath()` under /proc/sys/. */
function procpsTarget(path: string): string | undefined {
  if (path.endsWith("/")) return undefined; // ENOTDIR on a file
  const stack = ["proc", "sys"];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      stack.pop();
      continue;
    }
    stack.push(part);
  }
  if (stack[0] !== "proc" || stack[1] !== "sys" || stack.length < 3) {
    return undefined;
  }
  return dottedOf(stack.slice(2));
}

/** systemd's `path_simplify`: no empty or `.` components, no trailing slash. */
function pathSimplify(path: string): string {
  if (path === "") return path;
  const absolute = path.startsWith("/");
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/** systemd's `sysctl_normalize`. */
export function systemdNormalize(key: string): string {
  const first = key.search(/[./]/);
  let s = key;
  if (first !== -1 && key[first] === ".") {
    s = key.slice(0, first) +
      key.slice(first).replace(/[./]/g, (c) => (c === "." ? "/" : "."));
  }
  s = pathSimplify(s);
  if (s.startsWith("/") && s.length > 1) s = s.slice(1);
  return s;
}

/** The sysctl systemd's `sysctl_write` writes for a normalized key. */
function systemdTarget(key: string): string | undefined {
  const path = pathSimplify(`/proc/sys/${key}`);
  const parts = path.split("/").slice(3);
  if (parts.length === 0 || parts.some((part) => part === "..")) {
    return undefined; // path_is_normalized() refuses it
  }
  return dottedOf(parts);
}

/** An entry, with the sysctl it writes when its key is not a glob. */
function entryOf(
  line: number,
  key: string,
  written: string,
  value: string | null,
  target: (key: string) => string | undefined,
): LoaderEntry {
  const glob = GLOB.test(key);
  return glob
    ? { line, key, written, glob, value }
    : { line, key, written, glob, writes: target(key), value };
}

/** Which raw lines may give an entry that matters; others are only checked. */
export type LineFilter = (line: string) => boolean;

function procpsEntries(bytes: string, keep: LineFilter) {
  const entries: LoaderEntry[] = [];
  const problems: LoaderProblem[] = [];
  let start = 0;
  for (let number = 1; start < bytes.length; number++) {
    const newline = bytes.indexOf("\n", start);
    const end = newline === -1 ? bytes.length : newline + 1;
    const withEnd = bytes.slice(start, end);
    start = end;
    if (withEnd.length < 2) continue; // getline() length under 2
    const nul = withEnd.indexOf("\0");
    const line = nul === -1 ? withEnd : withEnd.slice(0, nul);
    let key = lstrip(line, C_SPACE);
    if (key.length < 2 || key[0] === "#" || key[0] === ";") continue;
    const eq = key.indexOf("=");
    if (eq === -1 && key[0] !== "-") {
      problems.push({ line: number, message: notAssignment(key) });
      continue;
    }
    if (!keep(line)) continue;
    let value: string | null = null;
    if (eq === -1) key = rstrip(key.slice(1), C_SPACE);
    else {
      value = strip(key.slice(eq + 1), C_SPACE);
      key = key.slice(0, eq);
      if (key[0] === "-") key = key.slice(1);
      key = rstrip(key, C_SPACE);
    }
    // setting_new() drops one more leading dash.
    const path = slashdot(key[0] === "-" ? key.slice(1) : key);
    entries.push(entryOf(number, path, key, value, procpsTarget));
  }
  return { entries, problems };
}

function notAssignment(text: string): string {
  return `expected "key = value", found "${shown(strip(text, C_SPACE))}"`;
}

/** Lines that can matter for the keepalive sysctls: their name or a glob. */
export const KEEPALIVE_LINES: LineFilter = (line) =>
  line.includes("tcp_keepalive_") || GLOB.test(line);

/** systemd's `LONG_LINE_MAX`: a longer line ends the reading of its file. */
const LONG_LINE_MAX = 1024 * 1024;

function systemdEntries(bytes: string, keep: LineFilter) {
  const entries: LoaderEntry[] = [];
  const problems: LoaderProblem[] = [];
  // read_line() ends a line at "\n", "\r" or NUL ("\r\n" is one end).
  const ends = /[\r\n\0]/g;
  let number = 1;
  let start = 0;
  while (start <= bytes.length) {
    const found = ends.exec(bytes);
    const end = found === null ? bytes.length : found.index;
    const piece = bytes.slice(start, end);
    const at = number;
    if (found?.[0] === "\n") number++;
    start = end + 1;
    if (found === null) start = bytes.length + 1;
    if (piece.length >= LONG_LINE_MAX) {
      problems.push({
        line: at,
        message: "line too long; systemd skips the rest of the file",
      });
      break;
    }
    const p = strip(piece, SD_SPACE);
    if (p === "" || "#;\n".includes(p[0])) continue;
    const eq = p.indexOf("=");
    if (eq === -1 && p[0] !== "-") {
      problems.push({ line: at, message: notAssignment(p) });
      continue;
    }
    if (!keep(p)) continue;
    let key: string;
    let value: string | null = null;
    if (eq !== -1) {
      key = p.slice(p[0] === "-" ? 1 : 0, eq);
      value = strip(p.slice(eq + 1), SD_SPACE);
    } else key = p.slice(1);
    key = strip(key, SD_SPACE);
    entries.push(
      entryOf(at, systemdNormalize(key), key, value, systemdTarget),
    );
  }
  return { entries, problems };
}

/**
 * The settings a loader reads from a file's bytes, in order, and the lines
 * it skips with a warning. procps splits lines at `\n` only, ends a line at
 * a NUL, strips C white space (`\v` and `\f` included) and takes `- key` as
 * the key ` key`; systemd also ends lines at `\r` and NUL, strips only
 * spaces, tabs and line ends, and normalizes keys (`net.ipv4..x` is
 * `net/ipv4/x`, a trailing dot goes).
 */
export function readLoaderEntries(
  bytes: string,
  loader: BootLoader,
  keep: LineFilter = () => true,
): { entries: LoaderEntry[]; problems: LoaderProblem[] } {
  return loader === "procps"
    ? procpsEntries(bytes, keep)
    : systemdEntries(bytes, keep);
}

/** `fnmatch(3)` of one path component, as `glob(3)` uses it. */
export function fnmatch(pattern: string, name: string): boolean {
  if (name.startsWith(".") && !pattern.startsWith(".")) return false;
  const match = (p: number, n: number): boolean => {
    while (p < pattern.length) {
      const c = pattern[p];
      if (c === "*") {
        while (pattern[p] === "*") p++;
        if (p === pattern.length) return true;
        for (let k = n; k <= name.length; k++) if (match(p, k)) return true;
        return false;
      }
      if (n >= name.length) return false;
      if (c === "?") {
        p++;
        n++;
        continue;
      }
      if (c === "[") {
        const set = bracket(pattern, p + 1);
        if (set !== undefined) {
          if (!set.test(name[n])) return false;
          p = set.end;
          n++;
          continue;
        }
      }
      const literal = c === "\\" && p + 1 < pattern.length ? pattern[++p] : c;
      if (literal !== name[n]) return false;
      p++;
      n++;
    }
    return n === name.length;
  };
  return match(0, 0);
}

function bracket(
  pattern: string,
  start: number,
): { test: (c: string) => boolean; end: number } | undefined {
  let i = start;
  const negate = pattern[i] === "!" || pattern[i] === "^";
  if (negate) i++;
  const ranges: [string, string][] = [];
  let first = true;
  while (i < pattern.length && (pattern[i] !== "]" || first)) {
    first = false;
    let low = pattern[i];
    if (low === "\\" && i + 1 < pattern.length) low = pattern[++i];
    let high = low;
    if (
      pattern[i + 1] === "-" && i + 2 < pattern.length && pattern[i + 2] !== "]"
    ) {
      high = pattern[i + 2];
      i += 2;
    }
    ranges.push([low, high]);
    i++;
  }
  if (i >= pattern.length) return undefined; // no "]": a literal "["
  const inSet = (c: string) => ranges.some(([lo, hi]) => lo <= c && c <= hi);
  return { test: (c) => inSet(c) !== negate, end: i + 1 };
}

/**
 * Whether a loader's glob entry matches a sysctl, and what the loader then
 * knows the match by (procps: the path `glob(3)` returns; systemd: the
 * normalized key), which an explicit entry with that same name blocks.
 */
export function globMatch(
  entry: LoaderEntry,
  dotted: string,
  loader: BootLoader,
): string | undefined {
  const target = keyComponents(dotted);
  const parts = entry.key.split("/");
  if (entry.key.endsWith("/")) return undefined; // matches directories only
  const result: string[] = [];
  let at = 0;
  for (const part of parts) {
    if (part === "" || part === ".") {
      if (loader === "systemd") return undefined;
      result.push(part);
      continue;
    }
    if (part === "..") return undefined;
    if (at >= target.length) return undefined;
    const ok = GLOB.test(part)
      ? fnmatch(part, target[at])
      : part === target[at];
    if (!ok) return undefined;
    result.push(GLOB.test(part) ? target[at] : part);
    at++;
  }
  if (at !== target.length) return undefined;
  return result.join("/");
}

/** The path or key a loader gives an explicit entry for a sysctl written plainly. */
export function plainName(dotted: string): string {
  return keyComponents(dotted).join("/");
}

/**
 * The entries each loader reads from one parsed line (a line with a lone
 * `\r` or a NUL is more than one line for systemd): `- key = 60` writes
 * nothing for procps, which looks up ` net/ipv4/…`.
 */
export function lineEntries(
  line: SysctlLine,
  loader: BootLoader,
): LoaderEntry[] {
  if (line.kind === "blank" || line.kind === "comment") return [];
  return readLoaderEntries(toBytes(line.text + line.eol), loader).entries;
}
