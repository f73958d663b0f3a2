/**
 * A token bucket (pure: the caller passes the time). Used per Customer.io workspace so Sluice stays
 * under the Track API rate limit instead of earning 429s.
 *
 * @example
 * const bucket = new TokenBucket({ ratePerSecond: 100, burst: 100 }, 0);
 * bucket.take(0);       // 0: a token was available, go now
 * bucket.take(0) > 0;   // after the burst is spent: wait that many ms
 */
export class TokenBucket {
  #tokens: number;
  #updatedMs: number;
  #rate: number;
  #burst: number;

  constructor(options: { ratePerSecond: number; burst: number }, nowMs: number) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#updatedMs = nowMs;
  }

  /** Take one token. Returns 0 if it was available, else how many ms until it will be (the token is reserved). */
  take(nowMs: number): number {
    this.#refill(nowMs);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }

  /**
   * Change the rate (adaptive rate limiting); the burst follows it (a tenth of a second's worth) so a
   * lowered rate is not undone by a saved-up burst. Tokens already earned are kept, up to the new burst.
   */
  setRate(ratePerSecond: number, nowMs: number): void {
    this.#refill(nowMs);
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, ratePerSecond / 10);
    this.#tokens = Math.min(this.#tokens, this.#burst);
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    this.#updatedMs = nowMs;
  }
}
