/**
 * Adaptive request rate for one Customer.io workspace (pure: the caller passes the time).
 *
 * Additive increase, multiplicative decrease: a 429 halves the rate (at most once per
 * `decreaseCooldownMs`, so one burst of 429s from requests already in flight counts once); every
 * second without a 429 adds a quarter of the configured rate back, so from any low the full rate
 * returns within 4 s of the last 429. Never below `minPerSecond`, never above the configured rate.
 *
 * @example
 * const rate = new AdaptiveRate({ maxPerSecond: 100 }, 0);
 * rate.onRateLimited(0);   // 50
 * rate.current(2000);      // 100: two quiet seconds added 2 x 25
 */
export class AdaptiveRate {
  readonly #max: number;
  readonly #min: number;
  readonly #cooldownMs: number;
  #rate: number;
  #sinceMs: number;
  #lastDecreaseMs = Number.NEGATIVE_INFINITY;

  constructor(
    options: { maxPerSecond: number; minPerSecond?: number; decreaseCooldownMs?: number },
    nowMs: number,
  ) {
    this.#max = options.maxPerSecond;
    this.#min = Math.min(options.minPerSecond ?? 1, this.#max);
    this.#cooldownMs = options.decreaseCooldownMs ?? 500;
    this.#rate = this.#max;
    this.#sinceMs = nowMs;
  }

  /** The rate to use now (requests per second). */
  current(nowMs: number): number {
    if (this.#rate < this.#max) {
      const elapsed = Math.max(0, nowMs - this.#sinceMs);
      this.#rate = Math.min(this.#max, this.#rate + (this.#max / 4) * (elapsed / 1000));
    }
    this.#sinceMs = nowMs;
    return this.#rate;
  }

  /** Customer.io answered 429: halve the rate (once per cooldown). Returns the new rate. */
  onRateLimited(nowMs: number): number {
    const rate = this.current(nowMs);
    if (nowMs - this.#lastDecreaseMs < this.#cooldownMs) return rate;
    this.#lastDecreaseMs = nowMs;
    this.#rate = Math.max(this.#min, rate / 2);
    return this.#rate;
  }
}
