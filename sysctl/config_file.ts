/**
 * A lossless parser and renderer for `sysctl.conf` and `sysctl.d/*.conf`
 * files: every byte of an untouched file comes back unchanged, and a change
 * rewrites only the value of one line.
 *
 * @module
 */

/** What a line of a sysctl file is. */
export type SysctlLineKind =
  | "blank"
  | "comment"
  | "assignment"
  | "exclude"
  | "malformed";

/** One line of a sysctl file, with its exact text and line ending. */
export interface SysctlLine {
  /** The line's text without its line ending. */
  text: string;
  /** The line ending: `"\n"`, `"\r\n"`, or `""` for a last line without one. */
  eol: "" | "\n" | "\r\n";
  /** 1-based line number. */
  number: number;
  /** What the line is. */
  kind: SysctlLineKind;
  /** The key in dotted form, without a leading `-` (assignments and excludes). */
  key?: string;
  /** The value without the spaces and tabs around it (assignments). */
  value?: string;
  /** Whether the line starts with `-`: failures to set it are ignored. */
  ignoreErrors?: boolean;
  /** Whether the key is a glob pattern (`*`, `?` or `[`). */
  glob?: boolean;
  /** Why the line is malformed (malformed lines). */
  problem?: string;
  /** Offsets of the value in `text` (assignments). */
  valueStart?: number;
  /** End offset (exclusive) of the value in `text` (assignments). */
  valueEnd?: number;
}

/** A parsed sysctl file. */
export interface SysctlConfig {
  /** Every line, in order. */
  lines: SysctlLine[];
}

/** A key assigned more than once in one file. */
export interface DuplicateKey {
  /** The key in dotted form. */
  key: string;
  /** The line numbers of every assignment; the last one is effective. */
  lines: number[];
}

const GLOB = /[*?[]/;
const BOM = "\uFEFF";

/**
 * Normalizes a sysctl key to its dotted form the way systemd-sysctl and
 * procps do: when the first separator is `/`, slashes become dots and dots
 * become slashes; otherwise the key is kept as written.
 *
 * @param key A key such as `net/ipv4/tcp_keepalive_time`.
 * @returns The dotted key, such as `net.ipv4.tcp_keepalive_time`.
 *
 * @example
 * ```ts
 * import { normalizeSysctlKey } from "@lifeline/lifeline/sysctl";
 * console.log(normalizeSysctlKey("net/ipv4/tcp_keepalive_time")); // "net.ipv4.tcp_keepalive_time"
 * ```
 */
export function normalizeSysctlKey(key: string): string {
  const slash = key.indexOf("/");
  const dot = key.indexOf(".");
  if (slash === -1 || (dot !== -1 && dot < slash)) return key;
  return key.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

/** The white space every loader strips around keys and values. */
const BLANK = /^[ \t]*/;

function stripBlank(text: string): string {
  return text.replace(BLANK, "").replace(/[ \t]*$/, "");
}

/**
 * Parses one line (without its ending). Only spaces and tabs count as
 * white space here: both loaders strip them, while `\v`, `\f` and a
 * no-break space are part of a key or value for at least one of them.
 */
function parseLine(
  text: string,
  eol: SysctlLine["eol"],
  number: number,
): SysctlLine {
  if (text.startsWith(BOM)) {
    // Neither loader strips a byte order mark: it would become part of the key.
    const inner = parseLine(text.slice(BOM.length), eol, number);
    if (inner.kind === "blank" || inner.kind === "comment") {
      return { ...inner, text };
    }
    return {
      text,
      eol,
      number,
      kind: "malformed",
      problem:
        `starts with a byte order mark (U+FEFF), which procps and systemd read as part of the key; save the file without it`,
    };
  }
  const line: SysctlLine = { text, eol, number, kind: "blank" };
  const lead = BLANK.exec(text)![0].length;
  const rest = text.slice(lead);
  if (stripBlank(rest) === "") return line;
  if (rest.startsWith("#") || rest.startsWith(";")) {
    line.kind = "comment";
    return line;
  }
  const shownText = stripBlank(text);
  const eq = rest.indexOf("=");
  if (eq === -1) {
    if (rest.startsWith("-") && stripBlank(rest.slice(1)) !== "") {
      line.kind = "exclude";
      line.key = normalizeSysctlKey(stripBlank(rest.slice(1)));
      line.ignoreErrors = true;
      line.glob = GLOB.test(line.key);
      return line;
    }
    line.kind = "malformed";
    line.problem = `expected "key = value", found "${shownText}"`;
    return line;
  }
  let keyPart = rest.slice(0, eq);
  const ignoreErrors = keyPart.startsWith("-");
  if (ignoreErrors) keyPart = keyPart.slice(1);
  const key = stripBlank(keyPart);
  const after = rest.slice(eq + 1);
  const valueLead = BLANK.exec(after)![0].length;
  const value = stripBlank(after);
  if (key === "") {
    line.kind = "malformed";
    line.problem = `missing key in "${shownText}"`;
    return line;
  }
  line.key = normalizeSysctlKey(key);
  line.value = value;
  line.ignoreErrors = ignoreErrors;
  line.glob = GLOB.test(line.key);
  line.valueStart = lead + eq + 1 + valueLead;
  line.valueEnd = line.valueStart + value.length;
  if (value === "") {
    // The loaders write an empty value, which the kernel refuses.
    line.kind = "malformed";
    line.problem = `missing value in "${shownText}"`;
    return line;
  }
  line.kind = "assignment";
  return line;
}

/**
 * Parses the lines of a sysctl file one at a time, as
 * {@linkcode parseSysctlConfig} does, without holding them all: for files
 * too large to keep a line object per line.
 *
 * @param text The file's content.
 * @returns The lines, in order.
 *
 * @example
 * ```ts
 * import { sysctlLines } from "@lifeline/lifeline/sysctl";
 * for (const line of sysctlLines("a = 1\r\n# b\n")) console.log(line.kind, JSON.stringify(line.eol));
 * // assignment "\r\n"
 * // comment "\n"
 * ```
 */
export function* sysctlLines(text: string): Generator<SysctlLine> {
  let start = 0;
  let number = 1;
  while (start < text.length) {
    const newline = text.indexOf("\n", start);
    if (newline === -1) {
      yield parseLine(text.slice(start), "", number);
      return;
    }
    const crlf = newline > start && text[newline - 1] === "\r";
    yield parseLine(
      text.slice(start, crlf ? newline - 1 : newline),
      crlf ? "\r\n" : "\n",
      number++,
    );
    start = newline + 1;
  }
}

/**
 * Parses the text of a sysctl file without losing a byte: comments (`#`,
 * `;`), blank lines, spacing, CRLF endings and a missing final newline are
 * kept, so `renderSysctlConfig(parseSysctlConfig(text)) === text`.
 *
 * @param text The file's content.
 * @returns The parsed lines.
 *
 * @example
 * ```ts
 * import { parseSysctlConfig } from "@lifeline/lifeline/sysctl";
 * const config = parseSysctlConfig("# tuned\n-net/ipv4/tcp_keepalive_time=600\n");
 * console.log(config.lines[1].key, config.lines[1].value); // net.ipv4.tcp_keepalive_time 600
 * ```
 */
export function parseSysctlConfig(text: string): SysctlConfig {
  return { lines: [...sysctlLines(text)] };
}

/**
 * Renders parsed lines back to text, byte for byte.
 *
 * @param config The parsed file.
 * @returns The file's content.
 *
 * @example
 * ```ts
 * import { parseSysctlConfig, renderSysctlConfig } from "@lifeline/lifeline/sysctl";
 * const text = "a = 1\r\n; comment\r\nb=2";
 * console.log(renderSysctlConfig(parseSysctlConfig(text)) === text); // true
 * ```
 */
export function renderSysctlConfig(config: SysctlConfig): string {
  return config.lines.map((line) => line.text + line.eol).join("");
}

/**
 * Lists the keys assigned more than once in a file (glob keys included).
 *
 * @param config The parsed file.
 * @returns Each duplicated key with the numbers of its lines.
 *
 * @example
 * ```ts
 * import { findDuplicateKeys, parseSysctlConfig } from "@lifeline/lifeline/sysctl";
 * const config = parseSysctlConfig("a = 1\nb = 2\na = 3\n");
 * console.log(findDuplicateKeys(config)); // [ { key: "a", lines: [ 1, 3 ] } ]
 * ```
 */
export function findDuplicateKeys(config: SysctlConfig): DuplicateKey[] {
  const seen = new Map<string, number[]>();
  for (const line of config.lines) {
    if (line.kind !== "assignment") continue;
    const numbers = seen.get(line.key!) ?? [];
    numbers.push(line.number);
    seen.set(line.key!, numbers);
  }
  return [...seen].filter(([, lines]) => lines.length > 1).map((
    [key, lines],
  ) => ({ key, lines }));
}
