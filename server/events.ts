/**
 * The typed events a `LifelineServer` dispatches.
 *
 * @module
 */

import type { TransportAddr } from "./transport.ts";

/** Which wire format a client speaks. */
export type ClientProtocol = "lifeline" | "go";

/** A snapshot of one registered client. */
export interface ClientInfo {
  /** The connection's id, unique within the server (sent in `welcome`). */
  id: string;
  /** The client's name. */
  name: string;
  /** `"lifeline"` (ndjson) or `"go"` (guobinqiu/tcp-heartbeat frames). */
  protocol: ClientProtocol;
  /** The peer's address. */
  remoteAddr: TransportAddr;
  /** When the connection was accepted, in milliseconds on the server's clock. */
  connectedAt: number;
  /** When the last complete frame arrived, in milliseconds on the server's clock. */
  lastSeenAt: number;
}

/** Why a registered client's connection ended. */
export type CloseReason =
  | "closed"
  | "timeout"
  | "replaced"
  | "shutdown"
  | "too_many_pings"
  | "protocol_error";

/** Detail of a `heartbeat` event: a `ping` or a Go-format heartbeat arrived. */
export interface HeartbeatDetail {
  /** The client. */
  client: ClientInfo;
  /** The ping's `seq`; `undefined` for a Go-format heartbeat. */
  seq: number | undefined;
}

/** Detail of a `message` event: a client sent a message. */
export interface MessageDetail {
  /** The sender. */
  from: ClientInfo;
  /** The recipient's name, or `undefined` for everyone else. */
  to: string | undefined;
  /** The message text. */
  body: string;
}

/** Detail of a `timeout` event: a connection stayed silent past its deadline. */
export interface TimeoutDetail {
  /** The connection's id. */
  id: string;
  /** The client, or `null` for a connection that never said hello. */
  client: ClientInfo | null;
  /** The peer's address. */
  remoteAddr: TransportAddr;
  /** Milliseconds since the last complete frame (or since accept). */
  silentMs: number;
}

/** Detail of a `close` event: a registered client is gone. */
export interface CloseDetail {
  /** The client, as it was last. */
  client: ClientInfo;
  /** Why the connection ended. */
  reason: CloseReason;
}

/** The events of a `LifelineServer`, by type. */
export interface LifelineServerEventMap {
  /** A client said hello (or sent its first Go-format frame). */
  connect: CustomEvent<ClientInfo>;
  /** A heartbeat arrived. Dispatched only while someone listens. */
  heartbeat: CustomEvent<HeartbeatDetail>;
  /** A client sent a message. */
  message: CustomEvent<MessageDetail>;
  /** A connection was dropped for silence. */
  timeout: CustomEvent<TimeoutDetail>;
  /** A registered client's connection ended (after `timeout` for a timeout). */
  close: CustomEvent<CloseDetail>;
}
