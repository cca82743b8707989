/**
 * Network namespaces for the lab: a server host, a client host and a router
 * between them, joined by veth pairs, with private addresses that exist only
 * inside these namespaces (the host namespace gets no route to them). Every
 * namespace is named `lab-<pid>-<n>-<role>` so a crashed run's leftovers can
 * be found and removed, and {@linkcode Topology.destroy} removes them.
 *
 * @module
 */

/** The address of the server host. */
export const SERVER_ADDR = "10.250.1.2";
/** The router's address on the server's link (the NAT's public address). */
export const ROUTER_SERVER_SIDE = "10.250.1.1";
/** The router's address on the client's link. */
export const ROUTER_CLIENT_SIDE = "10.250.2.1";
/** The address of the client host. */
export const CLIENT_ADDR = "10.250.2.2";

/** The prefix of every namespace the lab creates. */
export const NETNS_PREFIX = "lab-";

/** How the router forwards between the two hosts. */
export type NatMode = "none" | "loose" | "strict";

/** Options of {@linkcode createTopology}. */
export interface TopologyOptions {
  /**
   * `none`: plain routing; `loose`: masquerade with `nf_conntrack_tcp_loose=1`
   * (the router answers late packets with RST); `strict`: masquerade with
   * `nf_conntrack_tcp_loose=0` and `ct state invalid drop` (silent, like a
   * carrier NAT).
   * @default {"none"}
   */
  nat?: NatMode;
  /**
   * `nf_conntrack_tcp_timeout_established` in the router, in seconds.
   * @default {3}
   */
  conntrackTimeoutS?: number;
}

/** The result of a finished command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and waits for it, optionally feeding stdin.
 *
 * @param program The program, e.g. `"ip"`.
 * @param args Its arguments.
 * @param input Text written to its stdin.
 * @returns Its exit code and output.
 *
 * @example Run a command
 * ```ts
 * import { run } from "./netns.ts";
 * const result = await run("true", []);
 * console.log(result.code); // 0
 * ```
 */
export async function run(
  program: string,
  args: string[],
  input?: string,
): Promise<CommandResult> {
  const child = new Deno.Command(program, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs a program and throws when it fails.
 *
 * @param program The program.
 * @param args Its arguments.
 * @param input Text written to its stdin.
 * @returns Its stdout.
 * @throws {Error} When the exit code is not 0, with the command and its stderr.
 *
 * @example Run a command that must succeed
 * ```ts
 * import { mustRun } from "./netns.ts";
 * console.log((await mustRun("echo", ["hi"])).trim()); // "hi"
 * ```
 */
export async function mustRun(
  program: string,
  args: string[],
  input?: string,
): Promise<string> {
  const result = await run(program, args, input);
  if (result.code !== 0) {
    throw new Error(
      `Command "${
        [program, ...args].join(" ")
      }" failed with code ${result.code}: ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}

/**
 * Lists the network namespaces whose names start with a prefix.
 *
 * @param prefix The prefix, e.g. {@linkcode NETNS_PREFIX}.
 * @returns The names.
 *
 * @example List the lab's namespaces
 * ```ts ignore
 * import { listNamespaces, NETNS_PREFIX } from "./netns.ts";
 * console.log(await listNamespaces(NETNS_PREFIX));
 * ```
 */
export async function listNamespaces(prefix: string): Promise<string[]> {
  const result = await run("ip", ["netns", "list"]);
  return result.stdout.split("\n").map((line) => line.split(" ")[0].trim())
    .filter((name) => name.startsWith(prefix));
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes namespaces left by lab runs whose process no longer exists.
 *
 * @returns The names deleted.
 *
 * @example Clean up after a crashed run
 * ```ts ignore
 * import { cleanupStaleNamespaces } from "./netns.ts";
 * console.log(await cleanupStaleNamespaces());
 * ```
 */
export async function cleanupStaleNamespaces(): Promise<string[]> {
  const deleted: string[] = [];
  for (const name of await listNamespaces(NETNS_PREFIX)) {
    const match = /^lab-(\d+)-/.exec(name);
    if (match === null || pidAlive(Number(match[1]))) continue;
    await killNamespaceProcesses(name);
    await run("ip", ["netns", "del", name]);
    deleted.push(name);
  }
  return deleted;
}

/**
 * Deletes every namespace whose name starts with `prefix`, killing what runs
 * in them first.
 *
 * @param prefix The prefix, e.g. `lab-1234-` for one run's namespaces.
 * @returns The names deleted.
 *
 * @example
 * ```ts ignore
 * import { deleteNamespaces } from "./netns.ts";
 * await deleteNamespaces(`lab-${Deno.pid}-`);
 * ```
 */
export async function deleteNamespaces(prefix: string): Promise<string[]> {
  const names = await listNamespaces(prefix);
  for (const name of names) {
    await killNamespaceProcesses(name);
    await run("ip", ["netns", "del", name]);
  }
  return names;
}

async function killNamespaceProcesses(name: string): Promise<void> {
  const pids = await run("ip", ["netns", "pids", name]);
  for (
    const pid of pids.stdout.split("\n").map((s) => s.trim()).filter(Boolean)
  ) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch { /* gone already */ }
  }
}

let counter = 0;

/**
 * Three namespaces joined by a router, with helpers to change them.
 *
 * @example Build one, change it, delete it (root only)
 * ```ts ignore
 * import { createTopology } from "./netns.ts";
 * await using topology = await createTopology({ nat: "loose" });
 * await topology.sysctl(topology.server, "net.ipv4.tcp_retries2", 5);
 * await topology.dropForwarding();
 * ```
 */
export class Topology {
  /** The server host's namespace. */
  readonly server: string;
  /** The client host's namespace. */
  readonly client: string;
  /** The router's namespace. */
  readonly router: string;
  /** The address clients connect to. */
  readonly serverAddr: string = SERVER_ADDR;
  #destroyed = false;

  /**
   * Names a topology; {@linkcode createTopology} builds it.
   *
   * @param base The common name prefix, e.g. `lab-123-4`.
   */
  constructor(base: string) {
    this.server = `${base}-srv`;
    this.client = `${base}-cli`;
    this.router = `${base}-rtr`;
  }

  /**
   * Sets a sysctl inside one of the namespaces (never the host's).
   *
   * @param namespace The namespace name.
   * @param key The key, e.g. `net.ipv4.tcp_keepalive_time`.
   * @param value The value.
   * @returns Nothing.
   */
  async sysctl(
    namespace: string,
    key: string,
    value: string | number,
  ): Promise<void> {
    await mustRun("ip", [
      "netns",
      "exec",
      namespace,
      "sysctl",
      "-q",
      "-w",
      `${key}=${value}`,
    ]);
  }

  /**
   * Reads a sysctl inside one of the namespaces.
   *
   * @param namespace The namespace name.
   * @param key The key.
   * @returns The value as text.
   */
  async readSysctl(namespace: string, key: string): Promise<string> {
    return (await mustRun("ip", [
      "netns",
      "exec",
      namespace,
      "sysctl",
      "-n",
      key,
    ])).trim();
  }

  /**
   * Makes the client host vanish: the router silently drops everything it
   * would forward between the hosts.
   *
   * @returns Nothing.
   */
  async dropForwarding(): Promise<void> {
    await mustRun("ip", [
      "netns",
      "exec",
      this.router,
      "nft",
      "insert rule inet lab forward_ drop",
    ]);
  }

  /**
   * Deletes the namespaces after killing whatever still runs in them. Safe to
   * call twice.
   *
   * @returns Nothing.
   */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const name of [this.client, this.server, this.router]) {
      await killNamespaceProcesses(name);
      await run("ip", ["netns", "del", name]);
    }
  }

  /** Deletes the namespaces; for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy();
  }
}

/**
 * Builds a server host, a client host and a router in fresh namespaces.
 * Conntrack settings are applied before anything connects. On failure the
 * partial topology is deleted before the error is rethrown.
 *
 * @param options NAT mode and conntrack timeout.
 * @returns The topology; call `destroy()` (or `await using`) when done.
 *
 * @example Build and delete a topology (root only)
 * ```ts ignore
 * import { createTopology } from "./netns.ts";
 * await using topology = await createTopology({ nat: "strict" });
 * console.log(topology.serverAddr);
 * ```
 */
export async function createTopology(
  options: TopologyOptions = {},
): Promise<Topology> {
  const nat = options.nat ?? "none";
  const topology = new Topology(`${NETNS_PREFIX}${Deno.pid}-${counter++}`);
  const { server, client, router } = topology;
  try {
    for (const name of [router, server, client]) {
      await mustRun("ip", ["netns", "add", name]);
    }
    const batch = [
      `link add rs netns ${router} type veth peer name eth0 netns ${server}`,
      `link add rc netns ${router} type veth peer name eth0 netns ${client}`,
    ];
    // `ip -n` applies to every line of a batch, so the links go one by one.
    for (const line of batch) await mustRun("ip", line.split(" "));
    const steps: [string, string][] = [
      [router, "link set lo up"],
      [router, `addr add ${ROUTER_SERVER_SIDE}/24 dev rs`],
      [router, `addr add ${ROUTER_CLIENT_SIDE}/24 dev rc`],
      [router, "link set rs up"],
      [router, "link set rc up"],
      [server, "link set lo up"],
      [server, `addr add ${SERVER_ADDR}/24 dev eth0`],
      [server, "link set eth0 up"],
      [client, "link set lo up"],
      [client, `addr add ${CLIENT_ADDR}/24 dev eth0`],
      [client, "link set eth0 up"],
      [client, `route add default via ${ROUTER_CLIENT_SIDE}`],
    ];
    // Without NAT the server routes back to the client's network; behind a
    // NAT it only ever sees the router's address.
    if (nat === "none") {
      steps.push([server, `route add 10.250.2.0/24 via ${ROUTER_SERVER_SIDE}`]);
    }
    for (const [namespace, line] of steps) {
      await mustRun("ip", ["-n", namespace, ...line.split(" ")]);
    }
    await topology.sysctl(router, "net.ipv4.ip_forward", 1);
    const invalid = nat === "strict" ? "ct state invalid drop;" : "";
    const ruleset = [
      "table inet lab {",
      `  chain forward_ { type filter hook forward priority filter; policy accept; ${invalid} }`,
      `  chain input_ { type filter hook input priority filter; policy accept; ${invalid} }`,
      nat === "none"
        ? ""
        : '  chain post { type nat hook postrouting priority srcnat; oifname "rs" masquerade; }',
      "}",
    ].join("\n");
    await mustRun("ip", ["netns", "exec", router, "nft", "-f", "-"], ruleset);
    if (nat !== "none") {
      await topology.sysctl(
        router,
        "net.netfilter.nf_conntrack_tcp_timeout_established",
        options.conntrackTimeoutS ?? 3,
      );
      await topology.sysctl(
        router,
        "net.netfilter.nf_conntrack_tcp_loose",
        nat === "loose" ? 1 : 0,
      );
    }
    return topology;
  } catch (error) {
    await topology.destroy();
    throw error;
  }
}
