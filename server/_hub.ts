/**
 * The hub: the registry of named sessions (centrifuge's `hub.go`). Adds and
 * removes names, finds a session by name, writes a frame to every session,
 * and counts; who watches whom is its `Presence` (`_presence.ts`), and the
 * other servers are its cluster adapter (`cluster/`).
 *
 * @module
 */

import type { ClusterAdapter } from "../cluster/types.ts";
import {
  Presence,
  type PresenceMember,
  type PresenceOptions,
} from "./_presence.ts";

/** What the hub needs of a session: what its presence needs. */
export type HubMember = PresenceMember;

/** The registry of named sessions. */
export class Hub<M extends HubMember> {
  #names = new Map<string, M>();
  /** Who watches which name, and each watched name's state. */
  readonly presence: Presence;
  /** The other servers, if any. */
  readonly cluster: ClusterAdapter;

  /**
   * Creates an empty hub.
   *
   * @param presence The presence options (with the cluster), without the
   * lookup of names.
   */
  constructor(presence: Omit<PresenceOptions, "holderOf">) {
    this.cluster = presence.cluster;
    this.presence = new Presence({
      ...presence,
      holderOf: (name) => this.#names.get(name),
    });
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
}
