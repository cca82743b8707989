/**
 * The seam between a server's hub and the other servers of a cluster. The
 * hub keeps everything local (liveness, sessions, local routing, local
 * presence) and tells its adapter only what changes: a name claimed or
 * released, a watched name's state, a message for a name held elsewhere.
 * The adapter tells the hub what the other nodes did through a
 * {@link ClusterHandler}. `localCluster()` is the adapter of a server
 * alone; `redisCluster()` joins servers through Redis; another engine
 * (NATS, say) implements the same interface without touching the server.
 *
 * @module
 */

import type { OfflineReason, PresenceState } from "../protocol/frames.ts";

/** A watched name's state as a node published it. */
export interface ClusterPresence {
  /** The name. */
  name: string;
  /** Its state. */
  state: PresenceState;
  /** Why it is offline (or suspect after an abrupt end). */
  reason?: OfflineReason;
  /** With `suspect`: how long it had been silent, in milliseconds. */
  silentMs?: number;
  /**
   * Orders the changes of one name: a change with a version at or below
   * one already seen is stale.
   */
  version: number;
}

/** What a cross-node operation could do. */
export type ClusterDelivery = "sent" | "unknown" | "unavailable";

/** What the hub does for its adapter: the other nodes' doings. */
export interface ClusterHandler {
  /**
   * A node took over a name held here: the session must end with `bye
   * {reason: "replaced"}` (if it is still the one with this id).
   *
   * @param name The name.
   * @param sessionId The local session's id, as given to `claim`.
   */
  replaced(name: string, sessionId: string): void;
  /**
   * A message for a client held here.
   *
   * @param to Its name.
   * @param from The sender's name.
   * @param body The text.
   * @returns Whether it was delivered.
   */
  message(to: string, from: string, body: string): boolean;
  /**
   * A broadcast from a client of another node.
   *
   * @param from The sender's name.
   * @param body The text.
   */
  broadcast(from: string, body: string): void;
  /**
   * A watched name changed state on another node.
   *
   * @param change The change.
   */
  presence(change: ClusterPresence): void;
  /**
   * Another node watches a name: if it is held here, its state must be
   * tracked (and published) from now on.
   *
   * @param name The name.
   */
  interest(name: string): void;
  /**
   * The names held here and the names watched here that are held
   * elsewhere, for the adapter to assert again (after a reconnect, after
   * being fenced).
   *
   * @returns The local sessions' names and ids, and the remote watched names.
   */
  assertions(): {
    held: { name: string; sessionId: string }[];
    watched: string[];
  };
  /**
   * The cluster became reachable or unreachable (or this node was fenced
   * and rejoined).
   *
   * @param available Whether cross-node features work now.
   * @param why Why it changed, for the log.
   */
  status(available: boolean, why: string): void;
}

/** What a cluster adapter does for the hub. */
export interface ClusterAdapter {
  /** This node's id in the cluster. */
  readonly nodeId: string;
  /** Whether cross-node features work now (connected, not fenced). */
  readonly available: boolean;
  /** Whether there are other nodes at all (`false` for `localCluster()`). */
  readonly distributed: boolean;
  /**
   * The nodes alive at this node's last look, itself included (`1` for
   * `localCluster()`): for a gauge, not for decisions.
   */
  readonly nodes: number;
  /**
   * Joins the cluster.
   *
   * @param handler The hub.
   * @returns Once joined.
   * @throws When the cluster cannot be reached or refuses the node.
   */
  start(handler: ClusterHandler): Promise<void>;
  /**
   * Leaves the cluster: the node's names are released by the sessions'
   * own ends before this is called.
   *
   * @returns Once left.
   */
  stop(): Promise<void>;
  /**
   * A session here registered a name: it is now this node's, cluster-wide
   * (a node that held it is told to replace its session).
   *
   * @param name The name.
   * @param sessionId The session's id (unique on this node).
   * @returns Whether another node watches the name.
   */
  claim(name: string, sessionId: string): Promise<boolean>;
  /**
   * A name held here changed state: other nodes' watchers are told. An
   * `offline` also releases the name, if the session still holds it.
   *
   * @param change The change (its version is set by the adapter).
   * @param sessionId The session that held the name.
   */
  publish(change: Omit<ClusterPresence, "version">, sessionId: string): void;
  /**
   * Sends a message to a client held on another node.
   *
   * @param to The recipient's name.
   * @param from The sender's name.
   * @param body The text.
   * @returns Whether it went out.
   */
  send(to: string, from: string, body: string): Promise<ClusterDelivery>;
  /**
   * Sends a message to every client of every other node.
   *
   * @param from The sender's name.
   * @param body The text.
   * @returns Whether it went out.
   */
  broadcast(from: string, body: string): Promise<ClusterDelivery>;
  /**
   * Names held elsewhere are watched here: their present state, and their
   * changes from now on through {@link ClusterHandler.presence}.
   *
   * @param names The names.
   * @returns The state of each (offline without a reason when nobody holds
   *   it), or `undefined` when the cluster cannot be reached.
   */
  watch(names: string[]): Promise<ClusterPresence[] | undefined>;
  /**
   * Names are no longer watched here.
   *
   * @param names The names.
   */
  unwatch(names: string[]): void;
}
