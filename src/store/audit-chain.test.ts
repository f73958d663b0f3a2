import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { auditHash, canonicalJson, GENESIS, GENESIS_HASH, verifyAuditChain } from "./audit-chain.js";
import type { AuditEntry, AuditRecord } from "./port.js";

const T0 = 1_700_000_000_000;

/** A chain of `count` entries as a store would write it. */
function chain(count: number, anchor = GENESIS): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prevHash = anchor.hash;
  for (let seq = anchor.seq + 1; seq <= anchor.seq + count; seq++) {
    const entry: AuditEntry = {
      atMs: T0 + seq,
      actor: seq % 2 === 0 ? "ops" : "sluice",
      action: "dlq.replay",
      outcome: "ok",
      ...(seq % 3 === 0 ? { target: `delivery:${seq}` } : {}),
      detail: { count: seq },
    };
    const hash = auditHash(prevHash, entry, seq);
    records.push({ ...entry, seq, prevHash, hash });
    prevHash = hash;
  }
  return records;
}

const at = (records: readonly AuditRecord[], seq: number): AuditRecord => {
  const record = records.find((candidate) => candidate.seq === seq);
  if (!record) throw new Error(`no entry ${seq}`);
  return record;
};
const head = (records: readonly AuditRecord[]) => {
  const last = records.at(-1) as AuditRecord;
  return { seq: last.seq, hash: last.hash };
};

describe("canonicalJson", () => {
  it("sorts keys at every depth, keeps array order and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, undefined], c: "x" }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[true,null,null]},"b":1}',
    );
    expect(canonicalJson("é\n")).toBe('"é\\n"');
    expect(canonicalJson([])).toBe("[]");
  });
});

describe("auditHash", () => {
  it("is sha256 of the previous hash, a newline and the canonical entry with its seq", () => {
    const entry: AuditEntry = { atMs: 1, actor: "sluice", action: "sluice.start", outcome: "ok" };
    const text = `${"0".repeat(64)}\n{"action":"sluice.start","actor":"sluice","atMs":1,"outcome":"ok","seq":1}`;
    expect(auditHash(GENESIS_HASH, entry, 1)).toBe(createHash("sha256").update(text).digest("hex"));
    expect(auditHash(GENESIS_HASH, entry, 1)).not.toBe(auditHash(GENESIS_HASH, entry, 2));
    expect(auditHash(GENESIS_HASH, entry, 1)).not.toBe(auditHash("1".repeat(64), entry, 1));
    expect(auditHash(GENESIS_HASH, { ...entry, detail: { a: 1, b: 2 } }, 1)).toBe(
      auditHash(GENESIS_HASH, { ...entry, detail: { b: 2, a: 1 } }, 1),
    );
  });
});

describe("verifyAuditChain", () => {
  it("accepts an intact chain, from genesis or from a retention anchor", () => {
    const records = chain(5);
    expect(verifyAuditChain(records, GENESIS, head(records))).toEqual({
      ok: true,
      entries: 5,
      head: head(records),
      anchor: GENESIS,
    });
    expect(verifyAuditChain([])).toEqual({ ok: true, entries: 0, head: GENESIS, anchor: GENESIS });
    const anchor = { seq: 2, hash: at(records, 2).hash };
    expect(verifyAuditChain(records.slice(2), anchor, head(records))).toMatchObject({ ok: true, entries: 3 });
  });

  it("catches an edited field", () => {
    const records = chain(5).map((record) => (record.seq === 3 ? { ...record, actor: "mallory" } : record));
    expect(verifyAuditChain(records)).toEqual({
      ok: false,
      seq: 3,
      problem: "edited",
      message: "entry 3 was edited: its fields no longer match its hash",
      verified: 2,
    });
  });

  it("catches an entry rewritten with a recomputed hash at the next entry", () => {
    const records = chain(5).map((record) => {
      if (record.seq !== 3) return record;
      const edited = { ...record, detail: { count: 300 } };
      return { ...edited, hash: auditHash(edited.prevHash, edited, 3) };
    });
    expect(verifyAuditChain(records)).toMatchObject({
      ok: false,
      seq: 3,
      problem: "edited",
      message: "entry 3 was rewritten: entry 4 no longer chains to it",
    });
  });

  it("catches removed entries, with or without the later ones renumbered", () => {
    const records = chain(6);
    expect(verifyAuditChain(records.filter((record) => record.seq !== 3))).toMatchObject({
      ok: false,
      seq: 3,
      problem: "removed",
      message: "entry 3 was removed",
    });
    expect(verifyAuditChain(records.filter((record) => record.seq !== 3 && record.seq !== 4))).toMatchObject({
      seq: 3,
      problem: "removed",
      message: "entries 3 to 4 were removed",
    });
    const renumbered = records
      .filter((record) => record.seq !== 3)
      .map((record) => (record.seq > 3 ? { ...record, seq: record.seq - 1 } : record));
    expect(verifyAuditChain(renumbered)).toMatchObject({
      seq: 3,
      problem: "removed",
      message: "an entry was removed before entry 3 and the later ones renumbered",
    });
    expect(verifyAuditChain(records.slice(1))).toMatchObject({
      seq: 1,
      problem: "removed",
      message: "entry 1 was removed",
    });
  });

  it("catches the newest entries removed when it knows the head", () => {
    const records = chain(5);
    expect(verifyAuditChain(records.slice(0, 4), GENESIS, head(records))).toEqual({
      ok: false,
      seq: 5,
      problem: "removed",
      message: "entry 5, the last one written, was removed",
      verified: 4,
    });
    expect(verifyAuditChain(records.slice(0, 2), GENESIS, head(records))).toMatchObject({
      seq: 3,
      message: "entries 3 to 5, the last ones written, were removed",
    });
    expect(verifyAuditChain([], GENESIS, head(records))).toMatchObject({ seq: 1, problem: "removed" });
    // Without the head a removed tail cannot be told from a shorter log.
    expect(verifyAuditChain(records.slice(0, 4))).toMatchObject({ ok: true, entries: 4 });
  });

  it("catches reordered entries", () => {
    const records = chain(5);
    const swapped = records
      .map((record) =>
        record.seq === 2 ? { ...record, seq: 3 } : record.seq === 3 ? { ...record, seq: 2 } : record,
      )
      .sort((a, b) => a.seq - b.seq);
    expect(verifyAuditChain(swapped)).toEqual({
      ok: false,
      seq: 2,
      problem: "reordered",
      message: "entry 2 holds an entry written at another place",
      verified: 1,
    });
    // Entry 5 moved up to third place, 3 and 4 shifted down.
    const moved = [
      at(records, 1),
      at(records, 2),
      { ...at(records, 5), seq: 3 },
      { ...at(records, 3), seq: 4 },
      { ...at(records, 4), seq: 5 },
    ];
    expect(verifyAuditChain(moved)).toMatchObject({ seq: 3, problem: "reordered" });
    const repeated = [at(records, 1), at(records, 2), at(records, 2)];
    expect(verifyAuditChain(repeated)).toMatchObject({ seq: 2, problem: "reordered" });
  });

  it("catches a first entry that does not chain to the start or to the anchor", () => {
    const [first, ...rest] = chain(3);
    const forged = { ...(first as AuditRecord), prevHash: "f".repeat(64) };
    forged.hash = auditHash(forged.prevHash, forged, 1);
    expect(verifyAuditChain([forged, ...rest])).toMatchObject({
      seq: 1,
      problem: "edited",
      message: "entry 1 does not chain to the start of the log",
    });
    const records = chain(4);
    expect(verifyAuditChain(records.slice(2), { seq: 2, hash: "e".repeat(64) })).toMatchObject({
      seq: 3,
      problem: "edited",
      message: "entry 3 does not chain to the retention anchor (seq 2)",
    });
  });

  it("reports a head that is not the last entry", () => {
    const records = chain(3);
    expect(verifyAuditChain(records, GENESIS, { seq: 3, hash: "a".repeat(64) })).toMatchObject({
      seq: 3,
      problem: "edited",
      message: "entry 3 is not the entry Sluice wrote last",
    });
    expect(verifyAuditChain(records, GENESIS, { seq: 2, hash: at(records, 2).hash })).toMatchObject({
      seq: 3,
      problem: "edited",
      message: "entry 3 was not written by Sluice (the chain ends at 2)",
    });
  });

  it("never puts an entry's content in its message", () => {
    const records = chain(4).map((record) =>
      record.seq === 2 ? { ...record, actor: "ada@example.com", target: "secret-target" } : record,
    );
    const result = verifyAuditChain(records);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toMatch(/ada@example|secret-target/);
  });
});
