/**
 * The client's token: the one it was given, renewed through its
 * `refreshToken` callback before a connection when it is about to expire,
 * and on a live connection at four fifths of its lifetime (sent to the
 * server as `refresh`).
 *
 * @module
 */

import { tokenExpiry } from "../auth/token_expiry.ts";
import type { Clock, Timers } from "../common/time.ts";

/** Renews with this fraction of the lifetime left. */
const RENEW_WITH_LEFT = 0.2;

/** The client's token and its renewal. */
export class TokenKeeper {
  #token: string | undefined;
  #refresh: (() => string | Promise<string>) | undefined;
  #clock: { wall(): number };
  #timers: Timers;
  #timer: unknown = undefined;
  // When the current token was obtained, in epoch milliseconds.
  #since: number;

  /**
   * Keeps a token.
   *
   * @param token The first token.
   * @param refresh Gets a fresh one.
   * @param timers For the renewal on a live connection.
   * @param wall The wall clock (token expiries are wall-clock times).
   */
  constructor(
    token: string | undefined,
    refresh: (() => string | Promise<string>) | undefined,
    timers: Timers,
    wall: Clock = { now: Date.now },
  ) {
    this.#token = token;
    this.#refresh = refresh;
    this.#timers = timers;
    this.#clock = { wall: () => wall.now() };
    this.#since = this.#clock.wall();
  }

  /**
   * The token for a new connection: renewed first when it is missing or in
   * the last fifth of its lifetime and a `refreshToken` callback exists.
   *
   * @returns The token, or `undefined` without one.
   */
  async forConnection(): Promise<string | undefined> {
    if (this.#refresh !== undefined && this.#dueForRenewal()) {
      await this.#renew();
    }
    return this.#token;
  }

  /**
   * Renews the token on a live connection at four fifths of its lifetime.
   *
   * @param send Sends the fresh token (as `refresh`).
   */
  schedule(send: (token: string) => void): void {
    this.cancel();
    const expiry = this.#token === undefined
      ? undefined
      : tokenExpiry(this.#token);
    if (this.#refresh === undefined || expiry === undefined) return;
    const at = expiry - (expiry - this.#since) * RENEW_WITH_LEFT;
    const delay = Math.max(0, Math.min(2 ** 31 - 1, at - this.#clock.wall()));
    this.#timer = this.#timers.setTimeout(async () => {
      this.#timer = undefined;
      try {
        await this.#renew();
      } catch {
        // The server will close the connection at expiry; the reconnect
        // tries the callback again.
        return;
      }
      if (this.#token !== undefined) send(this.#token);
      this.schedule(send);
    }, delay);
  }

  /** Stops the renewal timer. */
  cancel(): void {
    if (this.#timer !== undefined) {
      this.#timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #dueForRenewal(): boolean {
    if (this.#token === undefined) return true;
    const expiry = tokenExpiry(this.#token);
    if (expiry === undefined) return false;
    const left = expiry - this.#clock.wall();
    return left <= (expiry - this.#since) * RENEW_WITH_LEFT;
  }

  async #renew(): Promise<void> {
    this.#token = await this.#refresh!();
    this.#since = this.#clock.wall();
  }
}
