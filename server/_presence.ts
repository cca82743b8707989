/**
 * Presence scoped to watchers: who watches which name, each watched name's
 * state (online, suspect, offline), and the two deadlines that move it
 * without anyone asking: `suspectAfter` of silence, and the grace window
 * after an abrupt end. A change costs one frame per watcher of that name;
 * a name nobody watches costs nothing at all.
 *
 * @module
 */

import type { Clock, Timers } from "../common/time.ts";
import { DeadlineRegistry } from "../liveness/deadline_registry.ts";
import { DeadlineEntry } from "../liveness/_timing_wheel.ts";
import { encodeFrame } from "../protocol/encode.ts";
import type {
  OfflineReason,
  PresenceFrame,
  PresenceState,
} from "../protocol/frames.ts";
import { type Disconnect, offlineReason } from "./_disconnect.ts";
import type { SessionPresenceDetail } from "./events.ts";

/** What presence needs of a session. */
export interface PresenceMember {
  /** The registered name. */
  readonly name: string | null;
  /** Whether the client reads frames (Go-format clients read nothing). */
  readonly readsFrames: boolean;
  /** When its last complete frame arrived, on the server's clock. */
  readonly lastSeenAt: number;
  /** The record of its own name, while somebody watches it. */
  watched: Watched | null;
  /** The names it watches, once it watches any. */
  watching: Set<Watched> | null;
  /**
   * Queues text for the client.
   *
   * @param text The encoded frame.
   */
  send(text: string): void;
}

/** One watched name. */
export class Watched extends DeadlineEntry {
  /** The name. */
  readonly name: string;
  /** The sessions watching it. */
  readonly watchers: Set<PresenceMember> = new Set();
  /** The session holding the name, or `null` while nobody does. */
  holder: PresenceMember | null = null;
  /** The state watchers were last told. */
  state: PresenceState = "offline";
  /** Why it went offline (or is suspect after an abrupt end). */
  reason: OfflineReason | undefined = undefined;
  /** Whether the deadline is the grace window's (else the suspect one's). */
  inGrace = false;
  /** When its connection ended abruptly, on the server's clock. */
  endedAt = 0;

  /**
   * Creates the record of a name.
   *
   * @param name The name.
   */
  constructor(name: string) {
    super();
    this.name = name;
  }
}

/** Options of {@link Presence}. */
export interface PresenceOptions {
  /** Silence after which a watched client is suspect, in milliseconds. */
  suspectAfterMs: number;
  /** The grace window after an abrupt end, in milliseconds; 0 is off. */
  graceMs: number;
  /** The most names one session may watch. */
  maxWatches: number;
  /** The sweep period, in milliseconds. */
  tickMs: number;
  /** The clock. */
  clock: Clock;
  /** The timers of the sweep. */
  timers: Timers;
  /**
   * Finds the session holding a name.
   *
   * @param name The name.
   * @returns The session, or `undefined`.
   */
  holderOf(name: string): PresenceMember | undefined;
  /**
   * Tells the server's listeners about a change.
   *
   * @param detail The change.
   */
  changed(detail: SessionPresenceDetail): void;
}

/** What `watch` answers: nothing (done) or why not. */
export type WatchRefusal = "too_many_watches";

/** Presence scoped to watchers. */
export class Presence {
  #names = new Map<string, Watched>();
  #options: PresenceOptions;
  #suspects: DeadlineRegistry<Watched>;
  #graces: DeadlineRegistry<Watched>;

  /**
   * Creates the tracker; call {@link start} to run its deadlines.
   *
   * @param options Timings, the cap, the clock and the callbacks.
   */
  constructor(options: PresenceOptions) {
    this.#options = options;
    const registry = (horizonMs: number, onExpire: (w: Watched) => void) =>
      new DeadlineRegistry<Watched>({
        tickMs: options.tickMs,
        horizonMs,
        clock: options.clock,
        timers: options.timers,
        onExpire,
      });
    this.#suspects = registry(
      options.suspectAfterMs,
      (watched) => this.#silent(watched),
    );
    this.#graces = registry(
      Math.max(options.graceMs, options.tickMs),
      (watched) => this.#graceOver(watched),
    );
  }

  /** The number of names watched. */
  get size(): number {
    return this.#names.size;
  }

  /** Starts the deadlines' tickers. */
  start(): void {
    this.#suspects.start();
    this.#graces.start();
  }

  /** Stops the deadlines' tickers. */
  stop(): void {
    this.#suspects.stop();
    this.#graces.stop();
  }

  /**
   * A session asks to watch names: it gets the present state of each at
   * once, then every change. Refused as a whole when it would watch more
   * than the cap.
   *
   * @param member The watcher.
   * @param names Valid names.
   * @returns `undefined`, or why it was refused.
   */
  watch(member: PresenceMember, names: string[]): WatchRefusal | undefined {
    const watching = member.watching ??= new Set();
    let added = 0;
    for (const name of new Set(names)) {
      const known = this.#names.get(name);
      if (known === undefined || !known.watchers.has(member)) added++;
    }
    if (watching.size + added > this.#options.maxWatches) {
      return "too_many_watches";
    }
    for (const name of names) {
      const watched = this.#record(name);
      watched.watchers.add(member);
      watching.add(watched);
      if (member.readsFrames) member.send(encodeFrame(this.#frame(watched)));
    }
    return undefined;
  }

  /**
   * A session stops watching names (names it does not watch are ignored).
   *
   * @param member The watcher.
   * @param names The names.
   */
  unwatch(member: PresenceMember, names: string[]): void {
    const watching = member.watching;
    if (watching === null) return;
    for (const name of names) {
      const watched = this.#names.get(name);
      if (watched === undefined || !watched.watchers.delete(member)) continue;
      watching.delete(watched);
      this.#dropIfUnwatched(watched);
    }
  }

  /**
   * A session is gone: it watches nothing any more.
   *
   * @param member The session.
   */
  forget(member: PresenceMember): void {
    const watching = member.watching;
    if (watching === null) return;
    member.watching = null;
    for (const watched of watching) {
      watched.watchers.delete(member);
      this.#dropIfUnwatched(watched);
    }
  }

  /**
   * A session registered a name: if somebody watches it, they are told it
   * is online (unless it already was, as when a new connection takes over
   * the name), and its silence starts to be watched.
   *
   * @param member The session, its name set.
   */
  registered(member: PresenceMember): void {
    const watched = this.#names.get(member.name!);
    if (watched === undefined) return;
    this.#attach(watched, member);
    if (watched.state !== "online") this.#tell(watched, "online");
  }

  /**
   * A watched session sent a complete frame: its silence starts over, and
   * if it was suspect its watchers are told it is online again.
   *
   * @param member The session (its `watched` is set).
   * @param now The frame's arrival, on the server's clock.
   */
  heard(member: PresenceMember, now: number): void {
    const watched = member.watched!;
    this.#suspects.setDeadline(watched, now + this.#options.suspectAfterMs);
    if (watched.state === "suspect") this.#tell(watched, "online");
  }

  /**
   * A session that held its name ended. Watchers are told at once it is
   * offline, or, after an abrupt end with the grace window on, that it is
   * suspect until the window closes or the name comes back. A session
   * replaced by a new one of the same name changes nothing for them.
   *
   * @param member The session.
   * @param disconnect How it ended.
   */
  ended(member: PresenceMember, disconnect: Disconnect): void {
    const watched = member.watched;
    if (watched === null) return;
    member.watched = null;
    if (watched.holder === member) watched.holder = null;
    this.#suspects.remove(watched);
    if (disconnect.reason === "replaced" || !disconnect.announce) return;
    const reason = offlineReason(disconnect.reason);
    if (disconnect.abrupt && this.#options.graceMs > 0) {
      const now = this.#options.clock.now();
      watched.endedAt = member.lastSeenAt;
      watched.inGrace = true;
      this.#graces.setDeadline(watched, now + this.#options.graceMs);
      if (watched.state !== "suspect") {
        this.#tell(watched, "suspect", reason, now - member.lastSeenAt);
      }
      watched.reason = reason;
      return;
    }
    this.#tell(watched, "offline", reason);
  }

  /**
   * How many sessions watch a session's name.
   *
   * @param member The session.
   * @returns The count.
   */
  watchersOf(member: PresenceMember): number {
    return member.watched?.watchers.size ?? 0;
  }

  #record(name: string): Watched {
    let watched = this.#names.get(name);
    if (watched !== undefined) return watched;
    watched = new Watched(name);
    this.#names.set(name, watched);
    const holder = this.#options.holderOf(name);
    if (holder !== undefined) {
      this.#attach(watched, holder);
      const silent = this.#options.clock.now() - holder.lastSeenAt;
      watched.state = silent > this.#options.suspectAfterMs
        ? "suspect"
        : "online";
    }
    return watched;
  }

  #attach(watched: Watched, member: PresenceMember): void {
    if (watched.inGrace) {
      watched.inGrace = false;
      this.#graces.remove(watched);
    }
    watched.holder = member;
    watched.reason = undefined;
    member.watched = watched;
    this.#suspects.setDeadline(
      watched,
      member.lastSeenAt + this.#options.suspectAfterMs,
    );
  }

  #silent(watched: Watched): void {
    const holder = watched.holder;
    if (holder === null || watched.state === "suspect") return;
    this.#tell(
      watched,
      "suspect",
      undefined,
      this.#options.clock.now() - holder.lastSeenAt,
    );
  }

  #graceOver(watched: Watched): void {
    watched.inGrace = false;
    this.#tell(watched, "offline", watched.reason);
    this.#dropIfUnwatched(watched);
  }

  #dropIfUnwatched(watched: Watched): void {
    if (watched.watchers.size > 0) return;
    this.#names.delete(watched.name);
    if (watched.inGrace) {
      watched.inGrace = false;
      this.#graces.remove(watched);
    } else {
      this.#suspects.remove(watched);
    }
    const holder = watched.holder;
    if (holder !== null && holder.watched === watched) holder.watched = null;
    watched.holder = null;
  }

  /** The frame of a watched name's present state, for a snapshot. */
  #frame(watched: Watched): PresenceFrame {
    const state = watched.state;
    if (state === "suspect") {
      const silentFrom = watched.holder?.lastSeenAt ?? watched.endedAt;
      return presenceFrame(
        watched.name,
        state,
        watched.reason,
        this.#options.clock.now() - silentFrom,
      );
    }
    return presenceFrame(
      watched.name,
      state,
      state === "offline" ? watched.reason : undefined,
    );
  }

  #tell(
    watched: Watched,
    state: PresenceState,
    reason?: OfflineReason,
    silentMs?: number,
  ): void {
    watched.state = state;
    if (state === "offline") watched.reason = reason;
    const frame = presenceFrame(watched.name, state, reason, silentMs);
    const text = encodeFrame(frame);
    for (const watcher of watched.watchers) {
      if (watcher.readsFrames) watcher.send(text);
    }
    const { type: _, ...detail } = frame;
    this.#options.changed(detail);
  }
}

function presenceFrame(
  name: string,
  state: PresenceState,
  reason?: OfflineReason,
  silentMs?: number,
): PresenceFrame {
  const frame: PresenceFrame = { type: "presence", name, state };
  if (reason !== undefined) frame.reason = reason;
  if (silentMs !== undefined) {
    frame.silentMs = Math.max(0, Math.round(silentMs));
  }
  return frame;
}
