import { describe, expect, it } from "vitest";
import type { ClaimedDelivery, DeliveryLogEntry, DeliveryOutcome } from "../port.js";
import { type CurrentStore, claimAll, claimOne, event, LEASE_MS, messageIds, T0 } from "./fixtures.js";

/** settle: each outcome's log fields, released, late and unknown outcomes, lease fencing, body retention. */
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
          {
            deliveryId: d1!.deliveryId,
            leaseToken: d1!.leaseToken,
            state: "delivered",
            attempts: 1,
            status: 200,
          },
          {
            deliveryId: d2!.deliveryId,
            leaseToken: d2!.leaseToken,
            state: "failed",
            attempts: 2,
            status: 400,
            stage: "delivery",
            reason: "HTTP 400",
            field: "traits.email",
          },
          {
            deliveryId: d3!.deliveryId,
            leaseToken: d3!.leaseToken,
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
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken,
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
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken,
            state: "retrying",
            attempts: 1,
            status: 503,
            nextAttemptAtMs: T0 + 100,
            reason: "HTTP 503",
          },
        ],
        T0 + 10,
      );
      const second = await claimOne(current(), "cio", T0 + 100);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken: second.leaseToken,
            state: "retrying",
            attempts: 2,
            status: 429,
            nextAttemptAtMs: T0 + 200,
            reason: "HTTP 429",
          },
        ],
        T0 + 110,
      );
      const third = await claimOne(current(), "cio", T0 + 200);
      expect(third.firstAttemptAtMs).toBe(T0 + 10);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken: third.leaseToken,
            state: "failed",
            attempts: 3,
            stage: "delivery",
            reason: "timeout",
          },
        ],
        T0 + 210,
      );
      expect(await logEntry(deliveryId)).toMatchObject({ state: "failed", attempts: 3, lastStatus: 429 });
    });

    it("releases a delivery without counting an attempt, optionally to a later time", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken,
            state: "retrying",
            attempts: 1,
            status: 500,
            nextAttemptAtMs: T0 + 100,
            reason: "HTTP 500",
          },
        ],
        T0 + 10,
      );
      const second = await claimOne(current(), "cio", T0 + 100);
      await current().settle([{ deliveryId, leaseToken: second.leaseToken, state: "released" }], T0 + 150);
      const again = await claimOne(current(), "cio", T0 + 150);
      expect([again.deliveryId, again.attempts, again.firstAttemptAtMs]).toEqual([deliveryId, 1, T0 + 10]);
      expect(await logEntry(deliveryId)).toMatchObject({
        state: "retrying",
        reason: "HTTP 500",
        attempts: 1,
      });

      await current().settle(
        [{ deliveryId, leaseToken: again.leaseToken, state: "released", nextAttemptAtMs: T0 + 9000 }],
        T0 + 160,
      );
      expect(await claimAll(current(), "cio", T0 + 8999)).toEqual([]);
      expect(await current().nextWakeMs("cio")).toBe(T0 + 9000);
      expect((await claimOne(current(), "cio", T0 + 9000)).attempts).toBe(1);
    });

    it("ignores a late outcome for a delivery that is already terminal", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      expect(
        await current().settle(
          [{ deliveryId, leaseToken, state: "delivered", attempts: 1, status: 200 }],
          T0 + 1,
        ),
      ).toEqual({ stale: 0 });
      const late = await current().settle(
        [
          {
            deliveryId,
            leaseToken,
            state: "failed",
            attempts: 2,
            status: 500,
            stage: "delivery",
            reason: "late",
          },
          { deliveryId, leaseToken, state: "released", nextAttemptAtMs: T0 },
        ],
        T0 + 2,
      );
      expect(late).toEqual({ stale: 2 });
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
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      const settling = current().settle(
        [
          { deliveryId, leaseToken, state: "delivered", attempts: 1, status: 200 },
          { deliveryId: deliveryId + 1000, leaseToken, state: "delivered", attempts: 1 },
        ],
        T0 + 1,
      );
      await expect(settling).rejects.toMatchObject({ code: "ER_STORE_UNKNOWN_DELIVERY" });
      expect(await logEntry(deliveryId)).toMatchObject({ state: "queued", attempts: 0, lastStatus: null });
    });
  });

  describe("lease fencing", () => {
    const SHORT_LEASE_MS = 1000;

    /** A claims m1 with a short lease; it runs out and B claims m1 again. */
    async function takenOver(): Promise<{ a: ClaimedDelivery; b: ClaimedDelivery }> {
      await current().enqueue([event("m1")]);
      const [a] = await current().claim("cio", { limit: 10, nowMs: T0, leaseMs: SHORT_LEASE_MS });
      expect(
        await current().claim("cio", { limit: 10, nowMs: T0 + SHORT_LEASE_MS - 1, leaseMs: LEASE_MS }),
      ).toEqual([]);
      const [b] = await current().claim("cio", { limit: 10, nowMs: T0 + SHORT_LEASE_MS, leaseMs: LEASE_MS });
      if (a === undefined || b === undefined) throw new Error("expected both claims to take m1");
      expect(b.deliveryId).toBe(a.deliveryId);
      expect(b.leaseToken).not.toBe(a.leaseToken);
      return { a, b };
    }

    /** Every late outcome A could send, all with an attempt, so a history entry would show. */
    const lateOutcomes = {
      delivered: (a: ClaimedDelivery): DeliveryOutcome => ({
        deliveryId: a.deliveryId,
        leaseToken: a.leaseToken,
        state: "delivered",
        attempts: 1,
        status: 200,
        attempt: { latencyMs: 5 },
      }),
      retrying: (a: ClaimedDelivery): DeliveryOutcome => ({
        deliveryId: a.deliveryId,
        leaseToken: a.leaseToken,
        state: "retrying",
        attempts: 1,
        status: 503,
        nextAttemptAtMs: T0 + SHORT_LEASE_MS + 1,
        reason: "HTTP 503",
        attempt: { latencyMs: 5 },
      }),
      failed: (a: ClaimedDelivery): DeliveryOutcome => ({
        deliveryId: a.deliveryId,
        leaseToken: a.leaseToken,
        state: "failed",
        attempts: 1,
        status: 400,
        stage: "delivery",
        reason: "HTTP 400",
        attempt: { latencyMs: 5 },
      }),
      released: (a: ClaimedDelivery): DeliveryOutcome => ({
        deliveryId: a.deliveryId,
        leaseToken: a.leaseToken,
        state: "released",
        nextAttemptAtMs: T0,
      }),
    } as const;

    for (const [kind, late] of Object.entries(lateOutcomes)) {
      it(`ignores a late ${kind} from a claimer whose lease ran out and was taken over; the new claimer's settle applies`, async () => {
        const { a, b } = await takenOver();
        const before = await logEntry(a.deliveryId);
        expect(await current().settle([late(a)], T0 + SHORT_LEASE_MS + 1)).toEqual({ stale: 1 });
        // Nothing changed: the log row, the history, the body, and B's lease (no one can claim it).
        expect(await logEntry(a.deliveryId)).toEqual(before);
        expect(await current().deliveryAttempts(a.deliveryId)).toEqual([]);
        expect(await current().eventBody(a.deliveryId)).toBe(event("m1").body);
        expect(await claimAll(current(), "cio", T0 + SHORT_LEASE_MS + 2)).toEqual([]);

        const applied = await current().settle(
          [
            {
              deliveryId: b.deliveryId,
              leaseToken: b.leaseToken,
              state: "delivered",
              attempts: 1,
              status: 202,
            },
          ],
          T0 + SHORT_LEASE_MS + 3,
        );
        expect(applied).toEqual({ stale: 0 });
        expect(await logEntry(b.deliveryId)).toMatchObject({
          state: "delivered",
          attempts: 1,
          lastStatus: 202,
          reason: null,
          updatedAtMs: T0 + SHORT_LEASE_MS + 3,
        });
        expect(await current().eventBody(b.deliveryId)).toBeNull();
      });
    }

    it("applies the current claimer's outcomes and ignores the stale ones of the same call", async () => {
      const { a } = await takenOver();
      await current().enqueue([event("m2")]);
      const [other] = await claimAll(current(), "cio", T0 + SHORT_LEASE_MS + 1);
      if (other === undefined) throw new Error("expected m2 to be claimable");
      const result = await current().settle(
        [
          lateOutcomes.failed(a),
          { deliveryId: other.deliveryId, leaseToken: other.leaseToken, state: "delivered", attempts: 1 },
        ],
        T0 + SHORT_LEASE_MS + 2,
      );
      expect(result).toEqual({ stale: 1 });
      expect(await logEntry(a.deliveryId)).toMatchObject({ state: "queued", attempts: 0 });
      expect(await logEntry(other.deliveryId)).toMatchObject({ state: "delivered", attempts: 1 });
    });

    it("applies an outcome after the lease ran out while no other claim took the delivery", async () => {
      await current().enqueue([event("m1")]);
      const [a] = await current().claim("cio", { limit: 10, nowMs: T0, leaseMs: SHORT_LEASE_MS });
      if (a === undefined) throw new Error("expected m1 to be claimable");
      const result = await current().settle([lateOutcomes.delivered(a)], T0 + 10 * SHORT_LEASE_MS);
      expect(result).toEqual({ stale: 0 });
      expect(await logEntry(a.deliveryId)).toMatchObject({ state: "delivered", attempts: 1 });
    });

    it("gives every claim its own token, and a replayed dead letter none of its earlier claim's", async () => {
      await current().enqueue([event("m1"), event("m2")]);
      const [d1, d2] = await claimAll(current(), "cio", T0);
      expect(d1?.leaseToken).toBe(d2?.leaseToken);
      if (d1 === undefined) throw new Error("expected m1 to be claimable");
      await current().settle([lateOutcomes.failed(d1)], T0 + 1);
      expect(await current().replay({ deliveryIds: [d1.deliveryId] }, { nowMs: T0 + 2, limit: 10 })).toBe(1);
      // The claim that failed it sends once more, late: the replayed delivery is not touched.
      expect(await current().settle([lateOutcomes.delivered(d1)], T0 + 3)).toEqual({ stale: 1 });
      expect(await logEntry(d1.deliveryId)).toMatchObject({ state: "queued", attempts: 0, replays: 1 });
      const [again] = await claimAll(current(), "cio", T0 + 4);
      expect(again?.deliveryId).toBe(d1.deliveryId);
      expect(again?.leaseToken).not.toBe(d1.leaseToken);
    });
  });

  describe("event bodies", () => {
    async function settledBody(state: "delivered" | "failed" | "stopped"): Promise<string | null> {
      await current().enqueue([event("m1")]);
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      expect(await current().eventBody(deliveryId)).toBe(event("m1").body);
      await current().settle(
        [
          state === "delivered"
            ? { deliveryId, leaseToken, state, attempts: 1, status: 200 }
            : { deliveryId, leaseToken, state, attempts: 1, stage: "delivery", reason: "HTTP 400" },
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
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken,
            state: "retrying",
            attempts: 1,
            nextAttemptAtMs: T0 + 1,
            reason: "HTTP 503",
          },
        ],
        T0,
      );
      const again = await claimOne(current(), "cio", T0 + 1);
      await current().settle([{ deliveryId, leaseToken: again.leaseToken, state: "released" }], T0 + 1);
      expect(await current().eventBody(deliveryId)).toBe(event("m1").body);
    });

    it("keeps the body while another destination still waits, deletes it after the last", async () => {
      await current().enqueue([event("m1", { destinations: ["a", "b"] })]);
      const a = await claimOne(current(), "a", T0);
      await current().settle(
        [{ deliveryId: a.deliveryId, leaseToken: a.leaseToken, state: "delivered", attempts: 1 }],
        T0 + 1,
      );
      expect(await current().eventBody(a.deliveryId)).toBe(event("m1").body);
      const b = await claimOne(current(), "b", T0 + 1);
      expect(b.body).toBe(event("m1").body);
      await current().settle(
        [
          {
            deliveryId: b.deliveryId,
            leaseToken: b.leaseToken,
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
          {
            deliveryId: a.deliveryId,
            leaseToken: a.leaseToken,
            state: "failed",
            attempts: 5,
            stage: "delivery",
            reason: "HTTP 500",
          },
          { deliveryId: b.deliveryId, leaseToken: b.leaseToken, state: "delivered", attempts: 1 },
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
