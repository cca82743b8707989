/**
 * Limits per source address: how many connections one address may hold,
 * and how fast it may open new ones (a token bucket per address). Both are
 * off unless configured; the tables hold only addresses that have
 * connections or opened one recently, and are bounded.
 *
 * @module
 */

/** Addresses whose connect rate is remembered at most (oldest forgotten). */
const MAX_RATE_ENTRIES = 65_536;

interface Bucket {
  tokens: number;
  at: number;
}

/** What an address may do now. */
export type AddressVerdict = "ok" | "too_many" | "too_fast";

/** Connection counts and connect rates per source address. */
export class AddressLimits {
  #maxPerAddress: number;
  #rate: number;
  #burst: number;
  #open = new Map<string, number>();
  #buckets = new Map<string, Bucket>();

  /**
   * Creates the limits.
   *
   * @param maxPerAddress Connections one address may hold; 0 is no limit.
   * @param ratePerSecond New connections per second per address; 0 is no
   * limit (the burst is twice the rate).
   */
  constructor(maxPerAddress: number, ratePerSecond: number) {
    this.#maxPerAddress = maxPerAddress;
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, 2 * ratePerSecond);
  }

  /** Whether any limit is on (else nothing is tracked). */
  get active(): boolean {
    return this.#maxPerAddress > 0 || this.#rate > 0;
  }

  /**
   * Admits a new connection from an address, or says why not. An admitted
   * connection must be {@link release}d when it closes.
   *
   * @param address The source address.
   * @param nowMs The time, in milliseconds.
   * @returns The verdict.
   */
  admit(address: string, nowMs: number): AddressVerdict {
    if (this.#rate > 0 && !this.#take(address, nowMs)) return "too_fast";
    const open = this.#open.get(address) ?? 0;
    if (this.#maxPerAddress > 0 && open >= this.#maxPerAddress) {
      return "too_many";
    }
    this.#open.set(address, open + 1);
    return "ok";
  }

  /**
   * An admitted connection from the address closed.
   *
   * @param address The source address.
   */
  release(address: string): void {
    const open = this.#open.get(address);
    if (open === undefined) return;
    if (open <= 1) this.#open.delete(address);
    else this.#open.set(address, open - 1);
  }

  #take(address: string, nowMs: number): boolean {
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_RATE_ENTRIES) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { tokens: this.#burst, at: nowMs };
    } else {
      // Re-inserted so that the map's order is the order of last use.
      this.#buckets.delete(address);
      bucket.tokens = Math.min(
        this.#burst,
        bucket.tokens + (nowMs - bucket.at) * this.#rate / 1000,
      );
      bucket.at = nowMs;
    }
    this.#buckets.set(address, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
