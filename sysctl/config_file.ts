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
  /** The value with surrounding whitespace removed (assignments). */
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
  const lead = text.length - text.trimStart().length;
  const rest = text.slice(lead);
  if (rest.trim() === "") return line;
  if (rest.startsWith("#") || rest.startsWith(";")) {
    line.kind = "comment";
    return line;
  }
  const eq = rest.indexOf("=");
  if (eq === -1) {
    if (rest.startsWith("-") && rest.slice(1).trim() !== "") {
      line.kind = "exclude";
      line.key = normalizeSysctlKey(rest.slice(1).trim());
      line.ignoreErrors = true;
      line.glob = GLOB.test(line.key);
      return line;
    }
    line.kind = "malformed";
    line.problem = `expected "key = value", found "${text.trim()}"`;
    return line;
  }
  let keyPart = rest.slice(0, eq);
  const ignoreErrors = keyPart.startsWith("-");
  if (ignoreErrors) keyPart = keyPart.slice(1);
  const key = keyPart.trim();
  const after = rest.slice(eq + 1);
  const valueLead = after.length - after.trimStart().length;
  const value = after.trim();
  if (key === "" || value === "") {
    line.kind = "malformed";
    line.problem = key === ""
      ? `missing key in "${text.trim()}"`
      : `missing value in "${text.trim()}"`;
    return line;
  }
  line.kind = "assignment";
  line.key = normalizeSysctlKey(key);
  line.value = value;
  line.ignoreErrors = ignoreErrors;
  line.glob = GLOB.test(line.key);
  line.valueStart = lead + eq + 1 + valueLead;
  line.valueEnd = line.valueStart + value.length;
  return line;
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
  const parts = text.split("\n");
  const lines: SysctlLine[] = [];
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (last && part === "") return;
    let eol: SysctlLine["eol"] = last ? "" : "\n";
    let body = part;
    if (!last && part.endsWith("\r")) {
      eol = "\r\n";
      body = part.slice(0, -1);
    }
    lines.push(parseLine(body, eol, index + 1));
  });
  return { lines };
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

/**
 * Finds the line that sets a key effectively in one file: the last
 * assignment whose value is a decimal integer (a line the kernel would
 * refuse is left alone).
 *
 * @param config The parsed file.
 * @param key The key in dotted form.
 * @returns The line, or `undefined` when the file does not set the key.
 *
 * @example
 * ```ts
 * import { effectiveLine, parseSysctlConfig } from "@lifeline/lifeline/sysctl";
 * const config = parseSysctlConfig("k = 1\nk = 2\n");
 * console.log(effectiveLine(config, "k")?.number); // 2
 * ```
 */
export function effectiveLine(
  config: SysctlConfig,
  key: string,
): SysctlLine | undefined {
  return config.lines.findLast((line) =>
    line.kind === "assignment" && line.key === key &&
    /^[+-]?\d+$/.test(line.value!)
  );
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
 * Sets keys in a file: the value of each key's effective (last) line is
 * rewritten in place, keeping its spacing and any `-` prefix; keys the file
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
  const lines = config.lines.map((line) => ({ ...line }));
  const next: SysctlConfig = { lines };
  const missing: [string, string][] = [];
  for (const [key, raw] of Object.entries(values)) {
    const value = String(raw);
    const found = effectiveLine(next, key);
    if (found === undefined) {
      missing.push([key, value]);
      continue;
    }
    if (found.value === value) continue;
    const index = lines.indexOf(found);
    const text = found.text.slice(0, found.valueStart) + value +
      found.text.slice(found.valueEnd);
    lines[index] = parseLine(text, found.eol, found.number);
  }
  if (missing.length === 0) return next;
  const eol = lines.some((line) => line.eol === "\r\n") ? "\r\n" : "\n";
  const last = lines.at(-1);
  if (last !== undefined && last.eol === "") {
    lines[lines.length - 1] = { ...last, eol };
  }
  const comment = options.comment ?? MANAGED_COMMENT;
  // Append to the block a previous run left at the end of the file, if any.
  const blockStart = lines.findLastIndex((line) => line.kind !== "assignment");
  const inBlock = lines[blockStart]?.text === comment;
  const added: string[] = [];
  if (!inBlock) {
    if (last !== undefined && last.kind !== "blank") added.push("");
    added.push(comment);
  }
  for (const [key, value] of missing) added.push(`${key} = ${value}`);
  for (const text of added) {
    lines.push(parseLine(text, eol, lines.length + 1));
  }
  return next;
}
