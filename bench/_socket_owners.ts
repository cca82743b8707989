/**
 * Which process holds each accepted connection of a port: under
 * `--reuse-port` the kernel, not the client, picks the worker, and no frame
 * says which one it was (`welcome`'s id is unique only within a process).
 * So the harness asks Linux: `/proc/net/tcp` lists every TCP socket of the
 * network namespace with its addresses and its inode, and `/proc/PID/fd`
 * links each of a process's descriptors to `socket:[inode]`. Only the
 * kernel's own tables are read; the servers are not touched.
 *
 * @module
 */

/**
 * A client's end of a connection as one number: the last byte of its
 * IPv4 source address (the load uses 127.0.0.1 to 127.0.0.N) times 65,536
 * plus its port.
 *
 * @param source The last byte of the source address.
 * @param port The source port.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { endpointKey } from "./_socket_owners.ts";
 * console.log(endpointKey(3, 10_000)); // 206608
 * ```
 */
export function endpointKey(source: number, port: number): number {
  return source * 65536 + port;
}

/**
 * Reads `/proc/net/tcp`'s established connections whose local port is
 * `port`: their peer's {@link endpointKey} by socket inode.
 *
 * @param text The file's text.
 * @param port The servers' port.
 * @returns Peer keys by inode.
 *
 * @example
 * ```ts
 * import { peersByInode } from "./_socket_owners.ts";
 * const line = "   7: 0100007F:2454 0300007F:2710 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1";
 * console.log(peersByInode(line, 0x2454)); // Map(1) { 4242 => 206608 }
 * ```
 */
export function peersByInode(text: string, port: number): Map<number, number> {
  const peers = new Map<number, number>();
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    // sl, local_address, rem_address, st, ..., inode is the tenth field.
    if (fields.length < 10 || fields[3] !== "01") continue;
    if (!fields[1].endsWith(local)) continue;
    const [ip, peerPort] = fields[2].split(":");
    // The address is in the kernel's byte order: on x86, the last byte first.
    const last = parseInt(ip.slice(0, 2), 16);
    peers.set(
      Number(fields[9]),
      endpointKey(last, parseInt(peerPort, 16)),
    );
  }
  return peers;
}

/**
 * The socket inodes a process holds.
 *
 * @param pid The process.
 * @returns Its sockets' inodes (none when it is gone).
 *
 * @example
 * ```ts
 * import { socketInodes } from "./_socket_owners.ts";
 * console.log(socketInodes(Deno.pid) instanceof Set); // true
 * ```
 */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const entry of entries) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch {
      continue;
    }
    if (target.startsWith("socket:[")) {
      inodes.add(Number(target.slice(8, -1)));
    }
  }
  return inodes;
}

/**
 * Which of some processes holds the server end of each established
 * connection to `port`, by the client's {@link endpointKey}.
 *
 * @param pids The server processes, each with a number to report it by.
 * @param port The port they share.
 * @returns The owner's number by client key.
 *
 * @example
 * ```ts ignore
 * import { socketOwners } from "./_socket_owners.ts";
 * const owners = socketOwners(new Map([[1, 4100], [2, 4101]]), 9100);
 * console.log(owners.get(endpointKey(1, 10_000))); // 1 or 2
 * ```
 */
export function socketOwners(
  pids: Map<number, number>,
  port: number,
): Map<number, number> {
  const byInode = new Map<number, number>();
  for (const [owner, pid] of pids) {
    for (const inode of socketInodes(pid)) byInode.set(inode, owner);
  }
  const peers = peersByInode(Deno.readTextFileSync("/proc/net/tcp"), port);
  const owners = new Map<number, number>();
  for (const [inode, key] of peers) {
    const owner = byInode.get(inode);
    if (owner !== undefined) owners.set(key, owner);
  }
  return owners;
}
