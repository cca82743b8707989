/**
 * The server CLI's log: one line per record, for people (`text`, a
 * timestamp and a sentence) or for programs (`json`, one object per line
 * with a stable `event` field; see `docs/server.md`). Programs read the
 * JSON form only: the wording of the text form may change in any release.
 *
 * @module
 */

import type { WorkerRecord } from "./_workers.ts";
import { formatDuration } from "../common/duration.ts";
import type { TransportAddr } from "../transport/types.ts";

/** The log's format. */
export type LogFormat = "text" | "json";

/** What the log records, by `event`. */
export type LogRecord =
  | {
    event: "listening";
    address: TransportAddr;
    transport: string;
    transportDetail?: string;
    tls?: boolean;
    interval: number;
    timeout: number;
    tick: number;
    maxConnections: number | null;
  }
  | { event: "warning"; message: string }
  | {
    event: "connect";
    id: string;
    name: string;
    protocol: string;
    remoteAddr: TransportAddr;
  }
  | { event: "disconnect"; id: string; name: string; reason: string }
  | {
    event: "timeout";
    id: string;
    name: string | null;
    remoteAddr: TransportAddr;
    silentMs: number;
  }
  | { event: "heartbeat"; id: string; name: string; seq?: number }
  | { event: "shutdown"; signal: string; connections: number; drain?: number }
  | { event: "admin"; address: TransportAddr }
  | { event: "websocket"; address: TransportAddr }
  | { event: "forced"; reason: string }
  | { event: "cluster"; nodeId: string; available: boolean; reason: string }
  | WorkerRecord
  | { event: "log_dropped"; dropped: number }
  | { event: "tls_reload"; cert: string; subject: string; validTo: string }
  | { event: "stopped" };

/**
 * Formats an address as `host:port`, with IPv6 hosts in brackets.
 *
 * @param addr The address.
 * @returns The text.
 */
export function formatAddress(addr: TransportAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function sentence(record: LogRecord): string | null {
  switch (record.event) {
    case "listening":
      return `listening on ${
        formatAddress(record.address)
      } (transport ${record.transport}${
        record.transportDetail ? ` on ${record.transportDetail}` : ""
      }, interval ${formatDuration(record.interval)}, silence limit ${
        formatDuration(record.timeout)
      }, tick ${formatDuration(record.tick)}, ${
        record.maxConnections === null
          ? "no client limit"
          : `at most ${record.maxConnections} clients`
      })`;
    case "warning":
      return `warning: ${record.message}`;
    case "connect":
      return `connect ${record.name} from ${
        formatAddress(record.remoteAddr)
      } (${record.protocol}, id ${record.id})`;
    case "disconnect":
      // A timeout has a line of its own.
      return record.reason === "timeout"
        ? null
        : `disconnect ${record.name} (${record.reason})`;
    case "timeout":
      return `timeout ${
        record.name ?? `connection ${record.id} (no hello)`
      } from ${formatAddress(record.remoteAddr)}: silent for ${
        formatDuration(record.silentMs)
      }`;
    case "heartbeat":
      return `heartbeat ${record.name}${
        record.seq === undefined ? "" : ` seq ${record.seq}`
      }`;
    case "shutdown":
      return `shutting down (${record.signal}), ${record.connections} connections${
        record.drain ? `, draining over ${formatDuration(record.drain)}` : ""
      }`;
    case "admin":
      return `admin endpoint on http://${
        formatAddress(record.address)
      }/ (metrics, health, dashboard)`;
    case "websocket":
      return `WebSocket clients on ws://${formatAddress(record.address)}/`;
    case "forced":
      return `forced exit: ${record.reason}`;
    case "tls_reload":
      return `TLS certificate reloaded from ${record.cert} (${record.subject}, valid to ${record.validTo}): new connections get it`;
    case "log_dropped":
      return `log: ${record.dropped} lines dropped, the log output did not keep up`;
    case "stopped":
      return "stopped";
    case "cluster":
      return `cluster ${
        record.available ? "available" : "unavailable (degraded)"
      } for node ${record.nodeId}: ${record.reason}`;
    case "worker":
      return `worker ${record.worker} (${record.nodeId}) ${record.state}${
        record.pid === undefined ? "" : `, pid ${record.pid}`
      }${record.code === undefined ? "" : `, code ${record.code}`}${
        record.delayMs === undefined
          ? ""
          : ` in ${formatDuration(record.delayMs)}`
      }`;
  }
}

/**
 * Formats one record as a log line (without the newline), or `null` when
 * the format leaves it out (the text form has no line for a timeout's
 * disconnect, which its timeout line already tells).
 *
 * @param format `text` or `json`.
 * @param record The record.
 * @param at When it happened, in epoch milliseconds.
 * @returns The line, or `null`.
 */
export function formatLogLine(
  format: LogFormat,
  record: LogRecord,
  at: number,
): string | null {
  const time = new Date(at).toISOString();
  if (format === "json") return JSON.stringify({ time, ...record });
  const text = sentence(record);
  return text === null ? null : `${time} ${text}`;
}
