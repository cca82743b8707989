/**
 * Presence scoped to watchers: who watches which name, each watched name's
 * state (online, suspect, offline), and the two deadlines that move it
 * without anyone asking: `suspectAfter` of silence, and the grace window
 * after an abrupt end. A change costs one frame per watcher of that name;
 * a name nobody watches costs nothing at all.
 *
 * In a cluster, the node holding a name owns its state: it tracks the
 * deadlines (when the name is watched here or on another node) and
 * publishes every change through the cluster adapter; the other nodes
 * apply what it publishes to their own watchers, in version order.
 *
 * @module
 */

import type { ClusterAdapter, ClusterPresence } from "../cluster/types.ts";
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
import { WatchSet } from "./_watch_set.ts";

/** What presence needs of a session. */
export interface PresenceMember {
  /** The session's id, unique on this server. */
  readonly id: string;
  /** The registered name. */
  readonly name: string | null;
  /** Whether the client reads frames (Go-format clients read nothing). */
  readonly readsFrames: boolean;
  /** When its last complete frame arrived, on the server's clock. */
  readonly lastSeenAt: number;
  /** The record of its own name, while somebody watches it. */
  watched: Watched | null;
  /** The names it watches, once it watches any. */
  watching: WatchSet<Watched> | null;
  /**
   * Queues text for the client.
   *
   * @param text The encoded frame.
   */
  send(text: string): void;
  /**
   * Tells the client something went wrong with its request.
   *
   * @param message What, for people.
   */
  clusterUnavailable(message: string): void;
}

/** One watched name. */
export class Watched extends DeadlineEntry {
  /** The name. */
  readonly name: string;
  /** The sessions here watching it. */
  readonly watchers: WatchSet<PresenceMember> = new WatchSet();
  /** The session here holding the name, or `null`. */
  holder: PresenceMember | null = null;
  /** The state watchers were last told. */
  state: PresenceState = "offline";
  /** Why it went offline (or is suspect after an abrupt end). */
  reason: OfflineReason | undefined = undefined;
  /** Whether the deadline is the grace window's (else the suspect one's). */
  inGrace = false;
  /** When its connection ended abruptly, on the server's clock. */
  endedAt = 0;
  /** The id of the last session here that held it (for the cluster). */
  sessionId = "";
  /** Whether another node watches it (so changes here are published). */
  remoteInterest = false;
  /** The version of the last change applied from another node. */
  version = 0;
  /** Watchers here still waiting for the name's state from the cluster. */
  awaiting: PresenceMember[] | null = null;

  /**
   * Creates the record of a name.
   *
   * @param name The name.
   */
  constructor(name: string) {
    super();
    this.name = name;
  }

  /** Whether this node owns the state: it holds the name, or just did. */
  get owned(): boolean {
    return this.holder !== null || this.inGrace;
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
  /** The other servers, if any. */
  cluster: ClusterAdapter;
  /**
   * Finds the session holding a name here.
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
  #cluster: ClusterAdapter;
  #suspects: DeadlineRegistry<Watched>;
  #graces: DeadlineRegistry<Watched>;

  /**
   * Creates the tracker; call {@link start} to run its deadlines.
   *
   * @param options Timings, the cap, the clock, the cluster and callbacks.
   */
  constructor(options: PresenceOptions) {
    this.#options = options;
    this.#cluster = options.cluster;
    const registry = (horizonMs: number, onExpire: (w: Watched) => void) =>
      new DeadlineRegistry<Watched>({
        tickMs: options.tickMs,
        horizonMs,
        clock: options.clock,
        timers: options.timers,
        onExpire,
        // As for liveness: after a freeze, read before calling anyone silent.
        stallMs: Math.max(1000, 2 * options.tickMs),
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

  /** The number of names watched (here or, for names held here, elsewhere). */
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
   * once (for names held on another node, as soon as the cluster answers),
   * then every change. Refused as a whole when it would watch more than
   * the cap.
   *
   * @param member The watcher.
   * @param names Valid names.
   * @returns `undefined`, or why it was refused.
   */
  watch(member: PresenceMember, names: string[]): WatchRefusal | undefined {
    const watching = member.watching ??= new WatchSet();
    let added = 0;
    for (const name of new Set(names)) {
      const known = this.#names.get(name);
      if (known === undefined || !known.watchers.has(member)) added++;
    }
    if (watching.size + added > this.#options.maxWatches) {
      return "too_many_watches";
    }
    const remote: Watched[] = [];
    for (const name of names) {
      const fresh = !this.#names.has(name);
      const watched = this.#record(name);
      watched.watchers.add(member);
      watching.add(watched);
      if (fresh && !watched.owned && this.#cluster.distributed) {
        watched.awaiting = [member];
        remote.push(watched);
      } else if (watched.awaiting !== null) {
        watched.awaiting.push(member);
      } else if (member.readsFrames) {
        member.send(encodeFrame(this.#frame(watched)));
      }
    }
    if (remote.length > 0) void this.#watchRemote(remote);
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
    // Watching nothing costs nothing.
    if (watching.size === 0) member.watching = null;
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
   * A session registered a name: the cluster learns it is held here; if
   * somebody watches it, they are told it is online (unless it already
   * was, as when a new connection takes over the name), and its silence
   * starts to be watched.
   *
   * @param member The session, its name set.
   */
  registered(member: PresenceMember): void {
    const name = member.name!;
    const watched = this.#names.get(name);
    if (watched !== undefined) {
      this.#attach(watched, member);
      if (watched.state !== "online") this.#tell(watched, "online", false);
    }
    if (!this.#cluster.distributed) return;
    void this.#cluster.claim(name, member.id).then((interest) => {
      if (interest && member.name !== null) this.interest(name);
    });
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
   * replaced by a new one of the same name changes nothing for them. In a
   * cluster, the name is released (or, in the grace window, kept).
   *
   * @param member The session.
   * @param disconnect How it ended.
   */
  ended(member: PresenceMember, disconnect: Disconnect): void {
    const watched = member.watched;
    const reason = offlineReason(disconnect.reason);
    if (watched === null) {
      // Watched nowhere: only the cluster must hear that the name is free.
      if (disconnect.reason !== "replaced" && this.#cluster.distributed) {
        this.#cluster.publish(
          { name: member.name!, state: "offline", reason },
          member.id,
        );
      }
      return;
    }
    member.watched = null;
    if (watched.holder === member) watched.holder = null;
    this.#suspects.remove(watched);
    if (disconnect.reason === "replaced") return;
    if (!disconnect.announce) {
      // Nobody here is told (everyone here is leaving); the cluster is.
      if (this.#cluster.distributed) {
        this.#cluster.publish(
          { name: watched.name, state: "offline", reason },
          member.id,
        );
      }
      watched.state = "offline";
      watched.reason = reason;
      this.#dropIfUnwatched(watched);
      return;
    }
    if (disconnect.abrupt && this.#options.graceMs > 0) {
      const now = this.#options.clock.now();
      watched.endedAt = member.lastSeenAt;
      watched.inGrace = true;
      this.#graces.setDeadline(watched, now + this.#options.graceMs);
      if (watched.state !== "suspect") {
        this.#tell(watched, "suspect", true, reason, now - member.lastSeenAt);
      }
      watched.reason = reason;
      return;
    }
    this.#tell(watched, "offline", true, reason);
    this.#dropIfUnwatched(watched);
  }

  /**
   * How many sessions here watch a session's name.
   *
   * @param member The session.
   * @returns The count.
   */
  watchersOf(member: PresenceMember): number {
    return member.watched?.watchers.size ?? 0;
  }

  // --- the cluster's side ---

  /**
   * Another node published a change of a name watched here: applied if it
   * is newer than what was applied before.
   *
   * @param change The change.
   */
  remote(change: ClusterPresence): void {
    const watched = this.#names.get(change.name);
    if (watched === undefined || watched.owned) return;
    if (change.version !== 0 && change.version <= watched.version) return;
    if (change.version !== 0) watched.version = change.version;
    this.#answer(watched, change);
  }

  /**
   * Another node watches a name: if it is held here, its state is tracked
   * and published from now on.
   *
   * @param name The name.
   */
  interest(name: string): void {
    const holder = this.#options.holderOf(name);
    if (holder === undefined) return;
    const watched = this.#record(name);
    watched.remoteInterest = true;
  }

  /**
   * A name held here in the grace window was taken by a session on another
   * node: the window closes without a word (the new holder publishes).
   *
   * @param name The name.
   */
  takenElsewhere(name: string): void {
    const watched = this.#names.get(name);
    if (watched === undefined || !watched.inGrace) return;
    watched.inGrace = false;
    this.#graces.remove(watched);
    this.#dropIfUnwatched(watched);
  }

  /**
   * The names watched here that are held elsewhere, for the cluster to
   * watch again after it reconnects.
   *
   * @returns The names.
   */
  remoteNames(): string[] {
    const names: string[] = [];
    for (const watched of this.#names.values()) {
      if (!watched.owned && watched.watchers.size > 0) names.push(watched.name);
    }
    return names;
  }

  async #watchRemote(records: Watched[]): Promise<void> {
    const states = await this.#cluster.watch(records.map((w) => w.name));
    for (let i = 0; i < records.length; i++) {
      const watched = records[i];
      const waiting = watched.awaiting;
      if (waiting === null) continue;
      if (states === undefined) {
        watched.awaiting = null;
        for (const member of waiting) {
          member.clusterUnavailable(
            `Cannot learn the state of "${watched.name}": the cluster cannot be reached; it follows once it can`,
          );
        }
        continue;
      }
      const change = states[i];
      // A change that arrived meanwhile is newer than the snapshot.
      if (watched.version === 0 || change.version > watched.version) {
        watched.state = change.state;
        watched.reason = change.reason;
        watched.version = change.version;
      }
      watched.awaiting = null;
      const frame = encodeFrame(this.#frame(watched, change.silentMs));
      for (const member of waiting) {
        if (member.readsFrames && watched.watchers.has(member)) {
          member.send(frame);
        }
      }
    }
  }

  /** Applies another node's change to the watchers here. */
  #answer(watched: Watched, change: ClusterPresence): void {
    if (watched.awaiting !== null) {
      // The snapshot is on its way: this change is newer, and will be what
      // it says.
      watched.state = change.state;
      watched.reason = change.reason;
      return;
    }
    if (
      change.state === watched.state &&
      (change.state !== "offline" || change.reason === watched.reason)
    ) {
      return;
    }
    this.#tell(
      watched,
      change.state,
      false,
      change.reason,
      change.silentMs,
    );
  }

  // --- records ---

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
    watched.sessionId = member.id;
    watched.reason = undefined;
    watched.awaiting = null;
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
      true,
      undefined,
      this.#options.clock.now() - holder.lastSeenAt,
    );
  }

  #graceOver(watched: Watched): void {
    watched.inGrace = false;
    this.#tell(watched, "offline", true, watched.reason);
    this.#dropIfUnwatched(watched);
  }

  #dropIfUnwatched(watched: Watched): void {
    if (watched.watchers.size > 0) return;
    if (watched.remoteInterest && watched.owned) return;
    this.#names.delete(watched.name);
    if (!watched.owned && this.#cluster.distributed) {
      this.#cluster.unwatch([watched.name]);
    }
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
  #frame(watched: Watched, silentMs?: number): PresenceFrame {
    const state = watched.state;
    if (state === "suspect") {
      const silentFrom = watched.holder?.lastSeenAt ?? watched.endedAt;
      return presenceFrame(
        watched.name,
        state,
        watched.reason,
        silentMs ??
          (watched.owned ? this.#options.clock.now() - silentFrom : undefined),
      );
    }
    return presenceFrame(
      watched.name,
      state,
      state === "offline" ? watched.reason : undefined,
    );
  }

  /**
   * Tells the watchers here of a change and, for a name this node owns,
   * the cluster (`publish`: false when the cluster already knows, as for a
   * claim, or when the change came from it).
   */
  #tell(
    watched: Watched,
    state: PresenceState,
    publish = true,
    reason?: OfflineReason,
    silentMs?: number,
  ): void {
    watched.state = state;
    if (state === "offline") watched.reason = reason;
    const frame = presenceFrame(watched.name, state, reason, silentMs);
    if (publish && this.#cluster.distributed) {
      const { type: _, ...change } = frame;
      this.#cluster.publish(change, watched.sessionId);
    }
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
