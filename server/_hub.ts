/**
 * The hub: the registry of named sessions and nothing else (centrifuge's
 * `hub.go`). Adds and removes names, finds a session by name, writes a
 * frame to one session or to every session, tells clients about each
 * other's presence, and counts.
 *
 * @module
 */

import { encodeFrame } from "../protocol/encode.ts";
import type { OfflineReason, PresenceFrame } from "../protocol/frames.ts";

/** What the hub needs of a session. */
export interface HubMember {
  /** The registered name (set before {@link Hub.add}). */
  readonly name: string | null;
  /** Whether the client reads frames (Go-format clients read nothing). */
  readonly readsFrames: boolean;
  /**
   * Queues text for the client.
   *
   * @param text The frame(s), encoded.
   */
  send(text: string): void;
}

/** The registry of named sessions. */
export class Hub<M extends HubMember> {
  #names = new Map<string, M>();
  #presenceLimit: number;

  /**
   * Creates an empty hub.
   *
   * @param presenceLimit `presence` frames go out only while at most this
   * many clients are registered: beyond that, telling everyone about
   * everyone costs the square of the number of clients.
   */
  constructor(presenceLimit: number) {
    this.#presenceLimit = presenceLimit;
  }

  /** The number of registered sessions. */
  get size(): number {
    return this.#names.size;
  }

  /**
   * The session registered under a name.
   *
   * @param name The name.
   * @returns The session, or `undefined`.
   */
  get(name: string): M | undefined {
    return this.#names.get(name);
  }

  /**
   * Registers a session under its name. The caller has closed any session
   * that held the name before.
   *
   * @param member The session, with its name set.
   */
  add(member: M): void {
    this.#names.set(member.name!, member);
  }

  /**
   * Unregisters a session, if it still holds its name.
   *
   * @param member The session.
   * @returns Whether it was registered.
   */
  remove(member: M): boolean {
    const name = member.name;
    if (name === null || this.#names.get(name) !== member) return false;
    this.#names.delete(name);
    return true;
  }

  /** The registered sessions, in registration order. */
  members(): IterableIterator<M> {
    return this.#names.values();
  }

  /**
   * Writes text to every registered session that reads frames, except one.
   *
   * @param from The session left out (the sender), or `null`.
   * @param text The encoded frame.
   */
  broadcast(from: M | null, text: string): void {
    for (const member of this.#names.values()) {
      if (member !== from && member.readsFrames) member.send(text);
    }
  }

  /**
   * Tells the other clients that a client came online or went offline,
   * while few enough are registered (see the constructor).
   *
   * @param member The client.
   * @param state Its new state.
   * @param reason Why it went offline.
   */
  announce(
    member: M,
    state: "online" | "offline",
    reason?: OfflineReason,
  ): void {
    if (this.#names.size > this.#presenceLimit) return;
    const frame: PresenceFrame = reason === undefined
      ? { type: "presence", name: member.name!, state }
      : { type: "presence", name: member.name!, state, reason };
    this.broadcast(member, encodeFrame(frame));
  }
}
