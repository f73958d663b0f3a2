import { escapeIdentifier } from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuditVerification, auditHash, verifyAuditChain } from "../audit-chain.js";
import type { AuditEntry } from "../port.js";
import type { PostgresStore } from "./postgres-store.js";
import { adminQuery, requirePostgres, testStores } from "./test-support/test-database.js";

// Tampering with the audit log in PostgreSQL directly, and several nodes appending at once.

beforeAll(requirePostgres);

const T0 = 1_700_000_000_000;
const stores = testStores();
afterEach(() => stores.cleanup());

const entry = (n: number, actor = "ops"): AuditEntry => ({
  atMs: T0 + n,
  actor,
  action: "dlq.replay",
  target: `delivery:${n}`,
  outcome: "ok",
  detail: { count: n },
});

async function audited(count: number): Promise<PostgresStore> {
  const store = await stores.open({ poolSize: 2 });
  for (let n = 1; n <= count; n++) await store.appendAudit(entry(n));
  return store;
}

async function tamper(store: PostgresStore, ...statements: string[]): Promise<void> {
  const table = `${escapeIdentifier(store.schema)}.audit_log`;
  const state = `${escapeIdentifier(store.schema)}.audit_state`;
  for (const statement of statements) {
    await adminQuery(statement.replaceAll("audit_log", table).replaceAll("audit_state", state));
  }
}

/** Every entry (paged as the CLI pages) verified against the store's state. */
async function verify(store: PostgresStore): Promise<AuditVerification> {
  const state = await store.auditState();
  const records = [];
  for (let fromSeq = 0; ; ) {
    const page = await store.listAudit({ fromSeq, limit: 1000 });
    records.push(...page);
    if (page.length < 1000) break;
    fromSeq = (page.at(-1)?.seq ?? 0) + 1;
  }
  return verifyAuditChain(records, state.anchor, state.head);
}

describe("the PostgreSQL audit log under tampering", () => {
  it("verifies as written", async () => {
    expect(await verify(await audited(5))).toMatchObject({ ok: true, entries: 5 });
  });

  it("catches an edited row", async () => {
    const store = await audited(5);
    await tamper(store, "UPDATE audit_log SET target = 'delivery:99' WHERE seq = 3");
    expect(await verify(store)).toMatchObject({ ok: false, seq: 3, problem: "edited" });
  });

  it("catches an edited row whose hash was recomputed", async () => {
    const store = await audited(5);
    // A forger who knows the scheme rewrites entry 2 and its hash: entry 3 no longer chains to it.
    const [row] = await adminQuery<{ prev_hash: string }>(
      `SELECT prev_hash FROM ${escapeIdentifier(store.schema)}.audit_log WHERE seq = 2`,
    );
    const forged = auditHash(row?.prev_hash ?? "", { ...entry(2), actor: "nobody" }, 2);
    await tamper(store, `UPDATE audit_log SET actor = 'nobody', hash = '${forged}' WHERE seq = 2`);
    expect(await verify(store)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("catches a deleted row, in the middle and at the end", async () => {
    const store = await audited(5);
    await tamper(store, "DELETE FROM audit_log WHERE seq = 4");
    expect(await verify(store)).toMatchObject({ ok: false, seq: 4, problem: "removed" });
    const tail = await audited(5);
    await tamper(tail, "DELETE FROM audit_log WHERE seq = 5");
    expect(await verify(tail)).toMatchObject({ ok: false, seq: 5, problem: "removed" });
  });

  it("catches reordered rows", async () => {
    const store = await audited(5);
    await tamper(
      store,
      "UPDATE audit_log SET seq = -1 WHERE seq = 3",
      "UPDATE audit_log SET seq = 3 WHERE seq = 4",
      "UPDATE audit_log SET seq = 4 WHERE seq = -1",
    );
    expect(await verify(store)).toMatchObject({ ok: false, seq: 3, problem: "reordered" });
  });
});

describe("several nodes", () => {
  it("keep one unbroken chain when 3 stores append concurrently", async () => {
    const first = await stores.open({ poolSize: 4 });
    const nodes = [
      first,
      ...(await Promise.all([1, 2].map(() => stores.open({ schema: first.schema, poolSize: 4 })))),
    ];
    const perNode = 40;
    const appended = await Promise.all(
      nodes.map((node, index) =>
        Promise.all(Array.from({ length: perNode }, (_, n) => node.appendAudit(entry(n, `node-${index}`)))),
      ),
    );
    const seqs = appended.flat().map((record) => record.seq);
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 3 * perNode }, (_, n) => n + 1));
    const result = await verify(nodes[2] as PostgresStore);
    expect(result).toMatchObject({ ok: true, entries: 3 * perNode, head: { seq: 3 * perNode } });
    // Each node sees the same head.
    const heads = await Promise.all(nodes.map((node) => node.auditState()));
    expect(new Set(heads.map((state) => state.head.hash)).size).toBe(1);
  });

  it("keeps the chain verifiable while one node purges and others append", async () => {
    const first = await stores.open({ poolSize: 4 });
    const second = await stores.open({ schema: first.schema, poolSize: 4 });
    for (let n = 1; n <= 30; n++) await first.appendAudit(entry(n));
    const [purged] = await Promise.all([
      first.purge({
        deliveryLogBefore: 0,
        deadLettersBefore: 0,
        auditBefore: T0 + 21,
        nowMs: T0 + 100,
        chunk: 3,
      }),
      Promise.all(Array.from({ length: 10 }, (_, n) => second.appendAudit(entry(100 + n)))),
    ]);
    expect(purged.audit).toBe(20);
    expect(await verify(second)).toMatchObject({ ok: true, entries: 20, anchor: { seq: 20 } });
  });
});
