/**
 * The set behind each side of a watch: the names a session watches, and
 * the sessions watching a name. Most hold a handful, so it is an array
 * until it passes {@link SMALL_SET_MAX} and a `Set` from then on: a `Set`'s
 * hash table costs several times an array's slots for ten members, and
 * presence pays it twice per watch pair. The array grows by `push` (room
 * for 17 at the first member): an exact-size copy per member was smaller
 * after a full GC but left so much garbage in the old space that the
 * process's RSS grew more than with `Set`s (see docs/performance.md).
 *
 * @module
 */

/** Members kept in an array before the set becomes a `Set`. */
export const SMALL_SET_MAX = 16;

/**
 * A set of object references, compact while small.
 *
 * @typeParam T The members' type.
 *
 * @example
 * ```ts
 * import { WatchSet } from "./_watch_set.ts";
 * const a = {}, b = {};
 * const set = new WatchSet<object>();
 * set.add(a);
 * set.add(b);
 * set.add(a);
 * set.delete(b);
 * console.log(set.size, set.has(a), set.has(b)); // 1 true false
 * ```
 */
export class WatchSet<T> {
  #items: T[] | Set<T> = [];

  /** The number of members. */
  get size(): number {
    const items = this.#items;
    return Array.isArray(items) ? items.length : items.size;
  }

  /**
   * Whether it holds a member.
   *
   * @param item The member.
   * @returns Whether it is in the set.
   */
  has(item: T): boolean {
    const items = this.#items;
    return Array.isArray(items) ? items.includes(item) : items.has(item);
  }

  /**
   * Adds a member, once.
   *
   * @param item The member.
   */
  add(item: T): void {
    const items = this.#items;
    if (!Array.isArray(items)) {
      items.add(item);
    } else if (!items.includes(item)) {
      if (items.length < SMALL_SET_MAX) items.push(item);
      else this.#items = new Set(items).add(item);
    }
  }

  /**
   * Removes a member.
   *
   * @param item The member.
   * @returns Whether it was in the set.
   */
  delete(item: T): boolean {
    const items = this.#items;
    if (!Array.isArray(items)) return items.delete(item);
    const at = items.indexOf(item);
    if (at < 0) return false;
    // Order does not matter: the last one takes the free place.
    const last = items.pop()!;
    if (at < items.length) items[at] = last;
    return true;
  }

  /**
   * The members. Deleting members while iterating is safe (a small set is
   * iterated over a copy, a `Set` allows it).
   *
   * @returns An iterator over the members.
   */
  [Symbol.iterator](): Iterator<T> {
    const items = this.#items;
    return Array.isArray(items)
      ? items.slice()[Symbol.iterator]()
      : items[Symbol.iterator]();
  }
}
