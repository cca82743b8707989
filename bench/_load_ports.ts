/**
 * The local address and port each load client connects from. Asking the
 * kernel for any port of a given source address (`bind(addr, 0)`) makes it
 * search the port range for one that address does not use yet: with 100,000
 * clients over 8 sources that search took 71 s of wall time and 2 minutes
 * of kernel CPU for 90,000 connections here, against 8 s with the ports
 * given. So every client has a home port of its own: client `g` connects
 * from source `g mod S` and port `base + floor(g / S)`, unique across the
 * load's processes. A client that connects again (after the server closed
 * it, or in a churn) takes the next port of its process's share of a
 * reserve range, so that it never waits on its own old connection.
 *
 * @module
 */

/** The ports a load process connects from. */
export interface LoadPorts {
  /** The home port of client 0 of each source. */
  base: number;
  /** The first port of this process's share of the reserve range. */
  reserveFrom: number;
  /** One past the last port of this process's share of the reserve range. */
  reserveTo: number;
}

/** The first port of the home range (above the harness's server ports). */
export const HOME_BASE = 10_000;

/** One past the last port used, below Linux's ephemeral range (32768). */
export const PORTS_END = 32_768;

/**
 * Splits the ports between the load's processes: the home ports of every
 * client, then the rest of the range below the ephemeral range as the
 * reserve, an equal share per process. `null` when the home ports alone do
 * not fit: the kernel then picks every port.
 *
 * @param clients Clients in the whole load.
 * @param sources Source addresses.
 * @param processes Load processes.
 * @returns Each process's ports, or `null`.
 *
 * @example
 * ```ts
 * import { splitPorts } from "./_load_ports.ts";
 * const [first, second] = splitPorts(100_000, 8, 7)!;
 * console.log(first.base, first.reserveFrom, second.reserveFrom); // 10000 22500 23966
 * ```
 */
export function splitPorts(
  clients: number,
  sources: number,
  processes: number,
): LoadPorts[] | null {
  const home = Math.ceil(clients / sources);
  const reserveFrom = HOME_BASE + home;
  const share = Math.floor((PORTS_END - reserveFrom) / processes);
  if (share < 1) return null;
  return Array.from({ length: processes }, (_, k) => ({
    base: HOME_BASE,
    reserveFrom: reserveFrom + k * share,
    reserveTo: reserveFrom + (k + 1) * share,
  }));
}

/** Hands out the ports of one load process. */
export class PortBook {
  readonly #ports: LoadPorts;
  readonly #sources: number;
  // The next reserve port, per source.
  readonly #next: Int32Array;

  /**
   * Creates the book of one process.
   *
   * @param ports The process's ports.
   * @param sources How many source addresses the load uses.
   */
  constructor(ports: LoadPorts, sources: number) {
    this.#ports = ports;
    this.#sources = sources;
    this.#next = new Int32Array(sources).fill(ports.reserveFrom);
  }

  /**
   * The home port of a client.
   *
   * @param id The client's number in the whole load.
   * @returns The port.
   */
  home(id: number): number {
    return this.#ports.base + Math.floor(id / this.#sources);
  }

  /**
   * The next reserve port of a client's source, in turn (after the last
   * one of the share, the first again).
   *
   * @param id The client's number in the whole load.
   * @returns The port.
   */
  spare(id: number): number {
    const source = id % this.#sources;
    const port = this.#next[source];
    this.#next[source] = port + 1 >= this.#ports.reserveTo
      ? this.#ports.reserveFrom
      : port + 1;
    return port;
  }
}
