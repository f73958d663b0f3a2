/**
 * Adaptive request rate for one Customer.io workspace (pure: the caller passes the time).
 *
 * Additive increase, multiplicative decrease, with a remembered ceiling: a 429 halves the rate (at
 * most once per `decreaseCooldownMs`, so one burst of 429s from requests already in flight counts
 * once) and remembers the rate that earned it. Below 90 % of that ceiling the rate climbs fast (a
 * third of the configured rate per second); near it, slowly (a fortieth), so a workspace that
 * accepts less than configured is probed gently instead of hammered. The ceiling is forgotten
 * `forgetCeilingMs` after the last 429, so once a storm ends the full rate is back within ~4.5 s.
 *
 * @example
 * const rate = new AdaptiveRate({ maxPerSecond: 100 }, 0);
 * rate.onRateLimited(0);   // 50
 * rate.current(5000);      // 100
 */
export class AdaptiveRate {
  readonly #max: number;
  readonly #min: number;
  readonly #cooldownMs: number;
  readonly #forgetMs: number;
  #rate: number;
  #sinceMs: number;
  #lastDecreaseMs = Number.NEGATIVE_INFINITY;
  #ceiling: number | null = null;

  constructor(
    options: {
      maxPerSecond: number;
      minPerSecond?: number;
      decreaseCooldownMs?: number;
      forgetCeilingMs?: number;
    },
    nowMs: number,
  ) {
    this.#max = options.maxPerSecond;
    this.#min = Math.min(options.minPerSecond ?? 1, this.#max);
    this.#cooldownMs = options.decreaseCooldownMs ?? 500;
    this.#forgetMs = options.forgetCeilingMs ?? 1500;
    this.#rate = this.#max;
    this.#sinceMs = nowMs;
  }

  /** The rate to use now (requests per second). */
  current(nowMs: number): number {
    if (this.#ceiling !== null && nowMs - this.#lastDecreaseMs >= this.#forgetMs) this.#ceiling = null;
    if (this.#rate < this.#max) {
      const seconds = Math.max(0, nowMs - this.#sinceMs) / 1000;
      const near = this.#ceiling !== null && this.#rate >= 0.9 * this.#ceiling;
      this.#rate = Math.min(this.#max, this.#rate + (this.#max / (near ? 40 : 3)) * seconds);
    }
    this.#sinceMs = nowMs;
    return this.#rate;
  }

  /** Customer.io answered 429: halve the rate (once per cooldown). Returns the new rate. */
  onRateLimited(nowMs: number): number {
    const rate = this.current(nowMs);
    if (nowMs - this.#lastDecreaseMs < this.#cooldownMs) return rate;
    this.#lastDecreaseMs = nowMs;
    this.#ceiling = rate;
    this.#rate = Math.max(this.#min, rate / 2);
    return this.#rate;
  }
}
