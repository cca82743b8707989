/**
 * The cluster of one: a server alone, with nothing to tell anyone.
 *
 * @module
 */

import type {
  ClusterAdapter,
  ClusterDelivery,
  ClusterPresence,
} from "./types.ts";

/**
 * The adapter of a server alone, its default: every name is local, a
 * message for a name not held here has no recipient, and nobody else
 * watches anything.
 *
 * @param nodeId The node's id, for logs.
 * @returns The adapter.
 *
 * @example
 * ```ts
 * import { localCluster } from "@lifeline/lifeline/cluster";
 * const alone = localCluster();
 * console.log(alone.distributed, await alone.send("B", "A", "hi")); // false "unknown"
 * ```
 */
export function localCluster(nodeId = "local"): ClusterAdapter {
  return {
    nodeId,
    available: true,
    distributed: false,
    nodes: 1,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    claim: () => Promise.resolve(false),
    publish: () => {},
    send: (): Promise<ClusterDelivery> => Promise.resolve("unknown"),
    broadcast: (): Promise<ClusterDelivery> => Promise.resolve("sent"),
    watch: (names: string[]): Promise<ClusterPresence[]> =>
      Promise.resolve(
        names.map((name) => ({ name, state: "offline" as const, version: 0 })),
      ),
    unwatch: () => {},
  };
}
