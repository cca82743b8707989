/**
 * The last few connects, timeouts and disconnects of a server, for the
 * dashboard's event list: a ring that keeps the newest.
 *
 * @module
 */

import type {
  LifelineServer,
  SessionCloseDetail,
  SessionInfo,
  SessionTimeoutDetail,
} from "../server/mod.ts";

/** One event, as the dashboard shows it. */
export interface RecentEvent {
  /** Increases by one per event: a page asks for those after the last it saw. */
  seq: number;
  /** When, in epoch milliseconds. */
  time: number;
  /** What happened. */
  kind: "connect" | "timeout" | "disconnect";
  /** The connection's id. */
  id: string;
  /** The client's name, or `null` for a connection that never said hello. */
  name: string | null;
  /** With `connect`: the wire protocol. */
  protocol?: string;
  /** With `disconnect`: why. */
  reason?: string;
  /** With `timeout`: how long it had been silent, in milliseconds. */
  silentMs?: number;
}

/** A ring of a server's latest events; listens until disposed. */
export class RecentEvents {
  #events: RecentEvent[] = [];
  #seq = 0;
  #limit: number;
  #dispose: () => void;

  /**
   * Starts listening to a server.
   *
   * @param server The server.
   * @param limit How many events to keep.
   */
  constructor(server: LifelineServer, limit: number) {
    this.#limit = limit;
    const onConnect = (e: CustomEvent<SessionInfo>) => {
      const c = e.detail;
      this.#push({
        kind: "connect",
        id: c.id,
        name: c.name,
        protocol: c.protocol,
      });
    };
    const onTimeout = (e: CustomEvent<SessionTimeoutDetail>) => {
      const d = e.detail;
      this.#push({
        kind: "timeout",
        id: d.id,
        name: d.client?.name ?? null,
        silentMs: Math.round(d.silentMs),
      });
    };
    const onClose = (e: CustomEvent<SessionCloseDetail>) => {
      const { client, reason } = e.detail;
      // A timeout has an event of its own.
      if (reason === "timeout") return;
      this.#push({
        kind: "disconnect",
        id: client.id,
        name: client.name,
        reason,
      });
    };
    server.addEventListener("connect", onConnect);
    server.addEventListener("timeout", onTimeout);
    server.addEventListener("close", onClose);
    this.#dispose = () => {
      server.removeEventListener("connect", onConnect);
      server.removeEventListener("timeout", onTimeout);
      server.removeEventListener("close", onClose);
    };
  }

  /** The sequence number of the newest event (0 before any). */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * The events newer than a sequence number, oldest first.
   *
   * @param seq The last one seen; `0` for all kept.
   * @returns The events.
   */
  since(seq: number): RecentEvent[] {
    return this.#events.filter((e) => e.seq > seq);
  }

  /** Stops listening. */
  dispose(): void {
    this.#dispose();
  }

  #push(event: Omit<RecentEvent, "seq" | "time">): void {
    this.#events.push({ seq: ++this.#seq, time: Date.now(), ...event });
    if (this.#events.length > this.#limit) this.#events.shift();
  }
}
