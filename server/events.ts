/**
 * The typed events a `LifelineServer` dispatches. A session is the
 * server's side of one client connection; the names say so, so that they
 * cannot be confused with the client's own events.
 *
 * @module
 */

import type { OfflineReason, PresenceState } from "../protocol/frames.ts";
import type { WireProtocol } from "../protocol/sniff.ts";
import type { TransportAddr } from "../transport/types.ts";

/** A snapshot of one registered client, as the server sees it. */
export interface SessionInfo {
  /** The connection's id, unique within the server (sent in `welcome`). */
  id: string;
  /** The client's name. */
  name: string;
  /** `"lifeline"` (ndjson) or `"go"` (guobinqiu/tcp-heartbeat frames). */
  protocol: WireProtocol;
  /** The peer's address. */
  remoteAddr: TransportAddr;
  /** When the connection was accepted, in milliseconds on the server's clock. */
  connectedAt: number;
  /** When the last complete frame arrived, in milliseconds on the server's clock. */
  lastSeenAt: number;
  /** How many names the client watches. */
  watching: number;
  /** How many clients watch this one's name. */
  watchers: number;
}

/** Why a registered client's session ended. */
export type SessionCloseReason =
  | "closed"
  | "timeout"
  | "replaced"
  | "shutdown"
  | "too_many_pings"
  | "protocol_error"
  | "auth_failed"
  | "token_expired"
  | "rate_limited";

/** Detail of a `heartbeat` event: a `ping` or a Go-format heartbeat arrived. */
export interface SessionHeartbeatDetail {
  /** The client. */
  client: SessionInfo;
  /** The ping's `seq`; `undefined` for a Go-format heartbeat. */
  seq: number | undefined;
}

/** Detail of a `message` event: a client sent a message. */
export interface SessionMessageDetail {
  /** The sender. */
  from: SessionInfo;
  /** The recipient's name, or `undefined` for everyone else. */
  to: string | undefined;
  /** The message text. */
  body: string;
}

/** Detail of a `timeout` event: a connection stayed silent past its deadline. */
export interface SessionTimeoutDetail {
  /** The connection's id. */
  id: string;
  /** The client, or `null` for a connection that never said hello. */
  client: SessionInfo | null;
  /** The peer's address. */
  remoteAddr: TransportAddr;
  /** Milliseconds since the last complete frame (or since accept). */
  silentMs: number;
}

/** Detail of a `close` event: a registered client is gone. */
export interface SessionCloseDetail {
  /** The client, as it was last. */
  client: SessionInfo;
  /** Why the session ended. */
  reason: SessionCloseReason;
}

/**
 * Detail of a `presence` event: a watched name changed state (the same
 * change its watchers are sent).
 */
export interface SessionPresenceDetail {
  /** The name. */
  name: string;
  /** Its new state. */
  state: PresenceState;
  /** Why it went offline (or is suspect after an abrupt end). */
  reason?: OfflineReason;
  /** With `suspect`: how long it has been silent, in milliseconds. */
  silentMs?: number;
}

/** Detail of a `shutdown` event: `close()` or `drain()` began. */
export interface ServerShutdownDetail {
  /** The drain period, in milliseconds; `0` for `close()`. */
  drainMs: number;
  /** The connections open at that moment. */
  connections: number;
}

/** Detail of a `cluster` event: the cluster became reachable or not. */
export interface ClusterStatusDetail {
  /** This node's id. */
  nodeId: string;
  /** Whether cross-node features work now. */
  available: boolean;
  /** Why it changed, for the log. */
  reason: string;
}

/** The events of a `LifelineServer`, by type. */
export interface LifelineServerEventMap {
  /** A client said hello (or sent its first Go-format frame). */
  connect: CustomEvent<SessionInfo>;
  /** A heartbeat arrived. Dispatched only while someone listens. */
  heartbeat: CustomEvent<SessionHeartbeatDetail>;
  /** A client sent a message. */
  message: CustomEvent<SessionMessageDetail>;
  /** A connection was dropped for silence. */
  timeout: CustomEvent<SessionTimeoutDetail>;
  /** A registered client's session ended (after `timeout` for a timeout). */
  close: CustomEvent<SessionCloseDetail>;
  /** A name somebody watches changed state. */
  presence: CustomEvent<SessionPresenceDetail>;
  /** The cluster became reachable or unreachable (with a cluster only). */
  cluster: CustomEvent<ClusterStatusDetail>;
  /** The server stopped accepting and began closing its connections. */
  shutdown: CustomEvent<ServerShutdownDetail>;
}
