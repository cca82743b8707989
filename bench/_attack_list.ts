/**
 * The attacks of the attack benchmark (issue 15, "Hostile networks"): for
 * each one, the item of the issue it answers, how its server must be run
 * (open-file limit, an unread log, the flags a user would deploy with),
 * and how its outcome reads in the table.
 *
 * @module
 */

import type { Figure, Outcome } from "./_attack_types.ts";

/** The attacks on a server, each run with witnesses. */
export const SERVER_ATTACKS = [
  "accept-burst",
  "name-takeover",
  "broadcast-flood",
  "unknown-frames",
  "error-echo",
  "blocked-log",
  "slow-reader",
  "after-bye",
  "slow-headers",
  "oversize",
] as const;

/** The attacks on a client: a hostile server against the client CLI. */
export const CLIENT_ATTACKS = [
  "client-retry-overflow",
  "client-garbage",
  "client-welcome-bounds",
] as const;

/** Every attack, in the order the table lists them. */
export const ATTACK_NAMES = [...SERVER_ATTACKS, ...CLIENT_ATTACKS] as const;

/** One of {@link SERVER_ATTACKS}. */
export type ServerAttackName = typeof SERVER_ATTACKS[number];
/** One of {@link CLIENT_ATTACKS}. */
export type ClientAttackName = typeof CLIENT_ATTACKS[number];
/** One of {@link ATTACK_NAMES}. */
export type AttackName = typeof ATTACK_NAMES[number];

/** How a server is deployed for an attack, beyond the common flags. */
export interface ServerVariant {
  /** What the table adds to the server's name, such as `--auth jwt`. */
  label: string;
  /** Whether the server checks tokens (`--auth jwt --auth-key FILE`). */
  auth: boolean;
  /** Other flags. @default {none} */
  args?: string[];
}

/** An attack, as the benchmark runs and reports it. */
export interface AttackSpec {
  /** Its name on the command line. */
  name: AttackName;
  /** The item of issue 15 it measures. */
  item: string;
  /** What it does, for the table. */
  title: string;
  /** Whether it attacks a server (with witnesses) or a client. */
  target: "server" | "client";
  /** The server's open-file limit (`ulimit -n`), if it needs one. */
  openFiles?: number;
  /** Whether nobody reads the server's stdout during the attack. */
  holdLog?: boolean;
  /**
   * The ways a server is run for it, given the flags its `--help` lists:
   * one run per variant.
   */
  variants: (serverFlags: ReadonlySet<string>) => ServerVariant[];
  /** The outcome in one sentence. */
  summarize: (outcome: Outcome) => string;
}

/** The open-file limit of the burst attack, as in the issue. */
export const BURST_OPEN_FILES = 1100;

const PLAIN: ServerVariant[] = [{ label: "", auth: false }];
const plain = () => PLAIN;

function n(value: Figure): number {
  return typeof value === "number" ? value : Number(value);
}

/**
 * Bytes in decimal units, as the issue gives them: `588 MB`, `10.9 GB`.
 *
 * @param bytes The bytes.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { bytes } from "./_attack_list.ts";
 * console.log(bytes(588_000_000), bytes(1536), bytes(3_200_000)); // 588 MB 1.5 kB 3.2 MB
 * ```
 */
export function bytes(bytes: Figure): string {
  const b = n(bytes);
  const units: [number, string][] = [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"]];
  for (const [size, unit] of units) {
    if (b >= size) {
      const value = b / size;
      return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
    }
  }
  return `${b} B`;
}

/**
 * A duration: milliseconds below 10 s, else seconds.
 *
 * @param ms Milliseconds.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { duration } from "./_attack_list.ts";
 * console.log(duration(91), duration(12_400)); // 91 ms 12.4 s
 * ```
 */
export function duration(ms: Figure): string {
  const value = n(ms);
  return value < 10_000
    ? `${Math.round(value)} ms`
    : `${(value / 1000).toFixed(1)} s`;
}

function rate(bytesTaken: Figure, ms: Figure): string {
  return `${bytes(n(bytesTaken) / Math.max(1, n(ms)) * 1000)}/s`;
}

function flood(o: Outcome, what: string): string {
  switch (o.how) {
    case "cut":
      return `cut after ${duration(o.ms)}, ${
        bytes(o.bytes)
      } of ${what} written`;
    case "blocked":
      return `the server stopped reading after ${bytes(o.bytes)} (${
        duration(o.ms)
      }) but kept the connection`;
    case "bytes":
      return `never cut: ${bytes(o.bytes)} of ${what} written in ${
        duration(o.ms)
      } (${rate(o.bytes, o.ms)}), when the attack stopped at its byte bound`;
    default:
      return `never cut: ${bytes(o.bytes)} of ${what} written in ${
        duration(o.ms)
      } (${rate(o.bytes, o.ms)})`;
  }
}

const CLIENT_DEFAULTS = "the client CLI with its defaults";

/** Every attack, by name. */
export const ATTACKS: Record<AttackName, AttackSpec> = {
  "accept-burst": {
    name: "accept-burst",
    item: "1",
    title:
      `1,500 connections at once past \`ulimit -n ${BURST_OPEN_FILES}\`, held 2 s, then released; a newcomer every 250 ms`,
    target: "server",
    openFiles: BURST_OPEN_FILES,
    variants: plain,
    summarize: (o) =>
      `burst: ${o.burstWelcomed} welcomed, ${o.burstServerFull} server_full, ${o.burstUnanswered} unanswered${
        n(o.burstNotConnected) > 0
          ? `, ${o.burstNotConnected} not connected in 2 s`
          : ""
      }; after the release: ${
        o.recoveryMs === null
          ? `no newcomer welcomed (0 of ${o.newcomers})`
          : `first newcomer welcomed after ${
            duration(o.recoveryMs)
          }, ${o.newcomersWelcomed} of ${o.newcomers} welcomed`
      }`,
  },
  "name-takeover": {
    name: "name-takeover",
    item: "2",
    title:
      "a taker claims the victim's name 50 times a second (`hello` and Go `Owner` in turn, no token); the victim pings every second and comes back 100 ms after each loss",
    target: "server",
    variants: (flags) =>
      flags.has("--auth")
        ? [{ label: "", auth: false }, { label: "--auth jwt", auth: true }]
        : PLAIN,
    summarize: (o) =>
      `victim online ${o.onlinePercent}% of the attack, replaced ${o.replaced} times${
        n(o.lost) > 0 ? `, lost its session ${o.lost} times otherwise` : ""
      }; \`hello\` takers: ${o.helloTakersWelcomed} of ${o.helloTakers} welcomed${
        n(o.helloTakersAuthFailed) > 0
          ? `, ${o.helloTakersAuthFailed} refused with \`auth_failed\``
          : ""
      }`,
  },
  "broadcast-flood": {
    name: "broadcast-flood",
    item: "3",
    title:
      "one client broadcasts messages of 10 KiB (`--message-bytes`) as fast as the server takes them",
    target: "server",
    variants: plain,
    summarize: (o) =>
      `broadcaster ${flood(o, "messages")} (${o.messages} messages${
        n(o.rateLimited) > 0 ? `, ${o.rateLimited} \`rate_limited\`` : ""
      }${o.bye === null ? "" : `, bye ${o.bye}`})`,
  },
  "unknown-frames": {
    name: "unknown-frames",
    item: "4",
    title: "after `hello`, unknown-type frames of 64 KB as fast as read",
    target: "server",
    variants: plain,
    summarize: (o) =>
      `${flood(o, "unknown frames")}; ${o.errors} errors sent back${
        o.bye === null ? "" : `, bye ${o.bye}`
      }`,
  },
  "error-echo": {
    name: "error-echo",
    item: "4",
    title: "a `ping` with 6,000 unknown keys",
    target: "server",
    variants: plain,
    summarize: (o) =>
      o.error === null
        ? `no error for a ${bytes(o.frameBytes)} frame`
        : `error \`${o.error}\` of ${bytes(o.errorBytes)} for a ${
          bytes(o.frameBytes)
        } frame`,
  },
  "blocked-log": {
    name: "blocked-log",
    item: "5",
    title:
      "stdout a pipe nobody reads while 20 clients connect and leave in a loop; read again after the attack",
    target: "server",
    holdLog: true,
    variants: plain,
    summarize: (o) =>
      `longest wait for a pong ${
        duration(o.stallMs)
      }; ${o.answered} churn hellos answered, ${o.unanswered} unanswered${
        o.timeouts === null ? "" : `; ${o.timeouts} timeouts logged`
      }${
        o.logDropped === null || n(o.logDropped) === 0
          ? ""
          : `; ${o.logDropped} log lines dropped, and counted`
      }`,
  },
  "slow-reader": {
    name: "slow-reader",
    item: "6",
    title:
      "a client that never reads is sent 60 KB messages of CJK text (3 bytes a character), 50 a second",
    target: "server",
    // With the byte rate the sender is stopped long before the reader's
    // write limit; without it the write limit itself is measured.
    variants: (flags) =>
      flags.has("--msg-byte-rate")
        ? [PLAIN[0], {
          label: "--msg-byte-rate 0",
          auth: false,
          args: ["--msg-byte-rate", "0"],
        }]
        : PLAIN,
    summarize: (o) =>
      n(o.rateLimited) > 0
        ? `the sender was rate-limited after ${
          bytes(o.routedBytes)
        } of UTF-8 routed in ${
          duration(o.droppedAfterMs)
        }; the reader never reached its write limit`
        : o.dropped
        ? `dropped after ${bytes(o.routedBytes)} of UTF-8 routed to it in ${
          duration(o.droppedAfterMs)
        }: ${bytes(o.discardedBytes)} discarded at the drop (queued), ${
          bytes(o.deliveredBytes)
        } reached its socket`
        : `never dropped: ${bytes(o.routedBytes)} of UTF-8 routed to it`,
  },
  "after-bye": {
    name: "after-bye",
    item: "7",
    title: "three bad lines (`bye protocol_error`), then 64 KiB writes",
    target: "server",
    variants: plain,
    summarize: (o) =>
      `after bye ${o.bye}: ${
        o.how === "cut"
          ? `cut after ${duration(o.ms)}, ${bytes(o.bytes)} written`
          : flood(o, "bytes")
      }`,
  },
  "slow-headers": {
    name: "slow-headers",
    item: "slow headers",
    title:
      "50 connections trickle a `hello` one byte per 100 ms; 20 send an unknown frame every 100 ms and never `hello`",
    target: "server",
    variants: plain,
    summarize: (o) =>
      `trickles: ${o.tricklersCut} of ${o.tricklers} cut${
        o.lastTricklerCutMs === null
          ? ""
          : `, the last after ${duration(o.lastTricklerCutMs)}`
      }; unknown frames before hello: ${o.chatterersCut} of ${o.chatterers} cut${
        o.lastChattererCutMs === null
          ? ""
          : `, the last after ${duration(o.lastChattererCutMs)}`
      } (attack ${duration(o.windowMs)})`,
  },
  oversize: {
    name: "oversize",
    item: "oversize",
    title:
      "10 connections each write one endless line (no newline) in 1 MiB chunks, up to 64 MiB",
    target: "server",
    variants: plain,
    summarize: (o) => {
      const open = n(o.peers) - n(o.cut) - n(o.blocked);
      const parts = [
        n(o.cut) > 0
          ? `${o.cut} of ${o.peers} cut, each within ${
            bytes(o.cutMostBytes)
          } and ${duration(o.cutSlowestMs)}`
          : `none of ${o.peers} cut`,
        ...(n(o.blocked) > 0 ? [`${o.blocked} no longer read, not cut`] : []),
        ...(open > 0
          ? [`${open} wrote their ${bytes(o.mostBytes)} bound unhindered`]
          : []),
      ];
      return `${parts.join("; ")}${
        o.errors === null ? "" : ` (errors: \`${o.errors}\`)`
      }`;
    },
  },
  "client-retry-overflow": {
    name: "client-retry-overflow",
    item: "8",
    title:
      `a server answers \`hello\` with \`bye {retryAfter: 2^31}\` (${CLIENT_DEFAULTS})`,
    target: "client",
    variants: plain,
    summarize: (o) =>
      `${o.connectionsPerSecond} connections/s, client CPU ${o.cpuPercent}%, ${o.errorEvents} error events`,
  },
  "client-garbage": {
    name: "client-garbage",
    item: "8",
    title:
      `a server welcomes, then sends only garbage lines (9 kB every 10 ms) and answers no ping (${CLIENT_DEFAULTS})`,
    target: "client",
    variants: plain,
    summarize: (o) =>
      `client CPU ${o.cpuPercent}%, ${o.errorEvents} error events (${o.errorsPerSecond}/s), ${
        o.firstDeadMs === null
          ? "never declared dead"
          : `declared dead after ${duration(o.firstDeadMs)}`
      }, ${o.protocolErrors} \`protocol_error\` disconnects, ${o.connectionsPerSecond} connections/s`,
  },
  "client-welcome-bounds": {
    name: "client-welcome-bounds",
    item: "8",
    title: `a server's \`welcome\` says \`interval: 1\` (${CLIENT_DEFAULTS})`,
    target: "client",
    variants: plain,
    summarize: (o) =>
      `${o.pingsPerSecond} pings/s, client CPU ${o.cpuPercent}%, ${o.protocolErrors} \`protocol_error\` disconnects, ${o.connectionsPerSecond} connections/s`,
  },
};
