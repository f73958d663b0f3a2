/**
 * Sign-in rate limiting, in memory: at most `perName` failed sign-ins per user name and `perAddress`
 * per client address within a sliding `windowMs`; past either, sign-in answers 429 (with
 * `Retry-After`) without checking the password. A successful sign-in clears its name's failures
 * (not its address's: one good password does not license guessing others from there).
 *
 * Per process: with several Sluice nodes each node counts on its own, so a guesser spread over N
 * nodes gets N times the budget — still a handful of guesses per quarter-hour against scrypt.
 */

export const LOGIN_LIMITS = {
  windowMs: 15 * 60 * 1000,
  perName: 5,
  perAddress: 20,
  /** Names and addresses tracked at most (the least recently failed are forgotten first). */
  maxKeys: 50_000,
} as const;

export type LoginLimits = { readonly [K in keyof typeof LOGIN_LIMITS]: number };

export type LoginCheck = { ok: true } | { ok: false; retryAfterSeconds: number; by: "name" | "address" };

export interface LoginLimiter {
  /** Whether a sign-in as `name` from `address` may be tried now. */
  check(name: string, address: string): LoginCheck;
  /** Count a failed sign-in against the name and the address. */
  fail(name: string, address: string): void;
  /** Forget the name's failures after a successful sign-in. */
  succeed(name: string): void;
}

/**
 * A limiter timed by `clock`.
 *
 * @example
 * const limiter = createLoginLimiter(Date.now);
 * const verdict = limiter.check("ada", "10.0.0.5");
 * if (!verdict.ok) reply.header("retry-after", String(verdict.retryAfterSeconds));
 */
export function createLoginLimiter(clock: () => number, limits: LoginLimits = LOGIN_LIMITS): LoginLimiter {
  // Per key, the times of its most recent failures (at most the limit: older ones cannot matter).
  const failures = new Map<string, number[]>();
  const nameKey = (name: string) => `n:${name.toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;

  /** The failures of `key` still inside the window at `nowMs`, oldest first. */
  const recent = (key: string, nowMs: number): number[] => {
    const times = failures.get(key);
    if (times === undefined) return [];
    const kept = times.filter((at) => at > nowMs - limits.windowMs);
    if (kept.length === 0) failures.delete(key);
    else if (kept.length !== times.length) failures.set(key, kept);
    return kept;
  };

  /** Seconds until `key` drops below `limit`, or 0 when it is below already. */
  const waitSeconds = (key: string, limit: number, nowMs: number): number => {
    const times = recent(key, nowMs);
    if (times.length < limit) return 0;
    // The oldest failure of the newest `limit` has to leave the window.
    const oldest = times[times.length - limit] ?? nowMs;
    return Math.max(1, Math.ceil((oldest + limits.windowMs - nowMs) / 1000));
  };

  const record = (key: string, limit: number, nowMs: number) => {
    const times = [...recent(key, nowMs), nowMs].slice(-limit);
    failures.delete(key); // re-inserted last: the map's order is least recently failed first
    failures.set(key, times);
    while (failures.size > limits.maxKeys) {
      const first = failures.keys().next();
      if (first.done === true) break;
      failures.delete(first.value);
    }
  };

  return {
    check(name, address) {
      const nowMs = clock();
      const byName = waitSeconds(nameKey(name), limits.perName, nowMs);
      const byAddress = waitSeconds(addressKey(address), limits.perAddress, nowMs);
      if (byName === 0 && byAddress === 0) return { ok: true };
      return byName >= byAddress
        ? { ok: false, retryAfterSeconds: byName, by: "name" }
        : { ok: false, retryAfterSeconds: byAddress, by: "address" };
    },
    fail(name, address) {
      const nowMs = clock();
      record(nameKey(name), limits.perName, nowMs);
      record(addressKey(address), limits.perAddress, nowMs);
    },
    succeed(name) {
      failures.delete(nameKey(name));
    },
  };
}
