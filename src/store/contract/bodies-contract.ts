import { describe, expect, it } from "vitest";
import type { BodyReplacement, Store, StoredBody } from "../port.js";
import { type CurrentStore, claimAll, claimOne, event, T0 } from "./fixtures.js";

/** The stored-body methods key rotation uses; every adapter implements them, so the contract requires them. */
type BodyMethods = {
  listBodies(afterEventSeq: number, limit: number): Promise<StoredBody[]>;
  replaceBodies(rows: readonly BodyReplacement[]): Promise<number>;
};

function bodies(store: Store): BodyMethods {
  const { listBodies, replaceBodies } = store;
  if (listBodies === undefined || replaceBodies === undefined) {
    throw new Error("this adapter does not implement listBodies/replaceBodies");
  }
  return {
    listBodies: (afterEventSeq, limit) => listBodies.call(store, afterEventSeq, limit),
    replaceBodies: (rows) => replaceBodies.call(store, rows),
  };
}

/**
 * `listBodies` and `replaceBodies` (key rotation). The bodies are compared as stored, never as
 * enqueued, so the suite also passes through the encryption decorator (whose stored text is
 * ciphertext); replacements are plaintext JSON, which every store reads back as it is.
 */
export function describeBodiesContract(current: CurrentStore): void {
  /** Every stored body, page by page. */
  async function listAll(pageSize = 1000): Promise<StoredBody[]> {
    const all: StoredBody[] = [];
    for (let after = 0; ; ) {
      const page = await bodies(current()).listBodies(after, pageSize);
      all.push(...page);
      const last = page.at(-1);
      if (last === undefined || page.length < pageSize) return all;
      after = last.eventSeq;
    }
  }

  describe("stored bodies (key rotation)", () => {
    it("lists stored bodies in event order, page by page, with their source and messageId", async () => {
      await current().enqueue(["m1", "m2", "m3", "m4", "m5"].map((id) => event(id)));
      await current().enqueue([event("m6", { sourceName: "app" })]);
      const first = await bodies(current()).listBodies(0, 2);
      expect(first.map((row) => row.messageId)).toEqual(["m1", "m2"]);
      const rest = await bodies(current()).listBodies(first[1]?.eventSeq ?? -1, 10);
      expect(rest.map((row) => [row.sourceName, row.messageId])).toEqual([
        ["web", "m3"],
        ["web", "m4"],
        ["web", "m5"],
        ["app", "m6"],
      ]);
      const seqs = [...first, ...rest].map((row) => row.eventSeq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(6);
      for (const row of [...first, ...rest]) {
        expect(Object.keys(row).sort()).toEqual(["body", "eventSeq", "messageId", "sourceName"]);
        expect(typeof row.body).toBe("string");
        expect(row.body.length).toBeGreaterThan(0);
      }
      expect(await bodies(current()).listBodies(rest.at(-1)?.eventSeq ?? 0, 10)).toEqual([]);
    });

    it("lists neither deleted bodies (delivered) nor duplicates, and keeps dead letters' bodies", async () => {
      await current().enqueue([event("m1"), event("m2"), event("m3")]);
      await current().enqueue([event("m1")]); // duplicate: no new body
      const [d1, d2] = await claimAll(current(), "cio", T0);
      if (d1 === undefined || d2 === undefined) throw new Error("expected three deliveries");
      await current().settle(
        [
          {
            deliveryId: d1.deliveryId,
            leaseToken: d1.leaseToken,
            state: "delivered",
            attempts: 1,
            status: 200,
          },
          {
            deliveryId: d2.deliveryId,
            leaseToken: d2.leaseToken,
            state: "failed",
            stage: "delivery",
            reason: "HTTP 400",
            attempts: 1,
          },
        ],
        T0 + 1,
      );
      expect((await listAll()).map((row) => row.messageId)).toEqual(["m2", "m3"]);
    });

    it("replaces a body whose stored text is still the expected one; claim and eventBody read the new one", async () => {
      await current().enqueue([event("m1"), event("m2")]);
      const [row1, row2] = await listAll();
      if (row1 === undefined || row2 === undefined) throw new Error("expected two bodies");
      const replacement = '{"replaced":"m1"}';
      await expect(
        bodies(current()).replaceBodies([
          { eventSeq: row1.eventSeq, body: replacement, expectedBody: row1.body },
        ]),
      ).resolves.toBe(1);
      expect(await listAll()).toEqual([{ ...row1, body: replacement }, row2]);
      const [c1, c2] = await claimAll(current(), "cio", T0);
      expect(c1?.body).toBe(replacement);
      expect(c2?.body).toBe(event("m2").body);
      if (c1 === undefined) throw new Error("expected a claim");
      await current().settle(
        [
          {
            deliveryId: c1.deliveryId,
            leaseToken: c1.leaseToken,
            state: "failed",
            stage: "delivery",
            reason: "HTTP 400",
            attempts: 1,
          },
        ],
        T0 + 1,
      );
      expect(await current().eventBody(c1.deliveryId)).toBe(replacement);
    });

    it("leaves a body that changed meanwhile alone (compare-and-swap), counting only replaced ones", async () => {
      await current().enqueue([event("m1"), event("m2"), event("m3")]);
      const [row1, row2, row3] = await listAll();
      if (row1 === undefined || row2 === undefined || row3 === undefined) throw new Error("expected three");
      const replaced = await bodies(current()).replaceBodies([
        { eventSeq: row3.eventSeq, body: '{"n":3}', expectedBody: row3.body },
        { eventSeq: row1.eventSeq, body: '{"n":1}', expectedBody: `${row1.body}-stale` },
        { eventSeq: row2.eventSeq, body: '{"n":2}', expectedBody: row2.body },
        { eventSeq: row3.eventSeq + 1000, body: '{"n":0}', expectedBody: row3.body },
      ]);
      expect(replaced).toBe(2);
      expect((await listAll()).map((row) => row.body)).toEqual([row1.body, '{"n":2}', '{"n":3}']);
    });

    it("never brings back a body deleted meanwhile (delivered after it was listed)", async () => {
      await current().enqueue([event("m1"), event("m2")]);
      const listed = await listAll();
      const [d1] = await claimAll(current(), "cio", T0);
      if (d1 === undefined) throw new Error("expected a claim");
      await current().settle(
        [
          {
            deliveryId: d1.deliveryId,
            leaseToken: d1.leaseToken,
            state: "delivered",
            attempts: 1,
            status: 200,
          },
        ],
        T0 + 1,
      );
      const replaced = await bodies(current()).replaceBodies(
        listed.map((row) => ({
          eventSeq: row.eventSeq,
          body: `{"again":"${row.messageId}"}`,
          expectedBody: row.body,
        })),
      );
      expect(replaced).toBe(1);
      expect((await listAll()).map((row) => [row.messageId, row.body])).toEqual([["m2", '{"again":"m2"}']]);
      expect(await current().eventBody(d1.deliveryId)).toBeNull();
    });

    it("rejects invalid arguments with ER_STORE_INVALID_INPUT, changing nothing", async () => {
      await current().enqueue([event("m1")]);
      const [row] = await listAll();
      if (row === undefined) throw new Error("expected a body");
      const store = bodies(current());
      for (const call of [
        () => store.listBodies(-1, 10),
        () => store.listBodies(0, 0),
        () => store.listBodies(0, 10_001),
        () => store.listBodies(1.5, 10),
        () =>
          store.replaceBodies([
            { eventSeq: row.eventSeq, body: "{}", expectedBody: row.body },
            { eventSeq: row.eventSeq, body: "[]", expectedBody: row.body },
          ]),
        () => store.replaceBodies([{ eventSeq: 0, body: "{}", expectedBody: row.body }]),
        () =>
          store.replaceBodies([
            { eventSeq: row.eventSeq, body: 7 as unknown as string, expectedBody: row.body },
          ]),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
      }
      await expect(store.replaceBodies([])).resolves.toBe(0);
      expect(await listAll()).toEqual([row]);
      expect((await claimOne(current(), "cio", T0)).body).toBe(event("m1").body);
    });

    it("rejects both methods with ER_STORE_CLOSED once the store is closed", async () => {
      const store = current();
      const methods = bodies(store);
      await store.close();
      await expect(methods.listBodies(0, 10)).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
      await expect(methods.replaceBodies([])).rejects.toMatchObject({ code: "ER_STORE_CLOSED" });
    });
  });
}
