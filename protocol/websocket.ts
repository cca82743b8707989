/**
 * Lifeline over WebSocket: one frame per text message (without its line
 * end), and the close codes that carry a `bye` reason in the WebSocket
 * close frame, so that a peer (or a browser's developer tools) that only
 * sees the close still learns why. The `bye` frame itself is sent first,
 * as on TCP, and stays the authority (it carries `retryAfter`).
 *
 * @module
 */

import type { ByeReason } from "./frames.ts";

/**
 * The port a server's WebSocket listener uses by default (`--ws`).
 *
 * @example
 * ```ts
 * import { DEFAULT_WS_PORT } from "@lifeline/lifeline/protocol";
 * console.log(DEFAULT_WS_PORT); // 9092
 * ```
 */
export const DEFAULT_WS_PORT = 9092;

/**
 * The WebSocket close codes Lifeline uses: the standard ones (RFC 6455
 * section 7.4.1, and 1012 to 1014 from the IANA registry) where one means
 * exactly that, and codes of its own in the application range 4000 to 4999
 * for the rest. The close frame's reason is the `bye` reason.
 *
 * @example
 * ```ts
 * import { WS_CLOSE } from "@lifeline/lifeline/protocol";
 * console.log(WS_CLOSE.normal, WS_CLOSE.messageTooBig, WS_CLOSE.timeout); // 1000 1009 4002
 * ```
 */
export const WS_CLOSE = {
  /** A clean end: the client said `bye`, or closed on purpose. */
  normal: 1000,
  /** `bye shutdown`: the server is going away. */
  goingAway: 1001,
  /** A binary message: Lifeline frames are text. */
  unsupportedData: 1003,
  /** A text message that holds a line end, or is not UTF-8. */
  invalidPayload: 1007,
  /** A message longer than the largest frame. */
  messageTooBig: 1009,
  /** `bye server_full` and `bye too_many_connections`: come back later. */
  tryAgainLater: 1013,
  /** A `bye` reason this table does not know. */
  other: 4000,
  /** `bye replaced`. */
  replaced: 4001,
  /** `bye timeout`. */
  timeout: 4002,
  /** `bye too_many_pings`. */
  tooManyPings: 4003,
  /** `bye protocol_error`. */
  protocolError: 4004,
  /** `bye auth_failed`. */
  authFailed: 4005,
  /** `bye token_expired`. */
  tokenExpired: 4006,
  /** `bye rate_limited`. */
  rateLimited: 4007,
} as const;

const BY_REASON: Record<ByeReason, number> = {
  shutdown: WS_CLOSE.goingAway,
  server_full: WS_CLOSE.tryAgainLater,
  too_many_connections: WS_CLOSE.tryAgainLater,
  replaced: WS_CLOSE.replaced,
  timeout: WS_CLOSE.timeout,
  too_many_pings: WS_CLOSE.tooManyPings,
  protocol_error: WS_CLOSE.protocolError,
  auth_failed: WS_CLOSE.authFailed,
  token_expired: WS_CLOSE.tokenExpired,
  rate_limited: WS_CLOSE.rateLimited,
};

/**
 * The close code for a `bye` reason: {@link WS_CLOSE}`.normal` without one.
 *
 * @param reason The `bye` reason, or `undefined` for a clean end.
 * @returns The close code.
 *
 * @example
 * ```ts
 * import { closeCodeFor } from "@lifeline/lifeline/protocol";
 * console.log(closeCodeFor("shutdown"), closeCodeFor("timeout"), closeCodeFor(undefined)); // 1001 4002 1000
 * ```
 */
export function closeCodeFor(reason: string | undefined): number {
  if (reason === undefined) return WS_CLOSE.normal;
  return Object.hasOwn(BY_REASON, reason)
    ? BY_REASON[reason as ByeReason]
    : WS_CLOSE.other;
}

/**
 * The `bye` reason a close frame carries, when it carries one this
 * protocol knows: its reason text, if the code is the one that reason
 * closes with.
 *
 * @param code The close code.
 * @param reason The close frame's reason text.
 * @returns The reason, or `undefined`.
 *
 * @example
 * ```ts
 * import { byeReasonOfClose } from "@lifeline/lifeline/protocol";
 * console.log(byeReasonOfClose(4002, "timeout"), byeReasonOfClose(1006, "")); // "timeout" undefined
 * ```
 */
export function byeReasonOfClose(
  code: number,
  reason: string,
): ByeReason | undefined {
  return Object.hasOwn(BY_REASON, reason) &&
      BY_REASON[reason as ByeReason] === code
    ? reason as ByeReason
    : undefined;
}
