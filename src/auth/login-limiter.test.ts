import { describe, expect, it } from "vitest";
import { createLoginLimiter, LOGIN_LIMITS, type LoginLimits } from "./login-limiter.js";

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function limiterAt(start = T0, limits: LoginLimits = LOGIN_LIMITS) {
  let nowMs = start;
  const limiter = createLoginLimiter(() => nowMs, limits);
  return {
    limiter,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

describe("createLoginLimiter", () => {
  it("allows 5 failures per name within 15 minutes, then says how long to wait", () => {
    const { limiter, advance } = limiterAt();
    for (let n = 0; n < 5; n++) {
      expect(limiter.check("ada", "10.0.0.1")).toEqual({ ok: true });
      limiter.fail("ada", "10.0.0.1");
      advance(MINUTE);
    }
    // The first failure was 5 minutes ago: it leaves the window in 10 minutes.
    expect(limiter.check("ada", "10.0.0.2")).toEqual({ ok: false, retryAfterSeconds: 600, by: "name" });
    expect(limiter.check("ADA", "10.0.0.3")).toMatchObject({ ok: false, by: "name" });
    expect(limiter.check("grace", "10.0.0.1")).toEqual({ ok: true });
    advance(10 * MINUTE - 1000);
    expect(limiter.check("ada", "10.0.0.2")).toEqual({ ok: false, retryAfterSeconds: 1, by: "name" });
    advance(1000);
    expect(limiter.check("ada", "10.0.0.2")).toEqual({ ok: true });
  });

  it("allows 20 failures per address, whatever the names", () => {
    const { limiter } = limiterAt();
    for (let n = 0; n < 20; n++) limiter.fail(`user${n}`, "10.0.0.1");
    expect(limiter.check("someone", "10.0.0.1")).toEqual({
      ok: false,
      retryAfterSeconds: 900,
      by: "address",
    });
    expect(limiter.check("someone", "10.0.0.2")).toEqual({ ok: true });
  });

  it("clears a name's failures on success, but not its address's", () => {
    const { limiter } = limiterAt();
    for (let n = 0; n < 4; n++) limiter.fail("ada", "10.0.0.1");
    limiter.succeed("ada");
    for (let n = 0; n < 4; n++) limiter.fail("ada", "10.0.0.1");
    expect(limiter.check("ada", "10.0.0.1")).toEqual({ ok: true });
    limiter.fail("ada", "10.0.0.1");
    expect(limiter.check("ada", "10.0.0.1")).toMatchObject({ ok: false, by: "name" });
    limiter.succeed("ada");
    for (let n = 0; n < 11; n++) limiter.fail(`other${n}`, "10.0.0.1");
    expect(limiter.check("ada", "10.0.0.1")).toMatchObject({ ok: false, by: "address" });
  });

  it("forgets the least recently failed keys beyond its size", () => {
    const { limiter } = limiterAt(T0, { ...LOGIN_LIMITS, perName: 1, perAddress: 1000, maxKeys: 4 });
    limiter.fail("ada", "10.0.0.1");
    limiter.fail("grace", "10.0.0.1");
    expect(limiter.check("ada", "10.0.0.9")).toMatchObject({ ok: false });
    // Two more names push ada (the oldest name key) out: the map holds at most 4 keys.
    limiter.fail("linus", "10.0.0.1");
    limiter.fail("barbara", "10.0.0.1");
    expect(limiter.check("ada", "10.0.0.9")).toEqual({ ok: true });
    expect(limiter.check("barbara", "10.0.0.9")).toMatchObject({ ok: false });
  });
});
