/**
 * The pieces of Prometheus's text exposition format 0.0.4: escaping of
 * help text and label values, label sets, and sample values.
 *
 * @module
 */

/** Labels of one sample: name to value. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Escapes `# HELP` text: backslash and line feed.
 *
 * @param text The help text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeHelp } from "./_prom_text.ts";
 * console.log(escapeHelp("a\\b\nc")); // a\\b\nc
 * ```
 */
export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The value.
 * @returns The escaped value, without the quotes.
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./_prom_text.ts";
 * console.log(escapeLabelValue('say "hi"')); // say \"hi\"
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')
    .replaceAll("\n", "\\n");
}

/**
 * Formats a label set, `{a="1",b="2"}`, or `""` when there is none.
 *
 * @param labels The labels.
 * @param le A histogram bucket's `le` label, added last.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatLabels } from "./_prom_text.ts";
 * console.log(formatLabels({ reason: "timeout" }, "+Inf")); // {reason="timeout",le="+Inf"}
 * ```
 */
export function formatLabels(labels: Labels | undefined, le?: string): string {
  const parts: string[] = [];
  if (labels !== undefined) {
    for (const name in labels) {
      parts.push(`${name}="${escapeLabelValue(labels[name])}"`);
    }
  }
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * Formats a sample value as Prometheus parses it: `NaN`, `+Inf`, `-Inf`
 * or a decimal number.
 *
 * @param value The value.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { formatValue } from "./_prom_text.ts";
 * console.log(formatValue(0.25), formatValue(Infinity), formatValue(NaN)); // 0.25 +Inf NaN
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
