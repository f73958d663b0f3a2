import { describe, expect, it } from "vitest";
import { AdaptiveRate } from "./adaptive-rate.js";
import { TokenBucket } from "./token-bucket.js";

describe("AdaptiveRate", () => {
  it("halves on a 429, once per cooldown, never below the minimum", () => {
    const rate = new AdaptiveRate({ maxPerSecond: 100 }, 0);
    expect(rate.onRateLimited(0)).toBe(50);
    expect(rate.onRateLimited(100)).toBeCloseTo(52.5); // within the cooldown: recovered a little, not halved
    expect(rate.onRateLimited(600)).toBeCloseTo(32.5); // 52.5 + 0.5 s × 25, halved
    let at = 600;
    for (let i = 0; i < 20; i++) rate.onRateLimited((at += 500));
    expect(rate.current(at)).toBeGreaterThanOrEqual(1);
    expect(rate.current(at)).toBeLessThan(15);
  });

  it("returns to the full rate within 4 s of the last 429, from any low", () => {
    const rate = new AdaptiveRate({ maxPerSecond: 100, minPerSecond: 1 }, 0);
    let at = 0;
    for (let i = 0; i < 30; i++) rate.onRateLimited((at += 600));
    expect(rate.current(at + 2000)).toBeLessThan(100);
    expect(rate.current(at + 4000)).toBe(100);
    expect(rate.current(at + 60_000)).toBe(100);
  });
});

describe("TokenBucket.setRate", () => {
  it("paces at the new rate and drops a burst saved at the old one", () => {
    const bucket = new TokenBucket({ ratePerSecond: 100, burst: 100 }, 0);
    bucket.setRate(10, 0);
    const waits = Array.from({ length: 12 }, () => bucket.take(0));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits[10]).toBe(100);
    expect(waits[11]).toBe(200);
  });
});
