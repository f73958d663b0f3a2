import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultController, parseFault } from "./faults.js";
import { type Simulator, startSimulator } from "./simulator.js";
import { API_KEY, eventItem, SITE_ID, send } from "./test-support.js";

let sim: Simulator;
const batch = (id: string) => ({ batch: [eventItem({ id })] });

beforeAll(async () => {
  sim = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY });
});
afterEach(() => sim.reset());
afterAll(async () => {
  await sim.close();
});

describe("scripted statuses", () => {
  it("answers 429 with Retry-After, then 503, in FIFO order, without applying the request", async () => {
    sim.enqueueFaults({ status: 429, retryAfterSeconds: 7 }, { status: 503 });
    const first = await send(sim, "POST", "/api/v2/batch", batch("a"));
    expect(first.status).toBe(429);
    expect(first.headers["retry-after"]).toBe("7");
    const second = await send(sim, "POST", "/api/v2/batch", batch("a"));
    expect(second.status).toBe(503);
    expect(second.headers["retry-after"]).toBeUndefined();
    expect(sim.state.eventIds.size).toBe(0);
    expect((await send(sim, "POST", "/api/v2/batch", batch("a"))).status).toBe(200);
    expect(sim.state.eventIds.size).toBe(1);
    expect(sim.state.requests.map((r) => [r.status, r.fault ?? null, r.items])).toEqual([
      [429, "scripted", 1],
      [503, "scripted", 1],
      [200, null, 1],
    ]);
    expect(sim.state.requests[0]?.bodyBytes).toBe(JSON.stringify(batch("a")).length);
  });

  it("failNext(n) fails exactly n requests and applies before auth", async () => {
    sim.failNext(2, { status: 502 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await send(sim, "POST", "/api/v2/batch", batch("b"), { auth: null })).status);
    expect(statuses).toEqual([502, 502, 401]);
  });

  it("clearFaults empties the script", async () => {
    sim.failNext(3, { status: 500 });
    sim.clearFaults();
    expect((await send(sim, "POST", "/api/v2/batch", batch("c"))).status).toBe(200);
  });

  it("does not spend faults on control endpoints", async () => {
    sim.failNext(1, { status: 500 });
    expect((await send(sim, "GET", "/__sim/state", undefined, { auth: null })).status).toBe(200);
    expect((await send(sim, "POST", "/api/v2/batch", batch("d"))).status).toBe(500);
  });
});

describe("connection faults", () => {
  it("timeout: never answers, the client times out, and close() still closes", async () => {
    const own = await startSimulator({ siteId: SITE_ID, apiKey: API_KEY });
    own.enqueueFaults({ kind: "timeout" });
    const started = Date.now();
    await expect(send(own, "POST", "/api/v2/batch", batch("t"), { timeoutMs: 300 })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(own.state.eventIds.size).toBe(0);
    expect(own.state.requests[0]).toMatchObject({ status: 0, fault: "timeout" });
    // A second request still held open when close() runs must not keep it waiting.
    own.enqueueFaults({ kind: "timeout" });
    const held = send(own, "POST", "/api/v2/batch", batch("t2")).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closeStarted = Date.now();
    await own.close();
    expect(Date.now() - closeStarted).toBeLessThan(1000);
    expect(await held).toBeInstanceOf(Error);
  });

  it("drop: destroys the connection without an answer", async () => {
    sim.enqueueFaults({ kind: "drop" });
    const agent = new Agent();
    try {
      await expect(send(sim, "POST", "/api/v2/batch", batch("x"), { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
    }
    expect(sim.state.eventIds.size).toBe(0);
    expect((await send(sim, "POST", "/api/v2/batch", batch("x"))).status).toBe(200);
  });
});

describe("latency and rate limit", () => {
  it("delays every response by the configured latency, after applying the request", async () => {
    sim.setLatencyMs(150);
    const started = performance.now();
    const response = await send(sim, "POST", "/api/v2/batch", batch("slow"));
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    sim.setLatencyMs(0);
  });

  it("answers 429 with Retry-After: 1 above the requests-per-second cap", async () => {
    sim.setRateLimit(3);
    const responses = [];
    for (let i = 0; i < 5; i++) responses.push(await send(sim, "POST", "/api/v2/batch", batch(`r${i}`)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(responses[3]?.headers["retry-after"]).toBe("1");
    expect(sim.state.requests.at(-1)?.fault).toBe("rate-limit");
    sim.setRateLimit(null);
    expect((await send(sim, "POST", "/api/v2/batch", batch("r9"))).status).toBe(200);
  });

  it("uses a sliding one-second window", () => {
    let now = 0;
    const faults = new FaultController(() => now);
    faults.setRateLimit(2);
    const decisions = () => faults.next().type;
    expect([decisions(), decisions(), decisions()]).toEqual(["none", "none", "fault"]);
    now = 999;
    expect(decisions()).toBe("fault");
    now = 1000;
    expect([decisions(), decisions(), decisions()]).toEqual(["none", "none", "fault"]);
  });
});

describe("faults over HTTP (/__sim/faults)", () => {
  it("enqueues, sets latency and rate limit, and rejects bad input without changing anything", async () => {
    const configure = (body: unknown) => send(sim, "POST", "/__sim/faults", body, { auth: null });
    const ok = await configure({
      enqueue: [{ status: 429, retryAfterSeconds: 2 }],
      failNext: { count: 2, fault: { status: 503 } },
      latencyMs: 0,
      rateLimitRps: 100,
    });
    expect(ok).toMatchObject({ status: 200, json: { queued: 3, latencyMs: 0, rateLimitRps: 100 } });
    expect((await configure({ enqueue: [{ status: 200 }] })).status).toBe(400);
    expect((await configure({ enqueue: [{ kind: "timeout", status: 500 }] })).status).toBe(400);
    expect((await configure({ bogus: 1 })).status).toBe(400);
    expect((await configure({ rateLimitRps: 0 })).status).toBe(400);
    expect((await configure({ clear: true, rateLimitRps: null })).json).toEqual({
      queued: 0,
      latencyMs: 0,
      rateLimitRps: null,
    });
  });
});

describe("parseFault", () => {
  it.each([
    [{ status: 429 }, true],
    [{ status: 503, retryAfterSeconds: 0 }, true],
    [{ kind: "timeout" }, true],
    [{ kind: "drop" }, true],
    [{ status: 200 }, false],
    [{ status: 429, retryAfterSeconds: -1 }, false],
    [{ status: 429, body: "x" }, false],
    [{ kind: "explode" }, false],
    ["429", false],
  ])("%j → %s", (raw, ok) => {
    expect(parseFault(raw).ok).toBe(ok);
  });

  it("throws on an invalid fault given in code", () => {
    expect(() => sim.enqueueFaults({ status: 99 })).toThrow(TypeError);
  });
});
