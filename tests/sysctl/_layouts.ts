/**
 * Random but seeded sysctl configuration trees for the differential test:
 * drop-ins in every directory the loaders read, shadowing names, the Debian
 * link, masks, globs and exclusions, CRLF and byte order marks, and in "odd"
 * layouts about one line in five with an unusual value, key or entry, plus
 * unusual files (directories named `*.conf`, symlink loops, a real
 * `/lib/sysctl.d`, a masked `/etc/sysctl.conf`). Only keepalive keys and a
 * key the kernel does not have are ever written, so a loader run inside a
 * private network namespace can change nothing outside it.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { KeepaliveField, KeepaliveSettings } from "../../sysctl/mod.ts";

/** A seeded pseudo-random generator (mulberry32). */
export class Random {
  #state: number;

  /** @param seed Any 32-bit integer. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    let t = (this.#state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Whether an event of probability `p` happens. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** One node of a layout, relative to its root. */
export type LayoutNode =
  | { path: string; kind: "file"; bytes: string }
  | { path: string; kind: "link"; target: string }
  | { path: string; kind: "dir" };

/** A configuration tree, the file an apply manages in it and what it wants. */
export interface Layout {
  /** Its number in the run. */
  id: number;
  /** Whether about one line in five is unusual. */
  odd: boolean;
  /** The files, links and directories, in creation order. */
  nodes: LayoutNode[];
  /** The file `apply` and `check` manage. */
  target: string;
  /** The values they want. */
  desired: Partial<KeepaliveSettings>;
}

const FIELDS: readonly KeepaliveField[] = ["time", "intvl", "probes"];
const KEY = (field: KeepaliveField) => `net.ipv4.tcp_keepalive_${field}`;
const SLASHED = (field: KeepaliveField) => `net/ipv4/tcp_keepalive_${field}`;

const DIRECTORIES = [
  "/etc/sysctl.d",
  "/run/sysctl.d",
  "/usr/local/lib/sysctl.d",
  "/usr/lib/sysctl.d",
];
const NAMES = [
  "10-base.conf",
  "30-net.conf",
  "50-keepalive.conf",
  "60-keepalive.conf",
  "70-vendor.conf",
  "90-local.conf",
  "99-zz.conf",
];
/** Globs that match keepalive keys only. */
const GLOBS = [
  "net.ipv4.tcp_keepalive_*",
  "net/ipv4/tcp_keepalive_*",
  "net.ipv4.tcp_keep?live_intvl",
  "net.ipv4.tcp_keepalive_[tp]*",
  "net.*.tcp_keepalive_time",
  "net.ipv4.tcp_keepalive_[!t]*",
];

function plainValue(r: Random, field: KeepaliveField): string {
  if (field === "probes") return String(r.int(1, 20));
  return String(
    r.pick([30, 60, 75, 120, 300, 600, 1800, 7200, r.int(1, 9999)]),
  );
}

/** Values at the kernel's limits for each setting (HZ 250 here). */
const LIMITS: Record<KeepaliveField, string[]> = {
  time: ["8589934", "8589935", "-8589934", "2147483", "2147484", "0", "-1"],
  intvl: ["8589934", "8589935", "2147484", "-5", "0", "4294967296"],
  probes: ["0", "255", "256", "-1", "-0", "0377", "0x100", "1000"],
};

function oddValue(r: Random, field: KeepaliveField): string {
  const n = plainValue(r, field);
  if (r.chance(0.35)) return r.pick(LIMITS[field]);
  return r.pick([
    `+${n}`,
    "-1",
    "0",
    "256",
    "255",
    "8589934",
    "8589935",
    "2147484",
    "3000000000",
    "0600",
    "0x3c",
    "0X1F",
    "08",
    "0x",
    `${n} # default`,
    `${n} 700`,
    `${n}#x`,
    `${n};x`,
    `${n}\0junk`,
    `\xc2\xa0${n}`,
    `${n}\xc2\xa0`,
    `${n}\xa0`,
    `\xa0${n}`,
    `${n}\v`,
    `\v${n}`,
    `${n}\f`,
    `${n}\t\t`,
    "",
    "soon",
    "1e3",
    `${n}.0`,
    `000000000000000000${n}`.slice(-21),
    `- ${n}`,
    `${n},5`,
  ]);
}

function oddKey(r: Random, field: KeepaliveField): string {
  return r.pick([
    `net.ipv4..tcp_keepalive_${field}`,
    `net/ipv4//tcp_keepalive_${field}`,
    `/net/ipv4/tcp_keepalive_${field}`,
    `/net.ipv4.tcp_keepalive_${field}`,
    `.net.ipv4.tcp_keepalive_${field}`,
    `${KEY(field)}.`,
    `${SLASHED(field)}/`,
    `net/./ipv4/tcp_keepalive_${field}`,
    `- ${KEY(field)}`,
    `--${KEY(field)}`,
    `${KEY(field)}\v`,
    `\v${KEY(field)}`,
    `\xc2\xa0${KEY(field)}`,
    `NET.ipv4.tcp_keepalive_${field}`,
    `${KEY(field)}\f`,
  ]);
}

function spacing(r: Random): [string, string, string] {
  return r.pick([
    ["", " = ", ""],
    ["", "=", ""],
    ["\t", "\t=\t", " \t"],
    ["  ", " =  ", "   "],
  ]);
}

/** One line (without its ending) of a drop-in. */
function line(r: Random, odd: boolean, globs: string[]): string {
  const field = r.pick(FIELDS);
  const oddLine = odd && r.chance(0.35);
  const roll = r.next();
  if (!oddLine) {
    if (roll < 0.12) {
      return r.pick(["# comment", "; comment", "  # indented", ""]);
    }
    if (roll < 0.17) return "net.ipv4.lifeline_no_such_key = 1";
    if (roll < 0.25) return `-${r.chance(0.5) ? KEY(field) : SLASHED(field)}`;
    if (roll < 0.35) {
      const glob = globs.length > 0 && r.chance(0.4)
        ? r.pick(globs).split(" = ")[0]
        : r.pick(GLOBS);
      // A value every key accepts: a glob may match probes.
      const text = `${glob} = ${r.pick([30, 60, 75, 120, r.int(1, 127)])}`;
      globs.push(text);
      return text;
    }
    const [lead, eq, tail] = spacing(r);
    const key = r.chance(0.3) ? SLASHED(field) : KEY(field);
    const dash = r.chance(0.15) ? "-" : "";
    return `${lead}${dash}${key}${eq}${plainValue(r, field)}${tail}`;
  }
  if (roll < 0.45) return `${KEY(field)} = ${oddValue(r, field)}`;
  if (roll < 0.75) return `${oddKey(r, field)} = ${plainValue(r, field)}`;
  return r.pick([
    `${KEY(field)} =`,
    `${KEY(field)} =   `,
    `${KEY(field)}`,
    `- ${KEY(field)}`,
    // The same glob and value again, later: systemd keeps its first place.
    globs.length > 0 ? r.pick(globs) : `${GLOBS[0]} = 60`,
    `${r.pick(GLOBS)} = soon`,
    `${KEY(field)} = ${plainValue(r, field)}\r${KEY(field)} = ${
      plainValue(r, field)
    }`,
    `${KEY(field)} = ${plainValue(r, field)}\r`,
    `${KEY(field)} = ${plainValue(r, field)}\0${KEY(field)} = ${
      plainValue(r, field)
    }`,
    `= ${plainValue(r, field)}`,
    `\v# comment`,
    `${KEY(field)} = ${plainValue(r, field)}\r\r`,
  ]);
}

/**
 * Files that each put one unusual reading in a deciding place (late in the
 * order, nothing after them in the file): one of the classes the loaders
 * disagree with a naive reader on.
 */
function scenario(r: Random): [string, string][] {
  const field = r.pick(FIELDS);
  const k = KEY(field);
  const v = () => plainValue(r, field);
  // Two globs that both match time and probes.
  const [g1, g2] = r.chance(0.5)
    ? ["net.ipv4.tcp_keepalive_*", "net.ipv4.tcp_keepalive_[tp]*"]
    : ["net.ipv4.tcp_keepalive_[tp]*", "net/ipv4/tcp_keepalive_*"];
  const g = field === "intvl" ? "net.ipv4.tcp_keepalive_*" : g1;
  return r.pick<[string, string][]>([
    [["95-odd.conf", `${k} = ${v()}\0${k} = ${v()}\n`]],
    [["95-odd.conf", `${k} = ${v()}\0junk\n`]],
    [["95-odd.conf", `${k} = ${v()}\r${k} = ${v()}\n`]],
    [[
      "95-odd.conf",
      `${k} = ${r.pick(["\xa0", "\xc2\xa0", "\v", "\f"])}${v()}\n`,
    ]],
    [[
      "95-odd.conf",
      `${k} = ${v()}${r.pick(["\xa0", "\xc2\xa0", "\v", "\f", " #x", " 7"])}\n`,
    ]],
    [["95-odd.conf", `${k} = ${r.pick(LIMITS[field])}\n`]],
    [["95-odd.conf", `${oddKey(r, field)} = ${v()}\n`]],
    [["95-odd.conf", `${k} = 60\n${k} =\n`]],
    [["91-odd.conf", `${g} = 60\n`], ["95-odd.conf", `${k} =\n`]],
    [["91-odd.conf", `${g} = 60\n`], ["95-odd.conf", `${g} = soon\n`]],
    [
      ["91-odd.conf", `${g1} = 30\n`],
      ["93-odd.conf", `${g2} = 60\n`],
      ["95-odd.conf", `${g1} = 30\n`],
    ],
    [["95-odd.conf", `${k} = ${v()}\n- ${k}\n`]],
    [["95-odd.conf", `${k} = ${v()}\n-${k}\n`]],
  ]);
}

function fileBytes(r: Random, odd: boolean, globs: string[]): string {
  const lines: string[] = [];
  for (let i = r.int(0, 6); i > 0; i--) lines.push(line(r, odd, globs));
  const eol = r.chance(0.1) ? "\r\n" : "\n";
  let text = lines.join(eol);
  if (text !== "" && r.chance(0.85)) text += eol;
  if (r.chance(0.04)) text = "\xef\xbb\xbf" + text;
  return text;
}

/**
 * Generates one layout.
 *
 * @param id Its number; the layout is a function of the seed and the id.
 * @param seed The run's seed.
 * @returns The layout.
 */
export function generateLayout(id: number, seed: number): Layout {
  const r = new Random((seed * 1_000_003 + id) | 0);
  const odd = id % 2 === 1;
  const nodes: LayoutNode[] = [];
  const globs: string[] = [];
  const has = (path: string) => nodes.some((node) => node.path === path);
  const file = (path: string) => {
    if (!has(path)) {
      nodes.push({ path, kind: "file", bytes: fileBytes(r, odd, globs) });
    }
  };
  const realLib = odd && r.chance(0.25);
  nodes.push(
    realLib
      ? { path: "/lib", kind: "dir" }
      : { path: "/lib", kind: "link", target: "usr/lib" },
  );
  for (const dir of DIRECTORIES) {
    if (dir === "/etc/sysctl.d" || r.chance(0.6)) {
      nodes.push({ path: dir, kind: "dir" });
    }
  }
  const dirs = nodes.filter((n) => n.kind === "dir" && n.path !== "/lib")
    .map((n) => n.path);
  if (realLib && r.chance(0.8)) {
    nodes.push({ path: "/lib/sysctl.d", kind: "dir" });
    dirs.push("/lib/sysctl.d");
  }
  for (let i = r.int(1, 5); i > 0; i--) {
    file(`${r.pick(dirs)}/${r.pick(NAMES)}`);
  }
  if (r.chance(0.7)) file("/etc/sysctl.conf");
  if (r.chance(0.5)) {
    nodes.push({
      path: "/etc/sysctl.d/99-sysctl.conf",
      kind: "link",
      target: "../sysctl.conf",
    });
  }
  const extras: (() => void)[] = [
    () =>
      nodes.push({
        path: `/etc/sysctl.d/${r.pick(NAMES)}`,
        kind: "link",
        target: "/dev/null",
      }),
    () => file(`${r.pick(dirs)}/.hidden.conf`),
    () => file(`${r.pick(dirs)}/55-notes.conf.disabled`),
    () =>
      nodes.push({
        path: `/etc/sysctl.d/40-gone.conf`,
        kind: "link",
        target: "/srv/gone.conf",
      }),
    () => {
      file("/srv/keepalive.conf");
      nodes.push({
        path: `/etc/sysctl.d/${r.pick(NAMES)}`,
        kind: "link",
        target: "/srv/keepalive.conf",
      });
    },
  ];
  const oddFiles: (() => void)[] = [
    () => nodes.push({ path: `/etc/sysctl.d/${r.pick(NAMES)}`, kind: "dir" }),
    () =>
      nodes.push({
        path: `${r.pick(dirs)}/45-loop.conf`,
        kind: "link",
        target: "45-loop.conf",
      }),
    () => {
      nodes.push({
        path: "/etc/sysctl.d/46-a.conf",
        kind: "link",
        target: "46-b.conf",
      });
      nodes.push({
        path: "/etc/sysctl.d/46-b.conf",
        kind: "link",
        target: "46-a.conf",
      });
    },
    () => {
      if (!has("/etc/sysctl.conf")) {
        nodes.push(
          r.chance(0.5)
            ? { path: "/etc/sysctl.conf", kind: "link", target: "/dev/null" }
            : { path: "/etc/sysctl.conf", kind: "dir" },
        );
      }
    },
  ];
  for (let i = r.int(0, 2); i > 0; i--) r.pick(extras)();
  if (odd) {
    for (let i = r.int(0, 2); i > 0; i--) r.pick(oddFiles)();
    if (r.chance(0.7)) {
      const dir = r.pick(dirs);
      for (const [name, bytes] of scenario(r)) {
        nodes.push({ path: `${dir}/${name}`, kind: "file", bytes });
      }
    }
  }
  // Keep only the first node at each path (a later one would clash).
  const seen = new Set<string>();
  const unique = nodes.filter((node) => {
    if (seen.has(node.path)) return false;
    seen.add(node.path);
    return true;
  });
  const candidates = unique.filter((n) =>
    n.kind === "file" && n.path.startsWith("/etc/")
  ).map((n) => n.path);
  const target = r.chance(0.35)
    ? "/etc/sysctl.d/60-keepalive.conf"
    : r.chance(0.3)
    ? "/etc/sysctl.conf"
    : candidates.length > 0
    ? r.pick(candidates)
    : "/etc/sysctl.d/60-keepalive.conf";
  const targetNode = unique.find((n) => n.path === target);
  const desired: Partial<KeepaliveSettings> = targetNode?.kind === "file" &&
      r.chance(0.5)
    ? naiveValues(targetNode.bytes)
    : {};
  for (const field of Object.keys(desired).length > 0 ? [] : FIELDS) {
    if (r.chance(0.6)) {
      desired[field] = field === "probes"
        ? r.int(1, 20)
        : r.pick([30, 60, 120, 300, 600, r.int(1, 9999)]);
    }
  }
  if (Object.keys(desired).length === 0) desired.time = r.int(1, 32767);
  return { id, odd, nodes: unique, target, desired };
}

/**
 * The values a file seems to set, read line by line the simple way, so that
 * `check` often finds nothing to change and its conclusion can be tested.
 */
function naiveValues(bytes: string): Partial<KeepaliveSettings> {
  const values: Partial<KeepaliveSettings> = {};
  for (const text of bytes.split("\n")) {
    const match =
      /^\s*-?\s*net[./]ipv4[./]tcp_keepalive_(time|intvl|probes)\s*=\s*(\S+)\s*$/
        .exec(text);
    if (match === null) continue;
    const field = match[1] as KeepaliveField;
    const value = /^\d+$/.test(match[2]) ? Number(match[2]) : NaN;
    const max = field === "probes" ? 127 : 32767;
    if (value >= 1 && value <= max) values[field] = value;
  }
  return values;
}

/** The bytes of a byte string (one char per byte). */
export function bytesOf(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * Writes a layout under `root` (which must exist): `/usr/lib` is always a
 * directory, so the loaders' own libraries can be mounted there.
 *
 * @param layout The layout.
 * @param root The directory to write it under.
 */
export async function writeLayout(layout: Layout, root: string): Promise<void> {
  await Deno.mkdir(join(root, "usr/lib"), { recursive: true });
  for (const node of layout.nodes) {
    const path = join(root, node.path);
    await Deno.mkdir(dirname(path), { recursive: true });
    if (node.kind === "dir") await Deno.mkdir(path, { recursive: true });
    else if (node.kind === "link") await Deno.symlink(node.target, path);
    else await Deno.writeFile(path, bytesOf(node.bytes));
  }
}

/** A byte string as a JSON string with every byte above 0x7e escaped. */
function quote(bytes: string): string {
  return JSON.stringify(bytes).replace(
    /[\x7f-\xff]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** A layout in words, for a failure message. */
export function describeLayout(layout: Layout): string {
  const lines = [
    `layout ${layout.id} (${
      layout.odd ? "odd" : "plain"
    }), target ${layout.target}, desired ${JSON.stringify(layout.desired)}`,
  ];
  for (const node of layout.nodes) {
    lines.push(
      node.kind === "file"
        ? `  ${node.path}: ${quote(node.bytes)}`
        : node.kind === "link"
        ? `  ${node.path} -> ${node.target}`
        : `  ${node.path}/`,
    );
  }
  return lines.join("\n");
}
