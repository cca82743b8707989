/**
 * The frames of Lifeline's wire protocol and their zod schemas: what a client
 * may send, what the server sends back. See `docs/protocol.md`.
 *
 * @module
 */

/**
 * Characters allowed in a client name: letters, digits, `_`, `-` and `.`,
 * 1 to 64 of them.
 *
 * @example Test a name
 * ```ts
 * import { NAME_PATTERN } from "@lifeline/lifeline/protocol";
 * console.log(NAME_PATTERN.test("node-7"), NAME_PATTERN.test("")); // true false
 * ```
 */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * {@link NAME_PATTERN} in words, for error messages.
 *
 * @example Explain a rejected name
 * ```ts
 * import { NAME_RULE } from "@lifeline/lifeline/protocol";
 * console.log(`expected ${NAME_RULE}`);
 * ```
 */
export const NAME_RULE: string = "1 to 64 characters from A-Z a-z 0-9 _ - .";

/**
 * Tells whether a string is a valid client name: 1 to 64 characters from
 * {@link NAME_PATTERN}.
 *
 * @param name The candidate name.
 * @returns `true` when the name is valid.
 *
 * @example Check names
 * ```ts
 * import { isValidName } from "@lifeline/lifeline/protocol";
 * console.log(isValidName("alice")); // true
 * console.log(isValidName("no spaces")); // false
 * ```
 */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** `hello {name}`: the first frame a client sends. */
export interface HelloFrame {
  /** The frame type. */
  type: "hello";
  /** The client's name, 1 to 64 characters from {@link NAME_PATTERN}. */
  name: string;
  /**
   * Proof of the name, when the server requires it: a JWT whose `sub` is
   * the name (at most {@link MAX_TOKEN_LENGTH} characters).
   */
  token?: string;
}

/**
 * The longest token a `hello` or `refresh` may carry, in characters.
 *
 * @example
 * ```ts
 * import { MAX_TOKEN_LENGTH } from "@lifeline/lifeline/protocol";
 * console.log(MAX_TOKEN_LENGTH); // 4096
 * ```
 */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * `refresh {token}`: a new token for the name this connection holds, sent
 * before the current one expires.
 */
export interface RefreshFrame {
  /** The frame type. */
  type: "refresh";
  /** A JWT whose `sub` is the connection's name. */
  token: string;
}

/** `ping {seq}`: a heartbeat; the server answers `pong` with the same `seq`. */
export interface PingFrame {
  /** The frame type. */
  type: "ping";
  /** A sequence number chosen by the client, echoed in the `pong`. */
  seq: number;
}

/** `msg {to?, body}` from a client: to one client by name, or to all others. */
export interface ClientMsgFrame {
  /** The frame type. */
  type: "msg";
  /** The recipient's name; without it, every other client. */
  to?: string;
  /** The message text. */
  body: string;
}

/**
 * The most names one `watch` or `unwatch` frame may carry.
 *
 * @example
 * ```ts
 * import { MAX_NAMES_PER_WATCH } from "@lifeline/lifeline/protocol";
 * console.log(MAX_NAMES_PER_WATCH); // 1000
 * ```
 */
export const MAX_NAMES_PER_WATCH = 1000;

/**
 * `watch {names}`: tell me the presence of these clients now, and every
 * change of it from now on.
 */
export interface WatchFrame {
  /** The frame type. */
  type: "watch";
  /** Valid client names, at most {@link MAX_NAMES_PER_WATCH}. */
  names: string[];
}

/** `unwatch {names}`: stop telling me about these clients. */
export interface UnwatchFrame {
  /** The frame type. */
  type: "unwatch";
  /** Valid client names, at most {@link MAX_NAMES_PER_WATCH}. */
  names: string[];
}

/**
 * `bye {}` from a client: it leaves on purpose, so its watchers are told
 * `offline` with reason `closed` at once (no grace window applies).
 */
export interface ClientByeFrame {
  /** The frame type. */
  type: "bye";
}

/** Any frame a client may send. */
export type ClientFrame =
  | HelloFrame
  | PingFrame
  | ClientMsgFrame
  | WatchFrame
  | UnwatchFrame
  | ClientByeFrame
  | RefreshFrame;

/** `welcome {id, interval, timeout}`: the server's heartbeat policy, in ms. */
export interface WelcomeFrame {
  /** The frame type. */
  type: "welcome";
  /** The connection's id, unique within the server process. */
  id: string;
  /** How often the client should ping, in milliseconds. */
  interval: number;
  /** How long the server waits for any frame before it drops the client, in milliseconds. */
  timeout: number;
}

/** `pong {seq}`: the answer to a `ping`. */
export interface PongFrame {
  /** The frame type. */
  type: "pong";
  /** The `seq` of the ping being answered. */
  seq: number;
}

/** `msg {from, body}` from the server: a message relayed from another client. */
export interface ServerMsgFrame {
  /** The frame type. */
  type: "msg";
  /** The sender's name. */
  from: string;
  /** The message text. */
  body: string;
}

/**
 * Why a client went offline: it closed (or said `bye`), went silent past
 * the timeout, the server shut down, or (in a cluster) its node was lost.
 * `replaced` is kept for compatibility: a name taken over by a new
 * connection stays online for its watchers.
 */
export type OfflineReason =
  | "closed"
  | "timeout"
  | "replaced"
  | "shutdown"
  | "node_lost";

/**
 * A watched client's presence: `online`; `suspect` (silent for longer than
 * the server's `suspectAfter`, or its connection ended abruptly and the
 * grace window is open); `offline`.
 */
export type PresenceState = "online" | "suspect" | "offline";

/**
 * `presence {name, state, reason?, silentMs?}`: the state of a watched
 * client, as a snapshot after `watch` and on every change after it.
 */
export interface PresenceFrame {
  /** The frame type. */
  type: "presence";
  /** The client's name. */
  name: string;
  /** Its state now. */
  state: PresenceState;
  /**
   * Why it went offline (with `offline`, when known), or why it is
   * suspect after its connection ended (with `suspect` in the grace window).
   */
  reason?: OfflineReason;
  /** With `suspect`: how long it has been silent, in milliseconds. */
  silentMs?: number;
}

/** Error codes the server sends in `error` frames. */
export type ErrorCode =
  | "frame_too_large"
  | "invalid_json"
  | "invalid_frame"
  | "unknown_type"
  | "hello_required"
  | "duplicate_hello"
  | "unknown_recipient"
  | "too_many_pings"
  | "too_many_errors"
  | "too_many_watches"
  | "auth_failed"
  | "rate_limited"
  | "cluster_unavailable"
  | "server_full";

/** `error {code, message}`: something the client sent was refused. */
export interface ErrorFrame {
  /** The frame type. */
  type: "error";
  /** A stable, machine-readable code. */
  code: ErrorCode;
  /** A sentence for people. */
  message: string;
}

/** Why the server is closing a connection. */
export type ByeReason =
  | "replaced"
  | "shutdown"
  | "timeout"
  | "too_many_pings"
  | "protocol_error"
  | "server_full"
  | "too_many_connections"
  | "auth_failed"
  | "token_expired"
  | "rate_limited";

/** `bye {reason, retryAfter?}`: the server is closing this connection. */
export interface ByeFrame {
  /** The frame type. */
  type: "bye";
  /** Why the connection is being closed. */
  reason: ByeReason;
  /** Milliseconds the client should wait before reconnecting. */
  retryAfter?: number;
}

/** Any frame the server may send. */
export type ServerFrame =
  | WelcomeFrame
  | PongFrame
  | ServerMsgFrame
  | PresenceFrame
  | ErrorFrame
  | ByeFrame;
