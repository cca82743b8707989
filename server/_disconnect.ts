/**
 * How a session ends, as one typed value (centrifuge's `Disconnect`): why,
 * whether the client is told with `bye`, whether its watchers are told,
 * and how long it may take to close.
 *
 * @module
 */

import type { ByeReason, OfflineReason } from "../protocol/frames.ts";
import type { SessionCloseReason } from "./events.ts";

/** One way a session ends. */
export interface Disconnect {
  /** Why, as the `close` event and the log report it. */
  readonly reason: SessionCloseReason;
  /**
   * The `bye` reason sent before closing, or `undefined` to close without
   * one (the peer is gone already). Go-format clients never get one.
   */
  readonly bye: ByeReason | undefined;
  /** Whether the client's watchers are told it went offline. */
  readonly announce: boolean;
  /**
   * Whether the end was abrupt (EOF or reset without `bye`, a timeout, a
   * failed write): only then does the presence grace window apply.
   */
  readonly abrupt: boolean;
  /** The `retryAfter` hint sent in `bye`, in milliseconds. */
  readonly retryAfter?: number;
  /**
   * How long the connection may take to close after `bye` before it is
   * cut, in milliseconds; the server's `closeGrace` when left out.
   */
  readonly graceMs?: number;
}

/** The peer closed without saying `bye` (EOF, reset, a failed write). */
export const CLOSED: Disconnect = {
  reason: "closed",
  bye: undefined,
  announce: true,
  abrupt: true,
};

/** The client said `bye`: it leaves on purpose. */
export const LEFT: Disconnect = {
  reason: "closed",
  bye: undefined,
  announce: true,
  abrupt: false,
};

/** Silent past the deadline. */
export const TIMEOUT: Disconnect = {
  reason: "timeout",
  bye: "timeout",
  announce: true,
  abrupt: true,
};

/** Another connection registered the same name. */
export const REPLACED: Disconnect = {
  reason: "replaced",
  bye: "replaced",
  announce: true,
  abrupt: false,
};

/** Pinged too often, once too many times. */
export const TOO_MANY_PINGS: Disconnect = {
  reason: "too_many_pings",
  bye: "too_many_pings",
  announce: true,
  abrupt: false,
};

/** Broke the protocol (a frame too large, too many invalid frames). */
export const PROTOCOL_ERROR: Disconnect = {
  reason: "protocol_error",
  bye: "protocol_error",
  announce: true,
  abrupt: false,
};

/** The client's token does not prove its name (at `hello` or `refresh`). */
export const AUTH_FAILED: Disconnect = {
  reason: "auth_failed",
  bye: "auth_failed",
  announce: true,
  abrupt: false,
};

/** The client's token expired without a `refresh`. */
export const TOKEN_EXPIRED: Disconnect = {
  reason: "token_expired",
  bye: "token_expired",
  announce: true,
  abrupt: false,
};

/** The client kept sending messages over the rate limit. */
export const RATE_LIMITED: Disconnect = {
  reason: "rate_limited",
  bye: "rate_limited",
  announce: true,
  abrupt: false,
};

/**
 * The server shuts down: every client is told when to come back, and no
 * watcher here is told about anyone (everyone here is leaving).
 *
 * @param retryAfter The client's hint, in milliseconds.
 * @param graceMs How long the client may take to close.
 * @returns The disconnect.
 */
export function shutdown(retryAfter: number, graceMs: number): Disconnect {
  return {
    reason: "shutdown",
    bye: "shutdown",
    announce: false,
    abrupt: false,
    retryAfter,
    graceMs,
  };
}

/**
 * What watchers are told about a client that went offline.
 *
 * @param reason Why its session ended.
 * @returns The `presence` frame's reason.
 */
export function offlineReason(reason: SessionCloseReason): OfflineReason {
  switch (reason) {
    case "timeout":
    case "replaced":
    case "shutdown":
      return reason;
    default:
      return "closed";
  }
}
