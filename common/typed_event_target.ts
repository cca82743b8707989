/**
 * An `EventTarget` whose events are typed by an event map, and which can tell
 * whether anyone listens to a type (so a hot path can skip building events
 * nobody will see).
 *
 * @module
 */

/**
 * A listener for one event type of a {@link TypedEventTarget}: a function or
 * an object with `handleEvent`.
 *
 * @typeParam E The event type the listener receives.
 */
export type TypedListener<E extends Event> =
  | ((event: E) => void)
  | { handleEvent(event: E): void };

/**
 * An `EventTarget` with typed `addEventListener`/`removeEventListener` for the
 * events of `M`, a protected `emit()` that dispatches a `CustomEvent`, and a
 * protected `hasListeners()`. The server and the client extend it.
 *
 * `hasListeners()` may answer `true` after a `{ once: true }` listener has
 * fired or a listener's `signal` aborted: it only saves work, never loses an
 * event.
 *
 * @typeParam M The event map: event type to `CustomEvent<Detail>`.
 *
 * @example Extend it with an event map
 * ```ts
 * import { TypedEventTarget } from "@lifeline/lifeline";
 * interface TickEvents {
 *   tick: CustomEvent<{ n: number }>;
 * }
 * class Ticker extends TypedEventTarget<TickEvents> {
 *   tick(n: number): void {
 *     if (this.hasListeners("tick")) this.emit("tick", { n });
 *   }
 * }
 * const ticker = new Ticker();
 * ticker.addEventListener("tick", (event) => console.log(event.detail.n));
 * ticker.tick(1); // 1
 * ```
 */
export class TypedEventTarget<M extends { [K in keyof M]: CustomEvent }>
  extends EventTarget {
  #listening = new Map<string, Set<unknown>>();

  /**
   * Adds a listener for one of the typed events.
   *
   * @param type The event type.
   * @param listener The listener.
   * @param options As for `EventTarget.addEventListener`.
   */
  override addEventListener<K extends keyof M & string>(
    type: K,
    listener: TypedListener<M[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /**
   * Adds a listener for any event type.
   *
   * @param type The event type.
   * @param listener The listener.
   * @param options As for `EventTarget.addEventListener`.
   */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener !== null) {
      let set = this.#listening.get(type);
      if (set === undefined) this.#listening.set(type, set = new Set());
      set.add(listener);
    }
    super.addEventListener(type, listener, options);
  }

  /**
   * Removes a listener added with `addEventListener`.
   *
   * @param type The event type.
   * @param listener The listener.
   * @param options As for `EventTarget.removeEventListener`.
   */
  override removeEventListener<K extends keyof M & string>(
    type: K,
    listener: TypedListener<M[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  /**
   * Removes a listener for any event type.
   *
   * @param type The event type.
   * @param listener The listener.
   * @param options As for `EventTarget.removeEventListener`.
   */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    this.#listening.get(type)?.delete(listener);
    super.removeEventListener(type, listener, options);
  }

  /**
   * Tells whether a listener was added for an event type and not removed.
   *
   * @param type The event type.
   * @returns `true` when dispatching `type` may reach a listener.
   */
  protected hasListeners(type: keyof M & string): boolean {
    const set = this.#listening.get(type);
    return set !== undefined && set.size > 0;
  }

  /**
   * Dispatches a `CustomEvent` of a typed event.
   *
   * @param type The event type.
   * @param detail The event's detail.
   */
  protected emit<K extends keyof M & string>(
    type: K,
    detail: M[K]["detail"],
  ): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
