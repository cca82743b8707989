/**
 * Changing the value of keys in a parsed sysctl file so that both boot
 * loaders read the new value: the line rewritten is the last one either
 * loader reads for the key (whatever form its key or value takes), and the
 * new line is one both read; everything else stays byte-identical.
 *
 * @module
 */

import {
  BOOT_LOADERS,
  type BootLoader,
  lineEntries,
  type LoaderEntry,
  plainName,
} from "./_loader_syntax.ts";
import {
  parseSysctlConfig,
  renderSysctlConfig,
  type SysctlConfig,
  type SysctlLine,
  sysctlLines,
} from "./config_file.ts";
import { parseKernelWrite } from "./kernel_value.ts";
import { keepaliveFieldOf } from "./keepalive.ts";

/** The last entry of a line that a loader reads as the explicit key. */
function entryFor(
  line: SysctlLine,
  key: string,
  loader: BootLoader,
): LoaderEntry | undefined {
  return lineEntries(line, loader).findLast((entry) =>
    !entry.glob && entry.writes === key
  );
}

/**
 * Finds the line that sets a key effectively in one file: the last line
 * that either loader reads as that key, an assignment in any form
 * (`0x3c`, `600 # note`, a value the kernel refuses, an empty value) or a
 * `-key` exclusion, since each of them decides what the file leaves.
 *
 * @param config The parsed file.
 * @param key The key in dotted form.
 * @returns The line, or `undefined` when the file does not name the key.
 *
 * @example
 * ```ts
 * import { effectiveLine, parseSysctlConfig } from "@lifeline/lifeline/sysctl";
 * const config = parseSysctlConfig("k = 1\nk = 2 # default\n");
 * console.log(effectiveLine(config, "k")?.number); // 2
 * ```
 */
export function effectiveLine(
  config: SysctlConfig,
  key: string,
): SysctlLine | undefined {
  return config.lines.findLast((line) => names(line, key));
}

/** Whether a loader reads the line as the explicit key (or `-key`). */
function names(line: SysctlLine, key: string): boolean {
  const name = key.split(".").at(-1)!.replaceAll("/", ".");
  return line.text.includes(name) &&
    BOOT_LOADERS.some((loader) => entryFor(line, key, loader) !== undefined);
}

/** An effective line and where it starts in the text. */
interface Found {
  line: SysctlLine;
  offset: number;
}

function findLines(text: string, keys: string[]): Map<string, Found> {
  const found = new Map<string, Found>();
  let offset = 0;
  for (const line of sysctlLines(text)) {
    for (const key of keys) {
      if (names(line, key)) found.set(key, { line, offset });
    }
    offset += line.text.length + line.eol.length;
  }
  return found;
}

/**
 * Finds the effective line of each key in a file's text, reading one line
 * at a time (for large files); see {@linkcode effectiveLine}.
 *
 * @param text The file's content.
 * @param keys The keys in dotted form.
 * @returns The effective line of each key the file names.
 *
 * @example
 * ```ts
 * import { effectiveLines } from "@lifeline/lifeline/sysctl";
 * const lines = effectiveLines("a = 1\nb = 2\na = 3\n", ["a", "c"]);
 * console.log(lines.get("a")?.number, lines.has("c")); // 3 false
 * ```
 */
export function effectiveLines(
  text: string,
  keys: readonly string[],
): Map<string, SysctlLine> {
  return new Map(
    [...findLines(text, [...keys])].map(([key, { line }]) => [key, line]),
  );
}

/**
 * Whether every loader reads `value` for `key` from this line, with the
 * key in the plain form that also keeps globs off it.
 */
function lineGives(line: SysctlLine, key: string, value: string): boolean {
  const field = keepaliveFieldOf(key);
  return BOOT_LOADERS.every((loader) => {
    const entry = entryFor(line, key, loader);
    if (entry === undefined || entry.key !== plainName(key)) return false;
    if (entry.value === null) return false;
    if (field === undefined) return entry.value === value;
    const now = parseKernelWrite(field, entry.value);
    const want = parseKernelWrite(field, value);
    return now.accepted && want.accepted && now.value === want.value;
  });
}

function reparse(text: string, line: SysctlLine): SysctlLine {
  const parsed = parseSysctlConfig(text).lines[0] ??
    { text, eol: line.eol, number: line.number, kind: "blank" as const };
  return { ...parsed, text, eol: line.eol, number: line.number };
}

/** The line rewritten to give `value`: only the value, or key and value. */
function rewrite(line: SysctlLine, key: string, value: string): SysctlLine {
  const text = line.text;
  const lead = /^[ \t]*/.exec(text)![0];
  const dash = text.slice(lead.length).startsWith("-") ? "-" : "";
  const eq = text.indexOf("=");
  const tail = /[ \t]*$/.exec(text)![0];
  if (eq !== -1 && line.valueStart !== undefined) {
    const kept = reparse(
      text.slice(0, line.valueStart) + value + tail,
      line,
    );
    if (lineGives(kept, key, value)) return kept;
  }
  const between = eq === -1 ? "" : /[ \t]*=[ \t]*$/.exec(
    text.slice(0, line.valueStart ?? eq + 1),
  )?.[0];
  const rebuilt = reparse(
    `${lead}${dash}${key}${between || " = "}${value}${tail}`,
    line,
  );
  return lineGives(rebuilt, key, value)
    ? rebuilt
    : reparse(`${key} = ${value}`, line);
}

/** Options of {@linkcode setSysctlValues}. */
export interface SetValuesOptions {
  /**
   * The one-line comment written above appended keys.
   *
   * @default {"# Managed by lifeline: deno task sysctl apply"}
   */
  comment?: string;
}

/**
 * The comment written above keys appended to a file.
 *
 * @example
 * ```ts
 * import { MANAGED_COMMENT, parseSysctlConfig, renderSysctlConfig, setSysctlValues } from "@lifeline/lifeline/sysctl";
 * const config = setSysctlValues(parseSysctlConfig(""), { "net.ipv4.tcp_keepalive_time": 60 });
 * console.log(renderSysctlConfig(config).startsWith(MANAGED_COMMENT)); // true
 * ```
 */
export const MANAGED_COMMENT = "# Managed by lifeline: deno task sysctl apply";

/**
 * Sets keys in a file so that both loaders read the new values. The key's
 * effective line ({@linkcode effectiveLine}) is rewritten in place: its
 * value is replaced whole (bytes such as a trailing `\v` or no-break space
 * that make a loader refuse it go, and so does an inline `# comment`),
 * keeping its spacing and any `-` prefix; a key the loaders read
 * differently (`- key`, `key.`, `net.ipv4..key`) is written plainly, and a
 * `-key` exclusion becomes `-key = value`. A line that already gives the
 * value under both loaders (`0x3c` for 60) is left alone. Keys the file
 * does not set are appended under a one-line comment (or under the same
 * comment when it already heads the assignments that end the file).
 * Everything else stays byte-identical.
 *
 * @param config The parsed file.
 * @param values The values by dotted key, in the order to append missing ones.
 * @param options The comment for appended keys.
 * @returns A new parsed file; `config` is not modified.
 *
 * @example
 * ```ts
 * import { parseSysctlConfig, renderSysctlConfig, setSysctlValues } from "@lifeline/lifeline/sysctl";
 * const config = parseSysctlConfig("net.ipv4.tcp_keepalive_time  =  7200 \n");
 * const next = setSysctlValues(config, {
 *   "net.ipv4.tcp_keepalive_time": "60",
 *   "net.ipv4.tcp_keepalive_probes": "3",
 * });
 * console.log(renderSysctlConfig(next));
 * // net.ipv4.tcp_keepalive_time  =  60
 * //
 * // # Managed by lifeline: deno task sysctl apply
 * // net.ipv4.tcp_keepalive_probes = 3
 * ```
 */
export function setSysctlValues(
  config: SysctlConfig,
  values: Record<string, string | number>,
  options: SetValuesOptions = {},
): SysctlConfig {
  return parseSysctlConfig(
    setSysctlText(renderSysctlConfig(config), values, options),
  );
}

/** The last lines of a text, last first, without parsing the rest. */
function* linesFromEnd(text: string): Generator<SysctlLine> {
  let end = text.length;
  while (end > 0) {
    const contentEnd = text[end - 1] === "\n" ? end - 1 : end;
    const start = contentEnd === 0
      ? 0
      : text.lastIndexOf("\n", contentEnd - 1) + 1;
    yield parseSysctlConfig(text.slice(start, end)).lines[0];
    end = start;
  }
}

/**
 * Sets keys in a file's text as {@linkcode setSysctlValues} does, reading
 * one line at a time, so a large file costs little more than its text.
 *
 * @param text The file's content.
 * @param values The values by dotted key, in the order to append missing ones.
 * @param options The comment for appended keys.
 * @returns The new content.
 *
 * @example
 * ```ts
 * import { setSysctlText } from "@lifeline/lifeline/sysctl";
 * console.log(setSysctlText("net.ipv4.tcp_keepalive_time = 7200 # default\n", {
 *   "net.ipv4.tcp_keepalive_time": 60,
 * })); // "net.ipv4.tcp_keepalive_time = 60\n"
 * ```
 */
export function setSysctlText(
  text: string,
  values: Record<string, string | number>,
  options: SetValuesOptions = {},
): string {
  const keys = Object.keys(values);
  const found = findLines(text, keys);
  const edits: { offset: number; length: number; text: string }[] = [];
  const missing: [string, string][] = [];
  for (const key of keys) {
    const value = String(values[key]);
    const at = found.get(key);
    if (at === undefined) missing.push([key, value]);
    else if (!lineGives(at.line, key, value)) {
      edits.push({
        offset: at.offset,
        length: at.line.text.length,
        text: rewrite(at.line, key, value).text,
      });
    }
  }
  edits.sort((a, b) => a.offset - b.offset);
  let out = "";
  let from = 0;
  for (const edit of edits) {
    out += text.slice(from, edit.offset) + edit.text;
    from = edit.offset + edit.length;
  }
  out += text.slice(from);
  if (missing.length === 0) return out;
  const eol = out.includes("\r\n") ? "\r\n" : "\n";
  const last = linesFromEnd(out).next().value as SysctlLine | undefined;
  const comment = options.comment ?? MANAGED_COMMENT;
  // Append to the block a previous run left at the end of the file, if any.
  let head: SysctlLine | undefined;
  for (const line of linesFromEnd(out)) {
    if (line.kind !== "assignment") {
      head = line;
      break;
    }
  }
  const inBlock = head?.text === comment;
  if (last !== undefined && last.eol === "") out += eol;
  const added: string[] = [];
  if (!inBlock) {
    if (last !== undefined && last.kind !== "blank") added.push("");
    added.push(comment);
  }
  for (const [key, value] of missing) added.push(`${key} = ${value}`);
  return out + added.map((line) => line + eol).join("");
}
