/**
 * The page events after which a client must look again at once instead of
 * at its next timer: the page is shown again, the network is back, the
 * page resumes from frozen or from the back/forward cache.
 *
 * @module
 */

/** An event target, as `window` and `document` are. */
export interface PageEventTarget {
  /**
   * Adds a listener.
   *
   * @param type The event type.
   * @param listener The listener.
   */
  addEventListener(type: string, listener: () => void): void;
  /**
   * Removes a listener.
   *
   * @param type The event type.
   * @param listener The listener.
   */
  removeEventListener(type: string, listener: () => void): void;
}

/** What the client reads of a `document`. */
export interface PageDocument extends PageEventTarget {
  /** `"visible"` or `"hidden"`. */
  readonly visibilityState: string;
}

/** The page a client watches: its `window` and its `document`. */
export interface PageEvents {
  /** Where `online`, `offline` and `pageshow` fire (`window`). */
  window: PageEventTarget;
  /** Where `visibilitychange`, `freeze` and `resume` fire (`document`). */
  document?: PageDocument;
}

/**
 * Calls `wake` on every event after which the page may have been away:
 * `visibilitychange` to visible, `online`, `offline`, `pageshow`,
 * `resume`. (`freeze` needs nothing: a frozen page runs nothing, and
 * `resume` follows it.)
 *
 * @param page The window and document.
 * @param wake What to call.
 * @returns A function that stops watching.
 *
 * @example
 * ```ts
 * import { watchPage } from "./_page_lifecycle.ts";
 * const window = new EventTarget();
 * let woken = 0;
 * const stop = watchPage({ window }, () => woken++);
 * window.dispatchEvent(new Event("online"));
 * stop();
 * window.dispatchEvent(new Event("online"));
 * console.log(woken); // 1
 * ```
 */
export function watchPage(page: PageEvents, wake: () => void): () => void {
  const onWindow = () => wake();
  const document = page.document;
  const onVisibility = () => {
    if (document?.visibilityState === "visible") wake();
  };
  const windowEvents = ["online", "offline", "pageshow"];
  for (const type of windowEvents) page.window.addEventListener(type, onWindow);
  document?.addEventListener("visibilitychange", onVisibility);
  document?.addEventListener("resume", onWindow);
  return () => {
    for (const type of windowEvents) {
      page.window.removeEventListener(type, onWindow);
    }
    document?.removeEventListener("visibilitychange", onVisibility);
    document?.removeEventListener("resume", onWindow);
  };
}

/**
 * The page this code runs in, if any: `globalThis` and its `document`.
 *
 * @returns The page, or `undefined` outside a page (a worker, Deno).
 *
 * @example
 * ```ts
 * import { currentPage } from "./_page_lifecycle.ts";
 * console.log(currentPage()); // undefined (Deno has no document)
 * ```
 */
export function currentPage(): PageEvents | undefined {
  const global = globalThis as unknown as {
    document?: PageDocument;
    addEventListener?: PageEventTarget["addEventListener"];
  };
  if (global.document === undefined) return undefined;
  return {
    window: globalThis as unknown as PageEventTarget,
    document: global.document,
  };
}
