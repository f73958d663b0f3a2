import { describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit-chain.js";
import type { DeliveryOutcome, PurgeOptions, Store } from "../port.js";
import { ERASED_REASON } from "../retention-input.js";
import { type CurrentStore, claimAll, event, T0 } from "./fixtures.js";

const DAY_MS = 86_400_000;

/** Retention (`purge`) and erasure (`forgetPerson`). */
export function describeRetentionContract(current: CurrentStore): void {
  /** Claim every ready delivery of `destination` at `atMs` and settle each as `outcomeOf(messageId)` says. */
  async function settleAll(
    destination: string,
    atMs: number,
    outcomeOf: (messageId: string) => "delivered" | "failed" | "stopped" | null,
  ): Promise<void> {
    const claimed = await claimAll(current(), destination, atMs);
    const outcomes: DeliveryOutcome[] = [];
    for (const delivery of claimed) {
      const state = outcomeOf(delivery.messageId);
      const base = { deliveryId: delivery.deliveryId, leaseToken: delivery.leaseToken, attempts: 1 };
      if (state === null)
        outcomes.push({
          deliveryId: delivery.deliveryId,
          leaseToken: delivery.leaseToken,
          state: "released",
        });
      else if (state === "delivered") outcomes.push({ ...base, state, status: 200 });
      else outcomes.push({ ...base, state, stage: "delivery", reason: "HTTP 400", status: 400 });
    }
    await current().settle(outcomes, atMs);
  }

  /** The log as `messageId/destination/state`, oldest first. */
  async function logRows(store: Store = current()): Promise<string[]> {
    const rows = await store.listDeliveries({ limit: 1000 });
    return rows.reverse().map((row) => `${row.messageId}/${row.destination}/${row.state}`);
  }

  const purgeAt = (overrides: Partial<PurgeOptions>): PurgeOptions => ({
    deliveryLogBefore: T0 + 5 * DAY_MS,
    deadLettersBefore: T0 + 5 * DAY_MS,
    auditBefore: 0,
    nowMs: T0 + 40 * DAY_MS,
    chunk: 1000,
    ...overrides,
  });

  describe("purge", () => {
    /** Old terminal rows of every state, an old waiting one, an event half delivered, and recent rows. */
    async function history(): Promise<void> {
      await current().enqueue([
        event("old-delivered"),
        event("old-stopped"),
        event("old-failed"),
        event("old-waiting"),
        event("old-mixed", { destinations: ["cio", "slow"] }),
      ]);
      const outcome = {
        "old-delivered": "delivered",
        "old-stopped": "stopped",
        "old-failed": "failed",
      } as const;
      await settleAll("cio", T0 + 1000, (id) =>
        id === "old-waiting" ? null : id === "old-mixed" ? "delivered" : outcome[id as keyof typeof outcome],
      );
      await current().enqueue([
        event("new-delivered", { receivedAtMs: T0 + 10 * DAY_MS }),
        event("new-failed", { receivedAtMs: T0 + 10 * DAY_MS }),
      ]);
      await settleAll("cio", T0 + 10 * DAY_MS, (id) =>
        id === "new-delivered" ? "delivered" : id === "new-failed" ? "failed" : null,
      );
    }

    it("deletes old terminal rows and events left without deliveries, never waiting ones", async () => {
      await history();
      const result = await current().purge(purgeAt({}));
      expect(result).toEqual({ deliveries: 3, deadLetters: 1, audit: 0, events: 3 });
      expect(await logRows()).toEqual([
        "old-waiting/cio/queued",
        "old-mixed/slow/queued",
        "new-delivered/cio/delivered",
        "new-failed/cio/failed",
      ]);
      // The half-delivered event keeps its body for the delivery still waiting.
      const [slow] = await claimAll(current(), "slow", T0 + 40 * DAY_MS);
      expect(slow?.body).toBe(event("old-mixed").body);
      // A second run finds nothing more.
      expect(await current().purge(purgeAt({}))).toEqual({
        deliveries: 0,
        deadLetters: 0,
        audit: 0,
        events: 0,
      });
    });

    it("keeps each class for its own period", async () => {
      await history();
      expect(await current().purge(purgeAt({ deadLettersBefore: T0 }))).toEqual({
        deliveries: 3,
        deadLetters: 0,
        audit: 0,
        events: 2,
      });
      expect(await logRows()).toContain("old-failed/cio/failed");
      expect(
        await current().purge(purgeAt({ deliveryLogBefore: T0, deadLettersBefore: T0 + 30 * DAY_MS })),
      ).toEqual({
        deliveries: 0,
        deadLetters: 2,
        audit: 0,
        events: 2,
      });
      expect(await logRows()).toEqual([
        "old-waiting/cio/queued",
        "old-mixed/slow/queued",
        "new-delivered/cio/delivered",
      ]);
    });

    it("works in chunks, reporting progress, and stops when aborted", async () => {
      await history();
      const aborted = new AbortController();
      aborted.abort();
      expect(await current().purge(purgeAt({ signal: aborted.signal }))).toEqual({
        deliveries: 0,
        deadLetters: 0,
        audit: 0,
        events: 0,
      });
      const progress: [number, number][] = [];
      const result = await current().purge(
        purgeAt({ chunk: 1, onProgress: (removed, total) => progress.push([removed, total]) }),
      );
      expect(result).toEqual({ deliveries: 3, deadLetters: 1, audit: 0, events: 3 });
      expect(progress).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
    });

    it("removes the oldest unbroken run of old audit entries and anchors the rest to it", async () => {
      // Recorded at these times (ms after T0); the fourth is recent, the fifth old again (a skewed clock).
      const times = [1, 2, 3, 10 * DAY_MS, 4, 11 * DAY_MS];
      const records = [];
      for (const at of times) {
        records.push(
          await current().appendAudit({ atMs: T0 + at, actor: "ops", action: "x.y", outcome: "ok" }),
        );
      }
      const result = await current().purge(purgeAt({ auditBefore: T0 + 5 * DAY_MS, chunk: 2 }));
      expect(result).toEqual({ deliveries: 0, deadLetters: 0, audit: 3, events: 0 });
      const state = await current().auditState();
      expect(state.anchor).toEqual({ seq: 3, hash: records[2]?.hash });
      expect(state.head).toEqual({ seq: 6, hash: records[5]?.hash });
      const left = await current().listAudit({});
      expect(left.map((record) => record.seq)).toEqual([4, 5, 6]);
      expect(verifyAuditChain(left, state.anchor, state.head)).toMatchObject({ ok: true, entries: 3 });
      // Appends go on from the head.
      const next = await current().appendAudit({
        atMs: T0 + 12 * DAY_MS,
        actor: "ops",
        action: "x.y",
        outcome: "ok",
      });
      expect(next).toMatchObject({ seq: 7, prevHash: records[5]?.hash });
      // Purging everything leaves an empty log whose anchor is the head: still verifiable, still appendable.
      expect((await current().purge(purgeAt({ auditBefore: T0 + 100 * DAY_MS }))).audit).toBe(4);
      const emptied = await current().auditState();
      expect(emptied.anchor).toEqual(emptied.head);
      expect(verifyAuditChain(await current().listAudit({}), emptied.anchor, emptied.head)).toMatchObject({
        ok: true,
        entries: 0,
      });
    });

    it("refuses bad options", async () => {
      await expect(current().purge(purgeAt({ chunk: 0 }))).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
      await expect(current().purge(purgeAt({ auditBefore: -1 }))).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });

  describe("forgetPerson", () => {
    const ada = (id: string, body: object, key = "key-ada") =>
      event(id, { orderingKey: key, body: JSON.stringify({ messageId: id, ...body }) });

    /** Ada (key-ada): delivered, failed and queued events; Bob (key-bob) likewise; anonymous events. */
    async function people(): Promise<void> {
      await current().enqueue([
        ada("ada-1", { type: "identify", userId: "ada" }),
        ada("ada-2", { type: "track", userId: "ada" }),
        { ...ada("ada-3", { type: "track", userId: "ada" }), destinations: ["cio", "eu"] },
        event("bob-1", { orderingKey: "key-bob" }),
        event("bob-2", { orderingKey: "key-bob" }),
        event("bob-3", { orderingKey: "key-bob" }),
      ]);
      const outcome = {
        "ada-1": "delivered",
        "ada-2": "failed",
        "bob-1": "delivered",
        "bob-2": "failed",
      } as const;
      await settleAll("cio", T0 + 1000, (id) => outcome[id as keyof typeof outcome] ?? null);
    }

    it("deletes every delivery and event of the person's key, in any state, and nothing of others", async () => {
      await people();
      const result = await current().forgetPerson("key-ada", { nowMs: T0 + 2000, chunk: 1 });
      expect(result).toEqual({ deliveries: 4, events: 3, inFlight: 0 });
      expect(await logRows()).toEqual(["bob-1/cio/delivered", "bob-2/cio/failed", "bob-3/cio/queued"]);
      expect(await claimAll(current(), "eu", T0 + 3000)).toEqual([]);
      expect(await current().forgetPerson("key-ada", { nowMs: T0 + 3000 })).toEqual({
        deliveries: 0,
        events: 0,
        inFlight: 0,
      });
    });

    it("finds the person through the stored bodies, and events that only mention them", async () => {
      await people();
      await current().enqueue([
        // Eve's identify carries the email Sluice is asked to forget; her earlier event is delivered.
        event("eve-1", { orderingKey: "key-eve", body: JSON.stringify({ type: "track", userId: "eve" }) }),
      ]);
      await settleAll("cio", T0 + 1500, (id) => (id === "eve-1" ? "delivered" : null));
      await current().enqueue([
        event("eve-2", {
          orderingKey: "key-eve",
          body: JSON.stringify({ type: "identify", traits: { email: "ADA@example.com" } }),
        }),
        event("tom-1", {
          orderingKey: "key-tom",
          body: JSON.stringify({ type: "track", properties: { referred: "ada@example.com" } }),
        }),
      ]);
      const seen: string[] = [];
      const result = await current().forgetPerson("key-nobody", {
        nowMs: T0 + 2000,
        matchBody: (body, { messageId }) => {
          seen.push(messageId);
          const lower = body.toLowerCase();
          if (lower.includes('"email":"ada@example.com"')) return "person";
          return lower.includes("ada@example.com") ? "event" : null;
        },
      });
      // eve-1 was delivered (its body is gone) but shares eve-2's key; tom-1 alone goes, not tom.
      expect(result).toEqual({ deliveries: 3, events: 3, inFlight: 0 });
      expect(seen.sort()).toEqual(["ada-2", "ada-3", "bob-2", "bob-3", "eve-2", "tom-1"]);
      expect(await logRows()).toEqual([
        "ada-1/cio/delivered",
        "ada-2/cio/failed",
        "ada-3/cio/queued",
        "ada-3/eu/queued",
        "bob-1/cio/delivered",
        "bob-2/cio/failed",
        "bob-3/cio/queued",
      ]);
    });

    it("stops the deliveries a lane holds instead of deleting them under it", async () => {
      await people();
      const [held] = (await claimAll(current(), "eu", T0 + 2000)).filter((d) => d.messageId === "ada-3");
      expect(held).toBeDefined();
      const result = await current().forgetPerson("key-ada", { nowMs: T0 + 2500 });
      expect(result).toEqual({ deliveries: 3, events: 2, inFlight: 1 });
      const [row] = await current().listDeliveries({ messageId: "ada-3" });
      expect(row).toMatchObject({
        destination: "eu",
        state: "stopped",
        stage: "delivery",
        reason: ERASED_REASON,
      });
      expect(await current().eventBody(held?.deliveryId ?? 0)).toBeNull();
      // The lane's late outcome changes nothing.
      await current().settle(
        [
          {
            deliveryId: held?.deliveryId ?? 0,
            leaseToken: held?.leaseToken ?? "",
            state: "delivered",
            attempts: 1,
          },
        ],
        T0 + 3000,
      );
      expect((await current().listDeliveries({ messageId: "ada-3" }))[0]?.state).toBe("stopped");
      expect(await logRows()).toEqual([
        "ada-3/eu/stopped",
        "bob-1/cio/delivered",
        "bob-2/cio/failed",
        "bob-3/cio/queued",
      ]);
    });

    it("refuses an empty key", async () => {
      await expect(current().forgetPerson("", { nowMs: T0 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });
  });
}
