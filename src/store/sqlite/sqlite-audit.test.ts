import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type AuditVerification, verifyAuditChain } from "../audit-chain.js";
import type { AuditEntry } from "../port.js";
import { appendAuditBeside, readAuditChain, readAuditLog } from "./sqlite-audit.js";
import { forgetPersonBeside } from "./sqlite-retention.js";
import { openSqliteStore } from "./sqlite-store.js";
import { tempDir } from "./test-support/temp-dir.js";

// Tampering with the audit log in the SQLite file itself, as someone with the file could, and the
// connections the CLI opens beside a running Sluice.

const T0 = 1_700_000_000_000;
const dirs: { remove: () => void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

const entry = (n: number): AuditEntry => ({
  atMs: T0 + n,
  actor: "ops",
  action: "dlq.replay",
  target: `delivery:${n}`,
  outcome: "ok",
  detail: { count: n },
});

/** A database file with `count` audit entries, written through the store and closed. */
async function auditedFile(count: number): Promise<string> {
  const dir = tempDir();
  dirs.push(dir);
  const path = join(dir.path, "sluice.db");
  const store = openSqliteStore({ path });
  for (let n = 1; n <= count; n++) await store.appendAudit(entry(n));
  await store.close();
  return path;
}

/** Run SQL on the file directly, outside Sluice. */
function tamper(path: string, ...statements: string[]): void {
  const db = new Database(path);
  try {
    for (const statement of statements) db.exec(statement);
  } finally {
    db.close();
  }
}

function verifyFile(path: string): AuditVerification {
  const { state, records } = readAuditChain(path);
  return verifyAuditChain(records, state.anchor, state.head);
}

describe("the SQLite audit log under tampering", () => {
  it("verifies as written", async () => {
    const path = await auditedFile(5);
    expect(verifyFile(path)).toMatchObject({ ok: true, entries: 5, head: { seq: 5 } });
  });

  it("catches an edited row", async () => {
    const path = await auditedFile(5);
    tamper(path, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3");
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 3, problem: "edited" });
  });

  it("catches an edited detail and an edited outcome", async () => {
    const path = await auditedFile(5);
    tamper(path, `UPDATE audit_log SET detail = '{"count":300}' WHERE seq = 4`);
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 4, problem: "edited" });
    const other = await auditedFile(5);
    tamper(other, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2");
    expect(verifyFile(other)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("catches a deleted row, in the middle and at the end", async () => {
    const path = await auditedFile(5);
    tamper(path, "DELETE FROM audit_log WHERE seq = 2");
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 2, problem: "removed" });
    const tail = await auditedFile(5);
    tamper(tail, "DELETE FROM audit_log WHERE seq = 5");
    expect(verifyFile(tail)).toMatchObject({ ok: false, seq: 5, problem: "removed" });
  });

  it("catches a deleted row whose followers were renumbered, and the head moved back to match", async () => {
    const path = await auditedFile(5);
    tamper(
      path,
      "DELETE FROM audit_log WHERE seq = 2",
      "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2",
      "UPDATE audit_state SET head_seq = 4, head_hash = (SELECT hash FROM audit_log WHERE seq = 4)",
    );
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 2, problem: "removed" });
  });

  it("catches reordered rows", async () => {
    const path = await auditedFile(5);
    tamper(
      path,
      "UPDATE audit_log SET seq = -1 WHERE seq = 2",
      "UPDATE audit_log SET seq = 2 WHERE seq = 3",
      "UPDATE audit_log SET seq = 3 WHERE seq = -1",
    );
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 2, problem: "reordered" });
  });

  it("catches rows dropped from the start with the anchor left alone", async () => {
    const path = await auditedFile(5);
    tamper(path, "DELETE FROM audit_log WHERE seq <= 2");
    expect(verifyFile(path)).toMatchObject({ ok: false, seq: 1, problem: "removed" });
  });
});

describe("beside a running Sluice", () => {
  it("appends from another connection onto the same chain while the store is open", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, "sluice.db");
    const store = openSqliteStore({ path });
    try {
      await store.appendAudit(entry(1));
      const beside = appendAuditBeside(path, entry(2));
      await store.appendAudit(entry(3));
      expect(beside.seq).toBe(2);
      expect(readAuditLog(path, { newestFirst: true, limit: 2 }).map((record) => record.seq)).toEqual([3, 2]);
      const state = await store.auditState();
      expect(verifyAuditChain(await store.listAudit({}), state.anchor, state.head)).toMatchObject({
        ok: true,
        entries: 3,
      });
    } finally {
      await store.close();
    }
  });

  it("forgets a person from another connection, leaving the store's leases alone", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, "sluice.db");
    const store = openSqliteStore({ path });
    try {
      const event = (messageId: string, orderingKey: string) => ({
        sourceName: "web",
        messageId,
        eventType: "track",
        receivedAtMs: T0,
        body: "{}",
        destinations: ["cio"],
        orderingKey,
      });
      await store.enqueue([event("a-1", "key-a"), event("b-1", "key-b"), event("a-2", "key-a")]);
      const held = await store.claim("cio", { limit: 1, nowMs: T0, leaseMs: 60_000 });
      expect(held.map((d) => d.messageId)).toEqual(["a-1"]);
      expect(await forgetPersonBeside(path, "key-a", { nowMs: T0 + 10 })).toEqual({
        deliveries: 1,
        events: 1,
        inFlight: 1,
      });
      const log = await store.listDeliveries({});
      expect(log.map((row) => `${row.messageId}/${row.state}`)).toEqual(["b-1/queued", "a-1/stopped"]);
    } finally {
      await store.close();
    }
  });

  it("reads a file from before the audit log as an empty chain, and says when there is no file", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, "old.db");
    new Database(path).close();
    expect(readAuditChain(path).records).toEqual([]);
    expect(readAuditLog(path, {})).toEqual([]);
    expect(() => readAuditChain(join(dir.path, "missing.db"))).toThrow(/no Sluice database at .*missing\.db/);
  });
});
