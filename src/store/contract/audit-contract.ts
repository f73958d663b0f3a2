import { describe, expect, it } from "vitest";
import { auditHash, GENESIS_HASH, verifyAuditChain } from "../audit-chain.js";
import type { AuditEntry } from "../port.js";
import { type CurrentStore, T0 } from "./fixtures.js";

/** The hash-chained audit log: append, list, state, and what it refuses. */
export function describeAuditContract(current: CurrentStore): void {
  const entry = (n: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
    atMs: T0 + n,
    actor: "ops",
    action: "dlq.replay",
    outcome: "ok",
    ...overrides,
  });

  describe("audit log", () => {
    it("starts empty at genesis", async () => {
      expect(await current().auditState()).toEqual({
        head: { seq: 0, hash: GENESIS_HASH },
        anchor: { seq: 0, hash: GENESIS_HASH },
      });
      expect(await current().listAudit({})).toEqual([]);
    });

    it("numbers entries from 1 and chains each onto the one before it", async () => {
      const first = await current().appendAudit(
        entry(1, { target: "delivery:7", detail: { filter: { destination: "cio" }, count: 3 } }),
      );
      const second = await current().appendAudit(entry(2, { outcome: "denied", actor: "viewer" }));
      expect(first).toEqual({
        atMs: T0 + 1,
        actor: "ops",
        action: "dlq.replay",
        target: "delivery:7",
        outcome: "ok",
        detail: { count: 3, filter: { destination: "cio" } },
        seq: 1,
        prevHash: GENESIS_HASH,
        hash: auditHash(GENESIS_HASH, first, 1),
      });
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, outcome: "denied", actor: "viewer" });
      expect(second).not.toHaveProperty("target");
      expect(second).not.toHaveProperty("detail");
      expect(await current().listAudit({})).toEqual([first, second]);
      expect(await current().auditState()).toEqual({
        head: { seq: 2, hash: second.hash },
        anchor: { seq: 0, hash: GENESIS_HASH },
      });
      expect(
        verifyAuditChain(await current().listAudit({}), undefined, { seq: 2, hash: second.hash }),
      ).toEqual({
        ok: true,
        entries: 2,
        head: { seq: 2, hash: second.hash },
        anchor: { seq: 0, hash: GENESIS_HASH },
      });
    });

    it("hashes the detail whatever order its keys were given in, and stores text exactly", async () => {
      const record = await current().appendAudit(
        entry(1, { detail: { z: [1, "é", null, { b: true, a: -0.5 }], a: "日本 \u{1F600}" } }),
      );
      const [listed] = await current().listAudit({});
      expect(listed).toEqual(record);
      expect(listed?.detail).toEqual({ a: "日本 \u{1F600}", z: [1, "é", null, { a: -0.5, b: true }] });
      expect(auditHash(GENESIS_HASH, listed as AuditEntry, 1)).toBe(record.hash);
    });

    it("lists by seq from fromSeq, oldest or newest first, with a capped limit", async () => {
      for (let n = 1; n <= 5; n++) await current().appendAudit(entry(n));
      const seqs = async (filter: Parameters<ReturnType<CurrentStore>["listAudit"]>[0]) =>
        (await current().listAudit(filter)).map((record) => record.seq);
      expect(await seqs({ fromSeq: 3 })).toEqual([3, 4, 5]);
      expect(await seqs({ limit: 2 })).toEqual([1, 2]);
      expect(await seqs({ newestFirst: true, limit: 2 })).toEqual([5, 4]);
      expect(await seqs({ fromSeq: 2, limit: 2 })).toEqual([2, 3]);
      expect(await seqs({ limit: 5000 })).toEqual([1, 2, 3, 4, 5]);
      await expect(current().listAudit({ limit: 0 })).rejects.toMatchObject({
        code: "ER_STORE_INVALID_INPUT",
      });
    });

    it("keeps one unbroken chain under concurrent appends", async () => {
      const records = await Promise.all(
        Array.from({ length: 20 }, (_, n) => current().appendAudit(entry(n))),
      );
      expect(records.map((record) => record.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, n) => n + 1),
      );
      const state = await current().auditState();
      expect(verifyAuditChain(await current().listAudit({}), state.anchor, state.head)).toMatchObject({
        ok: true,
        entries: 20,
      });
    });

    it("refuses malformed entries, naming the field and never the value, and records nothing", async () => {
      const bad: [Partial<AuditEntry> & Record<string, unknown>, string][] = [
        [{ atMs: -1 }, "atMs"],
        [{ atMs: 1.5 }, "atMs"],
        [{ actor: "" }, "actor"],
        [{ action: "Replay Everything" }, "action"],
        [{ outcome: "maybe" as "ok" }, "outcome"],
        [{ target: "x\u0000secret-value" }, "target"],
        [{ detail: { n: Number.NaN } }, "detail.n"],
        [{ detail: { when: new Date(0) as unknown as string } }, "detail.when"],
        [{ detail: ["a"] as unknown as AuditEntry["detail"] & object }, "detail"],
      ];
      for (const [overrides, field] of bad) {
        const attempt = current().appendAudit(entry(1, overrides));
        await expect(attempt, field).rejects.toMatchObject({ code: "ER_STORE_INVALID_INPUT" });
        const message = await attempt.catch((error: Error) => error.message);
        expect(message, field).toContain(field);
        expect(message).not.toContain("secret-value");
      }
      expect(await current().listAudit({})).toEqual([]);
      expect((await current().auditState()).head.seq).toBe(0);
    });
  });
}
