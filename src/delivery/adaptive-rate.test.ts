import { describe, expect, it } from "vitest";
import { AdaptiveRate } from "./adaptive-rate.js";
import { TokenBucket } from "./token-bucket.js";

describe("AdaptiveRate", () => {
  it("halves on a 429, once per cooldown, never below the minimum", () => {
    const rate = new AdaptiveRate({ maxPerSecond: 100 }, 0);
    expect(rate.onRateLimited(0)).toBe(50);
    expect(rate.onRateLimited(100)).toBeCloseTo(53.3, 1); // within the cooldown: not halved again
    let at = 100;
    for (let i = 0; i < 40; i++) {
      at += 500;
      rate.onRateLimited(at);
    }
    expect(rate.current(at)).toBeGreaterThanOrEqual(1);
    expect(rate.current(at)).toBeLessThan(35);
  });

  it("probes gently near the rate that earned the last 429, fast below it", () => {
    const rate = new AdaptiveRate({ maxPerSecond: 100 }, 0);
    rate.onRateLimited(0); // ceiling 100, rate 50: far below, climbs at 33/s
    expect(rate.current(1000)).toBeCloseTo(83.3, 0);
    expect(rate.current(1400)).toBeCloseTo(96.7, 0); // near 90 % of the ceiling: 2.5/s from here
  });

  it("returns to the full rate within 4.5 s of the last 429, from any low", () => {
    const rate = new AdaptiveRate({ maxPerSecond: 100, minPerSecond: 1 }, 0);
    let at = 0;
    for (let i = 0; i < 30; i++) {
      at += 600;
      rate.onRateLimited(at);
    }
    expect(rate.current(at + 2000)).toBeLessThan(100);
    expect(rate.current(at + 4500)).toBe(100);
    expect(rate.current(at + 60_000)).toBe(100);
  });
});

describe("TokenBucket.setRate", () => {
  it("paces at the new rate and drops a burst saved at the old one", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 10 }, 0);
    bucket.setRate(10, 0);
    const waits = Array.from({ length: 3 }, () => bucket.take(0));
    expect(waits).toEqual([0, 100, 200]);
  });
});
