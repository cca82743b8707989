/**
 * The events a `LifelineClient` dispatches, with their details.
 *
 * @module
 */

import type {
  ByeFrame,
  ClientMsgFrame,
  PresenceFrame,
  ServerMsgFrame,
} from "../protocol/frames.ts";
import type { AdaptiveStep } from "../liveness/adaptive_heartbeat.ts";

/** `connecting`: a TCP connection attempt starts. */
export interface ConnectingDetail {
  /**
   * 0 for the first connection; then the reconnect attempt's number since
   * the last connection that stayed up the backoff's `resetAfter`.
   */
  attempt: number;
  /** The server's host name or address. */
  hostname: string;
  /** The server's port. */
  port: number;
}

/** `open`: the TCP connection is up and `hello` was written. */
export interface OpenDetail {
  /** The attempt that succeeded. */
  attempt: number;
  /** The local address, for telling connections apart. */
  localAddr: string;
}

/** `welcome`: the server accepted `hello`; heartbeats start. */
export interface WelcomeDetail {
  /** The connection's id at the server. */
  id: string;
  /** The server's ping interval, in milliseconds. */
  interval: number;
  /** The server's timeout, in milliseconds; also the client's. */
  timeout: number;
  /** The interval the client actually uses, in milliseconds. */
  effectiveInterval: number;
  /** Whether this connection replaces a lost one. */
  reconnect: boolean;
}

/** `reconnected`: a connection is up again after one was lost. */
export interface ReconnectedDetail {
  /** Reconnect attempts it took. */
  attempts: number;
  /** Milliseconds from losing the old connection to this `welcome`. */
  downtime: number;
}

/** `pong`: the server answered a ping. */
export interface PongDetail {
  /** The ping's sequence number. */
  seq: number;
  /** Round-trip time in milliseconds, when the ping is known. */
  rtt?: number;
}

/** `error`: the server sent an `error` frame, or something failed locally. */
export interface ClientErrorDetail {
  /** `"server"` for an `error` frame, `"client"` for a local failure. */
  source: "server" | "client";
  /**
   * The server's error code, or a local one: `connect_failed`,
   * `handshake_timeout`, `invalid_server_frame`, `frame_too_large`,
   * `socket_error`.
   */
  code: string;
  /** A sentence for people. */
  message: string;
}

/** `dead`: the client declared the server dead (nothing heard within timeout). */
export interface DeadDetail {
  /** Milliseconds since the last frame from the server. */
  silentFor: number;
  /** The timeout that was exceeded, in milliseconds. */
  timeout: number;
  /** Whether the server had not even sent `welcome` yet. */
  handshake: boolean;
}

/** Why one of the client's connections ended. */
export type ClientDisconnectReason =
  | "dead"
  | "handshake_timeout"
  | "bye"
  | "eof"
  | "socket_error"
  | "protocol_error"
  | "closed";

/** `disconnect`: one TCP connection ended. */
export interface ClientDisconnectDetail {
  /** Why it ended. */
  reason: ClientDisconnectReason;
  /** Whether `welcome` had arrived on it. */
  welcomed: boolean;
  /** The error message, for `socket_error` and `protocol_error`. */
  message?: string;
}

/** `reconnecting`: the next attempt is scheduled. */
export interface ReconnectingDetail {
  /** The number of the attempt that will be made. */
  attempt: number;
  /** Milliseconds until it is made. */
  delay: number;
  /** The server's `retryAfter`, when a `bye` gave one. */
  retryAfter?: number;
  /**
   * `true` when `wake()` brought a scheduled attempt forward (the same
   * attempt, announced again with its new delay).
   */
  woken?: true;
}

/** `interval`: the ping interval in force changed. */
export interface IntervalDetail {
  /** The new interval, in milliseconds. */
  interval: number;
  /** What changed it. */
  reason: "welcome" | "too_many_pings" | "adaptive";
}

/** Why the client closed for good. */
export type ClientCloseReason =
  | "closed"
  | "aborted"
  | "replaced"
  | "auth_failed"
  | "gave_up";

/** `close`: the client is closed for good; no more reconnects. */
export interface ClientCloseDetail {
  /** Why. */
  reason: ClientCloseReason;
  /** Messages queued while disconnected that were never sent. */
  unsent: ClientMsgFrame[];
}

/** Every event of `LifelineClient`, by name. */
export interface LifelineClientEventMap {
  /** A connection attempt starts. */
  connecting: CustomEvent<ConnectingDetail>;
  /** TCP is up and `hello` was written. */
  open: CustomEvent<OpenDetail>;
  /** The server accepted `hello`. */
  welcome: CustomEvent<WelcomeDetail>;
  /** A connection is back after a loss. */
  reconnected: CustomEvent<ReconnectedDetail>;
  /** A pong arrived. */
  pong: CustomEvent<PongDetail>;
  /** A message from another client. */
  message: CustomEvent<ServerMsgFrame>;
  /** A client came online or went offline. */
  presence: CustomEvent<PresenceFrame>;
  /** An `error` frame or a local failure. */
  error: CustomEvent<ClientErrorDetail>;
  /** The server said `bye`. */
  bye: CustomEvent<ByeFrame>;
  /** The server was declared dead. */
  dead: CustomEvent<DeadDetail>;
  /** A connection ended. */
  disconnect: CustomEvent<ClientDisconnectDetail>;
  /** A reconnect is scheduled. */
  reconnecting: CustomEvent<ReconnectingDetail>;
  /** The ping interval changed. */
  interval: CustomEvent<IntervalDetail>;
  /** The adaptive interval recorded a result (only with `adaptive`). */
  adaptive: CustomEvent<AdaptiveStep>;
  /** The client closed for good. */
  close: CustomEvent<ClientCloseDetail>;
}
