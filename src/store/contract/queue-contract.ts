import { describe, expect, it } from "vitest";
import {
  CONTRACT_DEDUPE_WINDOW_MS,
  type CurrentStore,
  claimAll,
  claimOne,
  event,
  LEASE_MS,
  messageIds,
  T0,
} from "./fixtures.js";

/** enqueue, claim, leases, nextWakeMs, dedupe and concurrent enqueue. */
export function describeQueueContract(current: CurrentStore): void {
  describe("enqueue and claim", () => {
    it("round-trips an event with its body intact", async () => {
      const body = JSON.stringify({ name: 'Zoë "Ω" 🚀', note: "line\nbreak\\", big: "x".repeat(50_000) });
      const results = await current().enqueue([
        event("m1", { eventType: "identify", receivedAtMs: T0 + 7, body, sourceName: "app" }),
      ]);
      expect(results).toEqual([{ duplicate: false }]);
      const claimed = await claimAll(current(), "cio", T0 + 10);
      expect(claimed).toEqual([
        {
          deliveryId: expect.any(Number),
          destination: "cio",
          sourceName: "app",
          messageId: "m1",
          eventType: "identify",
          receivedAtMs: T0 + 7,
          body,
          attempts: 0,
          firstAttemptAtMs: null,
          leaseToken: expect.any(String),
        },
      ]);
      expect(claimed[0]?.body).toBe(body);
    });

    it("answers an empty call with no results", async () => {
      await expect(current().enqueue([])).resolves.toEqual([]);
    });

    it("makes a new delivery due at once, whatever the claimer's clock", async () => {
      await current().enqueue([event("m1", { receivedAtMs: T0 })]);
      expect(messageIds(await claimAll(current(), "cio", 0))).toEqual(["m1"]);
    });

    it("claims oldest first, in id order, up to the limit", async () => {
      for (const id of ["m1", "m2", "m3", "m4", "m5"]) await current().enqueue([event(id)]);
      const claim = () => current().claim("cio", { limit: 2, nowMs: T0, leaseMs: LEASE_MS });
      const first = await claim();
      expect(messageIds(first)).toEqual(["m1", "m2"]);
      expect(first[0]!.deliveryId).toBeLessThan(first[1]!.deliveryId);
      expect(messageIds(await claim())).toEqual(["m3", "m4"]);
      expect(messageIds(await claim())).toEqual(["m5"]);
      expect(await claim()).toEqual([]);
    });

    it("claims only the requested destination", async () => {
      await current().enqueue([event("m1", { destinations: ["a"] }), event("m2", { destinations: ["b"] })]);
      expect(messageIds(await claimAll(current(), "b", T0))).toEqual(["m2"]);
      expect(await claimAll(current(), "c", T0)).toEqual([]);
      expect(messageIds(await claimAll(current(), "a", T0))).toEqual(["m1"]);
    });

    it("fans an event out to one delivery per destination, once per name", async () => {
      await current().enqueue([event("m1", { destinations: ["a", "b", "a"] })]);
      const a = await claimOne(current(), "a", T0);
      const b = await claimOne(current(), "b", T0);
      expect(a.deliveryId).not.toBe(b.deliveryId);
      expect([a.body, a.messageId]).toEqual([b.body, "m1"]);
      expect(await current().listDeliveries({ messageId: "m1" })).toHaveLength(2);
    });

    it("records an event without destinations for dedupe only", async () => {
      await expect(current().enqueue([event("m1", { destinations: [] })])).resolves.toEqual([
        { duplicate: false },
      ]);
      expect(await current().listDeliveries({})).toEqual([]);
      await expect(current().enqueue([event("m1")])).resolves.toEqual([{ duplicate: true }]);
    });

    it("rejects invalid input with ER_STORE_INVALID_INPUT, without echoing values, writing nothing", async () => {
      const secret = "secret-phi-value@example.com";
      const bad = { ...event("m1", { body: secret }), receivedAtMs: 1.5 };
      const error: unknown = await current()
        .enqueue([bad])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      expect(String((error as Error).message)).not.toContain(secret);
      await expect(current().claim("cio", { limit: 0, nowMs: T0, leaseMs: 1 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
      expect(await current().listDeliveries({})).toEqual([]);
    });

    it("does not let one caller's invalid input fail another caller's enqueue", async () => {
      const good = current().enqueue([event("m1")]);
      const bad = current().enqueue([{ ...event("m2"), destinations: [""] }]);
      await expect(bad).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      await expect(good).resolves.toEqual([{ duplicate: false }]);
      expect(messageIds(await claimAll(current(), "cio", T0))).toEqual(["m1"]);
    });
  });

  describe("leases", () => {
    it("hides a claimed delivery from other claimers until the lease runs out", async () => {
      await current().enqueue([event("m1")]);
      const first = await current().claim("cio", { limit: 10, nowMs: T0, leaseMs: 1000 });
      expect(messageIds(first)).toEqual(["m1"]);
      expect(await claimAll(current(), "cio", T0 + 999)).toEqual([]);
      const again = await claimAll(current(), "cio", T0 + 1000);
      expect(again.map((d) => [d.deliveryId, d.attempts])).toEqual([[first[0]!.deliveryId, 0]]);
    });
  });

  describe("nextWakeMs", () => {
    it("is null when nothing waits", async () => {
      expect(await current().nextWakeMs("cio")).toBeNull();
      await current().enqueue([event("m1", { destinations: ["other"] })]);
      expect(await current().nextWakeMs("cio")).toBeNull();
    });

    it("is 0 for a fresh delivery, the lease end for a claimed one, the earliest of all", async () => {
      await current().enqueue([event("m1"), event("m2")]);
      expect(await current().nextWakeMs("cio")).toBe(0);
      const [m1, m2] = await current().claim("cio", { limit: 2, nowMs: T0, leaseMs: 60_000 });
      expect(await current().nextWakeMs("cio")).toBe(T0 + 60_000);
      await current().settle(
        [
          {
            deliveryId: m1!.deliveryId,
            leaseToken: m1!.leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 5000,
            reason: "HTTP 503",
          },
        ],
        T0 + 1,
      );
      expect(await current().nextWakeMs("cio")).toBe(T0 + 5000);
      await current().settle(
        [
          { deliveryId: m1!.deliveryId, leaseToken: m1!.leaseToken, state: "delivered", attempts: 2 },
          { deliveryId: m2!.deliveryId, leaseToken: m2!.leaseToken, state: "delivered", attempts: 1 },
        ],
        T0 + 2,
      );
      expect(await current().nextWakeMs("cio")).toBeNull();
    });
  });

  describe("dedupe", () => {
    it("answers a repeated messageId from the same source as a duplicate, with no delivery", async () => {
      await expect(current().enqueue([event("m1")])).resolves.toEqual([{ duplicate: false }]);
      await expect(current().enqueue([event("m1", { receivedAtMs: T0 + 1000 })])).resolves.toEqual([
        { duplicate: true },
      ]);
      expect(await current().listDeliveries({ messageId: "m1" })).toHaveLength(1);
    });

    it("treats the later copy within one call as the duplicate", async () => {
      const results = await current().enqueue([
        event("m1", { body: '{"copy":1}' }),
        event("m2"),
        event("m1", { body: '{"copy":2}' }),
      ]);
      expect(results).toEqual([{ duplicate: false }, { duplicate: false }, { duplicate: true }]);
      const claimed = await claimAll(current(), "cio", T0);
      expect(claimed.map((d) => [d.messageId, d.body])).toEqual([
        ["m1", '{"copy":1}'],
        ["m2", event("m2").body],
      ]);
    });

    it("lets exactly one of two concurrent copies through", async () => {
      const results = await Promise.all([current().enqueue([event("m1")]), current().enqueue([event("m1")])]);
      expect(results.flat().filter((r) => r.duplicate)).toHaveLength(1);
      expect(await claimAll(current(), "cio", T0)).toHaveLength(1);
    });

    it("keys on the source: the same messageId from another source is new", async () => {
      const results = await current().enqueue([event("m1"), event("m1", { sourceName: "ios" })]);
      expect(results).toEqual([{ duplicate: false }, { duplicate: false }]);
    });

    it("accepts the messageId again from the end of the window, which then restarts", async () => {
      const w = CONTRACT_DEDUPE_WINDOW_MS;
      const send = async (receivedAtMs: number) =>
        (await current().enqueue([event("m1", { receivedAtMs })]))[0]?.duplicate;
      expect(await send(T0)).toBe(false);
      expect(await send(T0 + w - 1)).toBe(true); // a duplicate does not extend the window
      expect(await send(T0 + w)).toBe(false);
      expect(await send(T0 + w + 1)).toBe(true);
      expect(await send(T0 + 2 * w - 1)).toBe(true);
      expect(await send(T0 + 2 * w)).toBe(false);
      expect(await current().listDeliveries({ messageId: "m1" })).toHaveLength(3);
    });
  });

  describe("concurrent enqueue", () => {
    it("resolves every concurrent call and stores every event", async () => {
      const calls = Array.from({ length: 200 }, (_, i) =>
        current().enqueue(i % 10 === 0 ? [event(`c${i}`), event(`c${i}b`)] : [event(`c${i}`)]),
      );
      const results = await Promise.all(calls);
      expect(results.flat()).toHaveLength(220);
      expect(results.flat().every((r) => r.duplicate === false)).toBe(true);
      const expected = results.flatMap((_, i) => (i % 10 === 0 ? [`c${i}`, `c${i}b`] : [`c${i}`]));
      const stored = messageIds(await claimAll(current(), "cio", T0));
      expect(stored.sort()).toEqual(expected.sort());
    });
  });
}
