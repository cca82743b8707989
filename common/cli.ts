/**
 * What every command line of the repository shares: flags parsed with
 * `node:util`'s `parseArgs` and validated with zod field parsers that
 * name the flag and quote the bad value, one {@link UsageError} for a
 * command line that cannot be used, and {@link runCli}, which turns it into
 * one line on stderr and exit code 2. Used by `server/main.ts`,
 * `client/main.ts`, `sysctl/main.ts`, the lab and the benchmarks; not part
 * of the package's API.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { z } from "zod";
import { formatDuration, parseDuration } from "./duration.ts";

/** The exit code of a command line that cannot be used. */
export const EXIT_USAGE = 2;

/**
 * A command line that cannot be used. The message is one line that names
 * the flag and the bad value.
 *
 * @example
 * ```ts
 * import { UsageError } from "./cli.ts";
 * const error = new UsageError('--port: Cannot use "x": expected an integer');
 * console.log(error.name, error.message.startsWith("--port")); // UsageError true
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, in one line.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The parsed flags and positionals. */
export interface ParsedFlags {
  /** The flags by name: strings, booleans or `undefined`. */
  values: Record<string, string | boolean | undefined>;
  /** The positional arguments. */
  positionals: string[];
}

/**
 * Parses flags strictly (unknown flags are errors) with `node:util`'s
 * `parseArgs`, turning its multi-line errors into a one-line
 * {@link UsageError}.
 *
 * @param args The arguments after the program.
 * @param options The flags, as `parseArgs` takes them.
 * @param allowPositionals Whether positional arguments are allowed.
 * @returns The flags and positionals.
 * @throws {UsageError} For an unknown flag or a missing value.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./cli.ts";
 * const { values } = parseFlags(["--port", "80"], { port: { type: "string" } });
 * console.log(values.port); // "80"
 * ```
 */
export function parseFlags(
  args: string[],
  options: ParseArgsOptionsConfig,
  allowPositionals = false,
): ParsedFlags {
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals });
    return {
      values: parsed.values as ParsedFlags["values"],
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
}

/**
 * Validates parsed flags against a zod schema built from the field parsers
 * below, throwing the first problem as a {@link UsageError}.
 *
 * @typeParam T The validated shape.
 * @param schema The schema.
 * @param values The flags from {@link parseFlags}.
 * @returns The validated values.
 * @throws {UsageError} With the first issue's message.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { integerFlag, validateFlags } from "./cli.ts";
 * const schema = z.object({ port: integerFlag("port", 0, 65535) });
 * console.log(validateFlags(schema, { port: "80" }).port); // 80
 * ```
 */
export function validateFlags<T>(
  schema: z.ZodType<T>,
  values: Record<string, unknown>,
): T {
  const result = schema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = issue.path.length > 0 ? `--${issue.path.join(".")}` : "";
    const message = issue.message;
    throw new UsageError(
      message.startsWith("--") || flag === "" ? message : `${flag}: ${message}`,
    );
  }
  return result.data;
}

/**
 * The one shape of every flag parser: `parse` turns the text into a value
 * (or throws, its message saying why), `expected` says what was expected
 * when the value is out of range.
 */
function flagParser<T>(
  flag: string,
  parse: (text: string) => T,
  expected: (value: T) => string | undefined,
): z.ZodType<T, string> {
  return z.string().transform((text, ctx) => {
    let value: T;
    try {
      value = parse(text);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `--${flag}: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
    const wanted = expected(value);
    if (wanted === undefined) return value;
    ctx.addIssue({
      code: "custom",
      message: `--${flag}: Cannot use ${
        JSON.stringify(text)
      }: expected ${wanted}`,
    });
    return z.NEVER;
  });
}

/** Bounds of {@link durationFlag}. */
export interface DurationBounds {
  /**
   * The shortest duration accepted, in milliseconds; `0` accepts zero.
   * @default {1}
   */
  min?: number;
  /**
   * The longest duration accepted, in milliseconds.
   * @default {Infinity}
   */
  max?: number;
  /**
   * Whether a bare number is taken as milliseconds (`"2000"`).
   * @default {false}
   */
  bareMs?: boolean;
}

/**
 * A zod parser for a duration flag (`250ms`, `5s`, `1m30s`), giving
 * milliseconds.
 *
 * @param flag The flag's name, without dashes.
 * @param bounds The accepted range.
 * @returns The parser.
 *
 * @example
 * ```ts
 * import { durationFlag } from "./cli.ts";
 * console.log(durationFlag("timeout").parse("1m30s")); // 90000
 * console.log(durationFlag("timeout").safeParse("5x").success); // false
 * ```
 */
export function durationFlag(
  flag: string,
  bounds: DurationBounds = {},
): z.ZodType<number, string> {
  const min = bounds.min ?? 1;
  const max = bounds.max ?? Infinity;
  return flagParser(
    flag,
    (text) =>
      bounds.bareMs === true && /^\d+$/.test(text.trim())
        ? Number(text.trim())
        : parseDuration(text),
    (ms) => {
      if (ms >= min && ms <= max) return undefined;
      if (max !== Infinity) {
        return `a duration from ${formatDuration(min)} to ${
          formatDuration(max)
        }`;
      }
      return min <= 0
        ? "a duration of at least 0"
        : `a duration of at least ${formatDuration(min)}`;
    },
  );
}

/**
 * A zod parser for an integer flag within `[min, max]`.
 *
 * @param flag The flag's name, without dashes.
 * @param min The smallest value accepted.
 * @param max The largest value accepted.
 * @returns The parser.
 *
 * @example
 * ```ts
 * import { integerFlag } from "./cli.ts";
 * console.log(integerFlag("port", 0, 65535).parse("9090")); // 9090
 * console.log(integerFlag("port", 0, 65535).safeParse("70000").success); // false
 * ```
 */
export function integerFlag(
  flag: string,
  min: number,
  max: number,
): z.ZodType<number, string> {
  return flagParser(
    flag,
    (text) => /^\d+$/.test(text.trim()) ? Number(text) : NaN,
    (value) =>
      Number.isSafeInteger(value) && value >= min && value <= max
        ? undefined
        : `an integer from ${min} to ${max}`,
  );
}

const BYTES = /^(\d+)\s*(|b|k|kb|kib|m|mb|mib)$/i;

/**
 * Parses a byte size: `65536`, `64k`, `64KiB`, `1m` (k = 1024).
 *
 * @param text The size.
 * @returns Bytes.
 * @throws {SyntaxError} When the text is not a size.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./cli.ts";
 * console.log(parseByteSize("64KiB"), parseByteSize("1m")); // 65536 1048576
 * ```
 */
export function parseByteSize(text: string): number {
  const match = BYTES.exec(text.trim());
  if (match === null) {
    throw new SyntaxError(
      `Cannot parse size "${text}": expected bytes such as "65536", "64k" or "64KiB"`,
    );
  }
  const unit = match[2].toLowerCase();
  const scale = unit.startsWith("k")
    ? 1024
    : unit.startsWith("m")
    ? 1048576
    : 1;
  return Number(match[1]) * scale;
}

/**
 * A zod parser for a byte-size flag within `[min, max]` bytes.
 *
 * @param flag The flag's name, without dashes.
 * @param min The fewest bytes accepted.
 * @param max The most bytes accepted.
 * @returns The parser.
 *
 * @example
 * ```ts
 * import { byteSizeFlag } from "./cli.ts";
 * console.log(byteSizeFlag("max-frame", 16, 1 << 26).parse("64KiB")); // 65536
 * ```
 */
export function byteSizeFlag(
  flag: string,
  min: number,
  max: number,
): z.ZodType<number, string> {
  return flagParser(
    flag,
    parseByteSize,
    (bytes) =>
      bytes >= min && bytes <= max ? undefined : `${min} to ${max} bytes`,
  );
}

/**
 * A zod parser for a flag that takes one of a few words.
 *
 * @typeParam T The words.
 * @param flag The flag's name, without dashes.
 * @param choices The accepted words.
 * @returns The parser.
 *
 * @example
 * ```ts
 * import { choiceFlag } from "./cli.ts";
 * console.log(choiceFlag("log-format", ["text", "json"]).parse("json")); // "json"
 * ```
 */
export function choiceFlag<const T extends readonly [string, ...string[]]>(
  flag: string,
  choices: T,
): z.ZodType<T[number], string> {
  const words = choices.map((c) => JSON.stringify(c)).join(", ").replace(
    /, ([^,]*)$/,
    " or $1",
  );
  return flagParser(
    flag,
    (text) => text as T[number],
    (word) => (choices as readonly string[]).includes(word) ? undefined : words,
  );
}

/**
 * A zod parser for a flag whose text must pass a check, such as a client
 * name.
 *
 * @param flag The flag's name, without dashes.
 * @param check Whether the text is acceptable.
 * @param expected What is expected, for the error message.
 * @returns The parser.
 *
 * @example
 * ```ts
 * import { checkedFlag } from "./cli.ts";
 * const name = checkedFlag("name", (t) => /^[a-z]+$/.test(t), "lower-case letters");
 * console.log(name.parse("alice"), name.safeParse("Bob!").success); // "alice" false
 * ```
 */
export function checkedFlag(
  flag: string,
  check: (text: string) => boolean,
  expected: string,
): z.ZodType<string, string> {
  return flagParser(
    flag,
    (text) => text,
    (text) => check(text) ? undefined : expected,
  );
}

/**
 * Runs a command line's main function: a {@link UsageError} becomes
 * `program: message (see --help)` on stderr and exit code 2; any other
 * error is not caught (a bug shows its stack). Call it under
 * `if (import.meta.main)`.
 *
 * @param program The program's short name, for example `"server"`.
 * @param main The command, returning its exit code.
 * @param args The arguments.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { runCli, UsageError } from "./cli.ts";
 * const code = await runCli("demo", () => {
 *   throw new UsageError("--x: Cannot use \"y\"");
 * }, []);
 * console.log(code); // 2
 * ```
 */
export async function runCli(
  program: string,
  main: (args: string[]) => number | Promise<number>,
  args: string[],
): Promise<number> {
  try {
    return await main(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${program}: ${error.message} (see --help)`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
