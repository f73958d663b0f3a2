import { describe, expect, it } from "vitest";
import type { DeliveryLogEntry } from "../port.js";
import { type CurrentStore, claimAll, claimOne, event, messageIds, T0 } from "./fixtures.js";

/** settle: each outcome's log fields, released, late and unknown outcomes, body retention. */
export function describeSettleContract(current: CurrentStore): void {
  /** The log row of one delivery. */
  async function logEntry(deliveryId: number): Promise<DeliveryLogEntry | undefined> {
    const entries = await current().listDeliveries({ beforeId: deliveryId + 1, limit: 1 });
    return entries.find((entry) => entry.deliveryId === deliveryId);
  }

  describe("settle", () => {
    it("records delivered, failed and stopped in the log, and none is claimable again", async () => {
      await current().enqueue([event("m1"), event("m2", { eventType: "identify" }), event("m3")]);
      const [d1, d2, d3] = await claimAll(current(), "cio", T0);
      await current().settle(
        [
          { deliveryId: d1!.deliveryId, state: "delivered", attempts: 1, status: 200 },
          {
            deliveryId: d2!.deliveryId,
            state: "failed",
            attempts: 2,
            status: 400,
            stage: "delivery",
            reason: "HTTP 400",
            field: "traits.email",
          },
          {
            deliveryId: d3!.deliveryId,
            state: "stopped",
            attempts: 0,
            stage: "mapping",
            reason: "no mapping",
          },
        ],
        T0 + 50,
      );
      const common = {
        destination: "cio",
        sourceName: "web",
        eventName: null,
        receivedAtMs: T0,
        updatedAtMs: T0 + 50,
      };
      expect(await current().listDeliveries({})).toEqual([
        {
          ...common,
          deliveryId: d3!.deliveryId,
          messageId: "m3",
          eventType: "track",
          state: "stopped",
          stage: "mapping",
          reason: "no mapping",
          field: null,
          attempts: 0,
          lastStatus: null,
          firstAttemptAtMs: null,
          replays: 0,
        },
        {
          ...common,
          deliveryId: d2!.deliveryId,
          messageId: "m2",
          eventType: "identify",
          state: "failed",
          stage: "delivery",
          reason: "HTTP 400",
          field: "traits.email",
          attempts: 2,
          lastStatus: 400,
          firstAttemptAtMs: T0 + 50,
          replays: 0,
        },
        {
          ...common,
          deliveryId: d1!.deliveryId,
          messageId: "m1",
          eventType: "track",
          state: "delivered",
          stage: null,
          reason: null,
          field: null,
          attempts: 1,
          lastStatus: 200,
          firstAttemptAtMs: T0 + 50,
          replays: 0,
        },
      ]);
      expect(await claimAll(current(), "cio", T0 + 10_000_000)).toEqual([]);
    });

    it("schedules a retry: not claimable before its time, claimable from it, attempts counted", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            state: "retrying",
            attempts: 1,
            status: 503,
            nextAttemptAtMs: T0 + 5000,
            reason: "HTTP 503",
          },
        ],
        T0 + 10,
      );
      expect(await logEntry(deliveryId)).toMatchObject({
        state: "retrying",
        stage: null,
        reason: "HTTP 503",
        field: null,
        attempts: 1,
        lastStatus: 503,
        updatedAtMs: T0 + 10,
      });
      expect(await claimAll(current(), "cio", T0 + 4999)).toEqual([]);
      const retried = await claimOne(current(), "cio", T0 + 5000);
      expect([retried.deliveryId, retried.attempts, retried.firstAttemptAtMs]).toEqual([
        deliveryId,
        1,
        T0 + 10,
      ]);
    });

    it("keeps the first attempt's time and the last known status across outcomes", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            state: "retrying",
            attempts: 1,
            status: 503,
            nextAttemptAtMs: T0 + 100,
            reason: "HTTP 503",
          },
        ],
        T0 + 10,
      );
      await claimOne(current(), "cio", T0 + 100);
      await current().settle(
        [
          {
            deliveryId,
            state: "retrying",
            attempts: 2,
            status: 429,
            nextAttemptAtMs: T0 + 200,
            reason: "HTTP 429",
          },
        ],
        T0 + 110,
      );
      expect((await claimOne(current(), "cio", T0 + 200)).firstAttemptAtMs).toBe(T0 + 10);
      await current().settle(
        [{ deliveryId, state: "failed", attempts: 3, stage: "delivery", reason: "timeout" }],
        T0 + 210,
      );
      expect(await logEntry(deliveryId)).toMatchObject({ state: "failed", attempts: 3, lastStatus: 429 });
    });

    it("releases a delivery without counting an attempt, optionally to a later time", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            state: "retrying",
            attempts: 1,
            status: 500,
            nextAttemptAtMs: T0 + 100,
            reason: "HTTP 500",
          },
        ],
        T0 + 10,
      );
      await claimOne(current(), "cio", T0 + 100);
      await current().settle([{ deliveryId, state: "released" }], T0 + 150);
      const again = await claimOne(current(), "cio", T0 + 150);
      expect([again.deliveryId, again.attempts, again.firstAttemptAtMs]).toEqual([deliveryId, 1, T0 + 10]);
      expect(await logEntry(deliveryId)).toMatchObject({
        state: "retrying",
        reason: "HTTP 500",
        attempts: 1,
      });

      await current().settle([{ deliveryId, state: "released", nextAttemptAtMs: T0 + 9000 }], T0 + 160);
      expect(await claimAll(current(), "cio", T0 + 8999)).toEqual([]);
      expect(await current().nextWakeMs("cio")).toBe(T0 + 9000);
      expect((await claimOne(current(), "cio", T0 + 9000)).attempts).toBe(1);
    });

    it("ignores a late outcome for a delivery that is already terminal", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      await current().settle([{ deliveryId, state: "delivered", attempts: 1, status: 200 }], T0 + 1);
      await current().settle(
        [
          { deliveryId, state: "failed", attempts: 2, status: 500, stage: "delivery", reason: "late" },
          { deliveryId, state: "released", nextAttemptAtMs: T0 },
        ],
        T0 + 2,
      );
      expect(await logEntry(deliveryId)).toMatchObject({
        state: "delivered",
        attempts: 1,
        lastStatus: 200,
        reason: null,
        updatedAtMs: T0 + 1,
      });
      expect(await claimAll(current(), "cio", T0 + 10_000_000)).toEqual([]);
    });

    it("rejects a call naming an unknown delivery with ER_STORE_UNKNOWN_DELIVERY and applies none of it", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      const settling = current().settle(
        [
          { deliveryId, state: "delivered", attempts: 1, status: 200 },
          { deliveryId: deliveryId + 1000, state: "delivered", attempts: 1 },
        ],
        T0 + 1,
      );
      await expect(settling).rejects.toMatchObject({ code: "ER_STORE_UNKNOWN_DELIVERY" });
      expect(await logEntry(deliveryId)).toMatchObject({ state: "queued", attempts: 0, lastStatus: null });
    });
  });

  describe("event bodies", () => {
    async function settledBody(state: "delivered" | "failed" | "stopped"): Promise<string | null> {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      expect(await current().eventBody(deliveryId)).toBe(event("m1").body);
      await current().settle(
        [
          state === "delivered"
            ? { deliveryId, state, attempts: 1, status: 200 }
            : { deliveryId, state, attempts: 1, stage: "delivery", reason: "HTTP 400" },
        ],
        T0 + 1,
      );
      return current().eventBody(deliveryId);
    }

    it("deletes the body once the event is delivered", async () => {
      expect(await settledBody("delivered")).toBeNull();
    });

    it("deletes the body once the event is stopped", async () => {
      expect(await settledBody("stopped")).toBeNull();
    });

    it("keeps the body of a failed delivery for dead-letter replay", async () => {
      expect(await settledBody("failed")).toBe(event("m1").body);
    });

    it("keeps the body while a delivery retries or is released", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId } = await claimOne(current(), "cio", T0);
      await current().settle(
        [{ deliveryId, state: "retrying", attempts: 1, nextAttemptAtMs: T0 + 1, reason: "HTTP 503" }],
        T0,
      );
      await claimOne(current(), "cio", T0 + 1);
      await current().settle([{ deliveryId, state: "released" }], T0 + 1);
      expect(await current().eventBody(deliveryId)).toBe(event("m1").body);
    });

    it("keeps the body while another destination still waits, deletes it after the last", async () => {
      await current().enqueue([event("m1", { destinations: ["a", "b"] })]);
      const a = await claimOne(current(), "a", T0);
      await current().settle([{ deliveryId: a.deliveryId, state: "delivered", attempts: 1 }], T0 + 1);
      expect(await current().eventBody(a.deliveryId)).toBe(event("m1").body);
      const b = await claimOne(current(), "b", T0 + 1);
      expect(b.body).toBe(event("m1").body);
      await current().settle(
        [
          {
            deliveryId: b.deliveryId,
            state: "stopped",
            attempts: 0,
            stage: "allowlist",
            reason: "not allowed",
          },
        ],
        T0 + 2,
      );
      expect([await current().eventBody(a.deliveryId), await current().eventBody(b.deliveryId)]).toEqual([
        null,
        null,
      ]);
    });

    it("keeps the body when one destination failed and the other was delivered", async () => {
      await current().enqueue([event("m1", { destinations: ["a", "b"] })]);
      const a = await claimOne(current(), "a", T0);
      const b = await claimOne(current(), "b", T0);
      await current().settle(
        [
          { deliveryId: a.deliveryId, state: "failed", attempts: 5, stage: "delivery", reason: "HTTP 500" },
          { deliveryId: b.deliveryId, state: "delivered", attempts: 1 },
        ],
        T0 + 1,
      );
      expect(await current().eventBody(b.deliveryId)).toBe(event("m1").body);
      expect(messageIds(await current().listDeliveries({ state: "failed" }))).toEqual(["m1"]);
    });

    it("answers null for a delivery that does not exist", async () => {
      expect(await current().eventBody(424242)).toBeNull();
    });
  });
}
