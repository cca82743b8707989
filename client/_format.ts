/**
 * Turns client events into output lines for the CLI: text for people, or one
 * JSON object per line for scripts (the lab).
 *
 * @module
 */

import { formatDuration } from "../common/duration.ts";
import type { LifelineClientEventMap } from "./events.ts";

/** Every event name, in the order they are usually seen. */
export const EVENT_TYPES: readonly (keyof LifelineClientEventMap)[] = [
  "connecting",
  "open",
  "welcome",
  "reconnected",
  "pong",
  "message",
  "presence",
  "error",
  "bye",
  "dead",
  "disconnect",
  "reconnecting",
  "interval",
  "adaptive",
  "close",
];

/**
 * Formats one event as a JSON line: `time` (ISO 8601), `t` (epoch ms),
 * `event`, then the event's detail (a frame's `type` is left out).
 *
 * @param type The event name.
 * @param detail The event's detail.
 * @param at The time, in epoch milliseconds.
 * @returns One line of JSON.
 */
export function formatJson(type: string, detail: unknown, at: number): string {
  const { type: _frameType, ...rest } = (detail ?? {}) as Record<
    string,
    unknown
  >;
  return JSON.stringify({
    time: new Date(at).toISOString(),
    t: at,
    event: type,
    ...rest,
  });
}

/**
 * Formats one event as a line for people: an ISO timestamp, the event name
 * and a short description. Besides the client's events, the CLI prints
 * `queued` when a line is kept for the next connection.
 *
 * @param type The event name.
 * @param detail The event's detail.
 * @param at The time, in epoch milliseconds.
 * @returns The line.
 */
export function formatText(
  type: keyof LifelineClientEventMap | "queued",
  detail: unknown,
  at: number,
): string {
  return `${new Date(at).toISOString()} ${type} ${describe(type, detail)}`
    .trimEnd();
}

function describe(
  type: keyof LifelineClientEventMap | "queued",
  detail: unknown,
): string {
  const d = detail as Record<string, never>;
  switch (type) {
    case "queued": {
      const e = detail as { queued: number };
      return `not connected: kept for the next connection (${e.queued} waiting)`;
    }
    case "connecting": {
      const e = detail as LifelineClientEventMap["connecting"]["detail"];
      return e.attempt === 0
        ? `${e.hostname}:${e.port}`
        : `${e.hostname}:${e.port} (attempt ${e.attempt})`;
    }
    case "open": {
      const e = detail as LifelineClientEventMap["open"]["detail"];
      return `from ${e.localAddr}, hello sent`;
    }
    case "welcome": {
      const e = detail as LifelineClientEventMap["welcome"]["detail"];
      return `id ${e.id}, server interval ${formatDuration(e.interval)}, ` +
        `timeout ${formatDuration(e.timeout)}, pinging every ${
          formatDuration(e.effectiveInterval)
        }`;
    }
    case "reconnected": {
      const e = detail as LifelineClientEventMap["reconnected"]["detail"];
      return `after ${e.attempts} attempt${e.attempts === 1 ? "" : "s"}, ` +
        `down ${formatDuration(e.downtime)}`;
    }
    case "pong": {
      const e = detail as LifelineClientEventMap["pong"]["detail"];
      return `seq ${e.seq}${e.rtt === undefined ? "" : ` rtt ${e.rtt}ms`}`;
    }
    case "message": {
      const e = detail as LifelineClientEventMap["message"]["detail"];
      return `${e.from}: ${e.body}`;
    }
    case "presence": {
      const e = detail as LifelineClientEventMap["presence"]["detail"];
      const why = [
        ...(e.reason === undefined ? [] : [e.reason]),
        ...(e.silentMs === undefined
          ? []
          : [`silent ${formatDuration(e.silentMs)}`]),
      ];
      return `${e.name} ${e.state}${
        why.length > 0 ? ` (${why.join(", ")})` : ""
      }`;
    }
    case "error": {
      const e = detail as LifelineClientEventMap["error"]["detail"];
      return `${e.source} ${e.code}: ${e.message}`;
    }
    case "bye": {
      const e = detail as LifelineClientEventMap["bye"]["detail"];
      return `${e.reason}${
        e.retryAfter === undefined
          ? ""
          : ` (retry after ${formatDuration(e.retryAfter)})`
      }`;
    }
    case "dead": {
      const e = detail as LifelineClientEventMap["dead"]["detail"];
      return `server declared dead: silent for ${
        formatDuration(e.silentFor)
      } (timeout ${formatDuration(e.timeout)}${
        e.handshake ? ", no welcome" : ""
      })`;
    }
    case "disconnect": {
      const e = detail as LifelineClientEventMap["disconnect"]["detail"];
      return `${e.reason}${e.message ? `: ${e.message}` : ""}`;
    }
    case "reconnecting": {
      const e = detail as LifelineClientEventMap["reconnecting"]["detail"];
      return `attempt ${e.attempt} in ${formatDuration(e.delay)}${
        e.retryAfter === undefined
          ? ""
          : ` (server asked for ${formatDuration(e.retryAfter)})`
      }`;
    }
    case "interval": {
      const e = detail as LifelineClientEventMap["interval"]["detail"];
      return `${formatDuration(e.interval)} (${e.reason})`;
    }
    case "adaptive": {
      const e = detail as LifelineClientEventMap["adaptive"]["detail"];
      return `${e.result} ${e.change}: interval ${formatDuration(e.interval)}${
        e.settled ? " settled" : ""
      }`;
    }
    case "close": {
      const e = detail as LifelineClientEventMap["close"]["detail"];
      return `${e.reason}${
        e.unsent.length > 0 ? `, ${e.unsent.length} unsent message(s)` : ""
      }`;
    }
  }
  return JSON.stringify(d);
}
