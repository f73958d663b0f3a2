import { describe, expect, it } from "vitest";
import type { DeliveryOutcome } from "../port.js";
import { type CurrentStore, claimAll, claimOne, event, messageIds, T0 } from "./fixtures.js";

/** Attempt history (the trace) and dead-letter replay. */
export function describeDeadLetterContract(current: CurrentStore): void {
  /** Enqueue `ids`, claim them and fail every one with an HTTP 400 attempt at `atMs`. */
  async function deadLetters(ids: string[], atMs: number, destination = "cio"): Promise<number[]> {
    await current().enqueue(ids.map((id) => event(id, { destinations: [destination] })));
    const claimed = await claimAll(current(), destination, atMs);
    const outcomes: DeliveryOutcome[] = claimed.map((d) => ({
      deliveryId: d.deliveryId,
      leaseToken: d.leaseToken,
      state: "failed",
      stage: "delivery",
      reason: "HTTP 400: bad request",
      attempts: 1,
      status: 400,
      attempt: { latencyMs: 12 },
    }));
    await current().settle(outcomes, atMs);
    return claimed.map((d) => d.deliveryId);
  }

  describe("attempt history", () => {
    it("records every attempt with time, status, latency, state and reason, oldest first", async () => {
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
            attempt: { latencyMs: 40 },
          },
        ],
        T0 + 40,
      );
      const second = await claimOne(current(), "cio", T0 + 100);
      await current().settle(
        // no attempt: not recorded
        [{ deliveryId, leaseToken: second.leaseToken, state: "released", nextAttemptAtMs: T0 + 150 }],
        T0 + 120,
      );
      const third = await claimOne(current(), "cio", T0 + 150);
      await current().settle(
        [
          {
            deliveryId,
            leaseToken: third.leaseToken,
            state: "delivered",
            attempts: 2,
            status: 200,
            attempt: { latencyMs: 7 },
          },
        ],
        T0 + 160,
      );
      expect(await current().deliveryAttempts(deliveryId)).toEqual([
        { atMs: T0 + 40, status: 503, latencyMs: 40, state: "retrying", reason: "HTTP 503" },
        { atMs: T0 + 160, status: 200, latencyMs: 7, state: "delivered", reason: null },
      ]);
      expect(await current().deliveryAttempts(deliveryId + 1000)).toEqual([]);
    });

    it("records a network failure without a status, and keeps only the last 50 attempts", async () => {
      await current().enqueue([event("m1")]);
      const { deliveryId, leaseToken } = await claimOne(current(), "cio", T0);
      for (let i = 1; i <= 55; i++) {
        await current().settle(
          [
            {
              deliveryId,
              leaseToken,
              state: "retrying",
              attempts: i,
              nextAttemptAtMs: T0,
              reason: "connection reset",
              attempt: { latencyMs: i },
            },
          ],
          T0 + i,
        );
      }
      const history = await current().deliveryAttempts(deliveryId);
      expect(history).toHaveLength(50);
      expect(history[0]).toEqual({
        atMs: T0 + 6,
        status: null,
        latencyMs: 6,
        state: "retrying",
        reason: "connection reset",
      });
      expect(history[49]?.atMs).toBe(T0 + 55);
    });
  });

  describe("dead-letter replay", () => {
    it("puts failed deliveries back in the queue with their messageId, body and a fresh retry window", async () => {
      const [id] = await deadLetters(["m1"], T0);
      const body = await current().eventBody(id!);
      expect(body).not.toBeNull();
      expect(await current().replay({ messageId: "m1" }, { nowMs: T0 + 1000, limit: 100 })).toBe(1);
      const [entry] = await current().listDeliveries({ messageId: "m1" });
      expect(entry).toMatchObject({
        state: "queued",
        stage: null,
        reason: null,
        attempts: 0,
        firstAttemptAtMs: null,
        replays: 1,
        updatedAtMs: T0 + 1000,
      });
      const again = await claimOne(current(), "cio", T0 + 1000);
      expect(again).toMatchObject({ deliveryId: id, messageId: "m1", attempts: 0, body });
      // The history survives the replay.
      expect(await current().deliveryAttempts(id!)).toHaveLength(1);
    });

    it("replays by destination, delivery ids and time range, never delivered or stopped ones", async () => {
      const early = await deadLetters(["e1", "e2"], T0);
      const late = await deadLetters(["l1", "l2"], T0 + 10_000);
      await deadLetters(["x1"], T0, "other");
      await current().enqueue([event("ok")]);
      const ok = await claimOne(current(), "cio", T0);
      await current().settle(
        [{ deliveryId: ok.deliveryId, leaseToken: ok.leaseToken, state: "delivered", attempts: 1 }],
        T0,
      );

      const at = { nowMs: T0 + 20_000, limit: 100 };
      expect(await current().replay({ destination: "cio", toMs: T0 + 5000 }, at)).toBe(2);
      expect(messageIds(await claimAll(current(), "cio", T0 + 20_000))).toEqual(["e1", "e2"]);
      expect(await current().replay({ deliveryIds: [late[1]!, early[0]!, ok.deliveryId] }, at)).toBe(1);
      expect(messageIds(await claimAll(current(), "cio", T0 + 20_000))).toEqual(["l2"]);
      expect(await current().replay({ fromMs: T0 + 10_000 }, at)).toBe(1);
      expect(messageIds(await claimAll(current(), "cio", T0 + 20_000))).toEqual(["l1"]);
      expect(await current().replay({}, at)).toBe(1); // x1 on "other"
      expect(await current().replay({}, at)).toBe(0);
    });

    it("replays at most `limit`, oldest first, and filters the log by time", async () => {
      await deadLetters(["m1", "m2", "m3"], T0);
      expect(await current().replay({}, { nowMs: T0 + 1, limit: 2 })).toBe(2);
      expect(messageIds(await current().listDeliveries({ state: "failed" }))).toEqual(["m3"]);
      expect(messageIds(await current().listDeliveries({ fromMs: T0 + 1 }))).toEqual(["m2", "m1"]);
      expect(messageIds(await current().listDeliveries({ toMs: T0 + 1 }))).toEqual(["m3"]);
    });

    it("rejects malformed filters", async () => {
      await expect(current().replay({ deliveryIds: [0] }, { nowMs: T0, limit: 1 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
      await expect(current().replay({}, { nowMs: T0, limit: 0 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });
}
