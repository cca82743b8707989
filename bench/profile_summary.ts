/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`, or the
 * harness's `--cpu-prof DIR`): self time per function, biggest first, with
 * idle and GC time shown apart.
 *
 * ```sh
 * deno run -A bench/profile_summary.ts bench/results/prof/lifeline-node/CPU.*.cpuprofile
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
  };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One line of the summary. */
export interface ProfileLine {
  /** `function (file:line)`. */
  name: string;
  /** Self time in milliseconds. */
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

/**
 * Computes self time per function.
 *
 * @param profile The parsed `.cpuprofile`.
 * @param limit How many lines to keep.
 * @returns Busy and idle milliseconds, and the top functions.
 *
 * @example
 * ```ts ignore
 * import { summariseProfile } from "./profile_summary.ts";
 * const profile = JSON.parse(Deno.readTextFileSync("CPU.cpuprofile"));
 * console.log(summariseProfile(profile).top[0]);
 * ```
 */
export function summariseProfile(
  profile: Profile,
  limit = 25,
  fromMs = 0,
  toMs = Infinity,
): { busyMs: number; idleMs: number; top: ProfileLine[]; perSecond: number[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  let at = 0;
  const perSecond: number[] = [];
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])!;
    at += profile.timeDeltas[i] / 1000;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idle += at >= fromMs && at < toMs ? ms : 0;
      continue;
    }
    const second = Math.floor(at / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + ms;
    if (at < fromMs || at >= toMs) continue;
    busy += ms;
    const file = frame.url.replace(/^.*\/(?=[^/]+\/[^/]+$)/, "");
    const name = frame.url
      ? `${frame.functionName || "(anonymous)"} (${file}:${
        frame.lineNumber + 1
      })`
      : frame.functionName;
    self.set(name, (self.get(name) ?? 0) + ms);
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busy }));
  return { busyMs: busy, idleMs: idle, top, perSecond };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { from: { type: "string" }, to: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    console.error(
      "Usage: deno run -A bench/profile_summary.ts [--from S] [--to S] FILE.cpuprofile",
    );
    Deno.exit(2);
  }
  for (const path of positionals) {
    const summary = summariseProfile(
      JSON.parse(Deno.readTextFileSync(path)),
      25,
      Number(values.from ?? 0) * 1000,
      values.to === undefined ? Infinity : Number(values.to) * 1000,
    );
    console.log(
      `busy ms per second: ${
        summary.perSecond.map((ms) => Math.round(ms ?? 0)).join(" ")
      }`,
    );
    console.log(
      `${path}: busy ${summary.busyMs.toFixed(0)} ms, idle ${
        summary.idleMs.toFixed(0)
      } ms`,
    );
    console.log("| self ms | share | function |\n| --: | --: | --- |");
    for (const line of summary.top) {
      console.log(
        `| ${line.selfMs.toFixed(1)} | ${(line.share * 100).toFixed(1)}% | ${
          line.name.replaceAll("|", "\\|")
        } |`,
      );
    }
  }
}
