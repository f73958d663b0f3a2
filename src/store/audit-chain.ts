import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { AuditChainPoint, AuditDetailValue, AuditEntry, AuditListFilter, AuditRecord } from "./port.js";
import { StoreError } from "./store-error.js";
import { requireEpochMs } from "./validate-input.js";

/**
 * The audit log's hash chain, pure (no I/O, no clock): how an entry is hashed, how entries are
 * checked before they are stored, and how a chain is verified. Both store adapters hash with
 * `auditHash`, so a chain written by one verifies with the other's records.
 */

/** `prevHash` of the very first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** The chain before any entry: seq 0, 64 zeros. */
export const GENESIS: AuditChainPoint = { seq: 0, hash: GENESIS_HASH };

/** Longest `actor` and `target`, and the largest `detail` (canonical JSON, UTF-16 code units). */
const MAX_ACTOR = 200;
const MAX_TARGET = 500;
const MAX_DETAIL = 8000;
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const NUL = "\u0000";
const LONE_SURROGATE = /\p{Cs}/u;

/** NUL (PostgreSQL text cannot hold it) or a lone surrogate (stored as U+FFFD): either would break the hash. */
function unstorable(text: string): boolean {
  return text.includes(NUL) || LONE_SURROGATE.test(text);
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth, no whitespace, and `undefined`
 * members left out: one text per value, whatever order its keys were written in.
 *
 * @example
 * canonicalJson({ b: 1, a: { d: [true, null], c: "x" } }) // '{"a":{"c":"x","d":[true,null]},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(",")}}`;
}

/**
 * The hash of an entry at `seq` chained onto `prevHash`:
 * `sha256hex(prevHash + "\n" + canonicalJson({ ...entry, seq }))` (the entry's own fields only).
 *
 * @example
 * auditHash(GENESIS_HASH, { atMs: 1, actor: "sluice", action: "sluice.start", outcome: "ok" }, 1)
 * // sha256hex("000…000\n{\"action\":\"sluice.start\",\"actor\":\"sluice\",\"atMs\":1,\"outcome\":\"ok\",\"seq\":1}")
 */
export function auditHash(prevHash: string, entry: AuditEntry, seq: number): string {
  const { atMs, actor, action, target, outcome, detail } = entry;
  const text = `${prevHash}\n${canonicalJson({ atMs, actor, action, target, outcome, detail, seq })}`;
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * Check an entry before it is stored and return a copy holding only the entry's fields. Throws
 * `ER_STORE_INVALID_INPUT` naming the field (never its value). Text must not hold NUL or a lone
 * surrogate: every backend must store it byte for byte, or the hash would not verify.
 *
 * @example
 * validateAuditEntry({ atMs: 1, actor: "ops", action: "dlq.replay", outcome: "ok", detail: { count: 3 } });
 */
export function validateAuditEntry(entry: AuditEntry): AuditEntry {
  const fail = (message: string): never => {
    throw new StoreError("ER_STORE_INVALID_INPUT", `audit entry: ${message}`);
  };
  if (entry === null || typeof entry !== "object") fail("must be an object");
  const { atMs, actor, action, target, outcome, detail } = entry;
  if (!Number.isSafeInteger(atMs) || atMs < 0) fail("atMs must be a non-negative integer (epoch ms)");
  const text = (value: unknown, name: string, max: number) => {
    if (typeof value !== "string" || value.length === 0 || value.length > max) {
      fail(`${name} must be a string of 1 to ${max} characters`);
    }
    if (unstorable(value as string)) fail(`${name} must not contain NUL or a lone surrogate`);
  };
  text(actor, "actor", MAX_ACTOR);
  if (typeof action !== "string" || action.length > 100 || !ACTION.test(action)) {
    fail("action must be a dotted lower-case name such as dlq.replay (at most 100 characters)");
  }
  if (target !== undefined) text(target, "target", MAX_TARGET);
  if (outcome !== "ok" && outcome !== "denied") fail("outcome must be ok or denied");
  const copy: AuditEntry = { atMs, actor, action, outcome, ...(target === undefined ? {} : { target }) };
  if (detail === undefined) return copy;
  if (detail === null || typeof detail !== "object" || Array.isArray(detail))
    fail("detail must be an object");
  checkDetailValue(detail, "detail", fail);
  if (canonicalJson(detail).length > MAX_DETAIL)
    fail(`detail must be at most ${MAX_DETAIL} characters of JSON`);
  // A JSON round trip: the stored detail is exactly what was hashed (no -0, no prototype members).
  return { ...copy, detail: JSON.parse(canonicalJson(detail)) as AuditEntry["detail"] & object };
}

function checkDetailValue(value: unknown, path: string, fail: (message: string) => never): void {
  if (value === null || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) fail(`${path} must be a finite number`);
    return;
  }
  if (typeof value === "string") {
    if (unstorable(value)) fail(`${path} must not contain NUL or a lone surrogate`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkDetailValue(item, `${path}[${index}]`, fail);
    });
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      if (unstorable(key)) fail(`${path} has a key with NUL or a lone surrogate`);
      if (item !== undefined) checkDetailValue(item as AuditDetailValue, `${path}.${key}`, fail);
    }
    return;
  }
  fail(`${path} must be JSON (string, number, boolean, null, array or plain object)`);
}

/**
 * Check a `listAudit` filter and return its limit: default 100, capped at 1000.
 *
 * @example
 * validateAuditListFilter({ limit: 5000 }) // 1000
 */
export function validateAuditListFilter(filter: AuditListFilter): number {
  const { limit, fromSeq, beforeSeq, action } = filter;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new StoreError("ER_STORE_INVALID_INPUT", "filter.limit must be a positive integer");
  }
  if (fromSeq !== undefined) requireEpochMs(fromSeq, "filter.fromSeq");
  if (beforeSeq !== undefined) requireEpochMs(beforeSeq, "filter.beforeSeq");
  if (action !== undefined && (typeof action !== "string" || !ACTION.test(action))) {
    throw new StoreError("ER_STORE_INVALID_INPUT", "filter.action must be an action name such as dlq.replay");
  }
  return Math.min(limit ?? 100, 1000);
}

/** What is wrong at the first broken entry. */
export type AuditProblem = "edited" | "removed" | "reordered";

export type AuditVerification =
  | {
      ok: true;
      /** Entries checked (those after the anchor). */
      entries: number;
      /** The last entry checked, or the anchor when there is none. */
      head: AuditChainPoint;
      anchor: AuditChainPoint;
    }
  | {
      ok: false;
      /** The first seq that is not as Sluice wrote it. */
      seq: number;
      problem: AuditProblem;
      /** Says what is wrong with the entry at `seq`; never its content. */
      message: string;
      /** Entries before `seq` that did verify. */
      verified: number;
    };

/** How far past a record's seq to look for the seq it was hashed with (entries removed, rest renumbered). */
const RENUMBER_SEARCH = 1000;

/**
 * Verify a chain: `records` as the store lists them (by seq, oldest first), starting right after
 * `anchor` (genesis by default; after a retention purge, the last entry it removed). With `head` (the
 * store's own record of its last append) a removed tail is caught too. Reports the first entry that
 * was edited, removed or reordered, by seq, and what is wrong with it — never its content.
 *
 * - edited: an entry's fields no longer match its hash, or the entry before it was rewritten
 *   (its hash recomputed) so the next one no longer chains to it;
 * - removed: a seq is missing, or the entries after a removed one were renumbered to close the gap;
 * - reordered: an entry sits at another entry's place in the chain.
 *
 * @example
 * const result = verifyAuditChain(await store.listAudit({ limit: 1000 }));
 * if (!result.ok) console.log(`broken at seq ${result.seq}: ${result.message}`);
 */
export function verifyAuditChain(
  records: readonly AuditRecord[],
  anchor: AuditChainPoint = GENESIS,
  head?: AuditChainPoint,
): AuditVerification {
  const knownHashes = new Map<string, number>();
  records.forEach((record, index) => {
    knownHashes.set(record.hash, index);
  });
  let prev = anchor;
  for (let index = 0; index < records.length; index++) {
    const record = records[index] as AuditRecord;
    const verified = index;
    const broken = (seq: number, problem: AuditProblem, message: string): AuditVerification => ({
      ok: false,
      seq,
      problem,
      message,
      verified,
    });
    const expectedSeq = prev.seq + 1;
    if (record.seq > expectedSeq) {
      const last = record.seq - 1;
      return broken(
        expectedSeq,
        "removed",
        last === expectedSeq
          ? `entry ${expectedSeq} was removed`
          : `entries ${expectedSeq} to ${last} were removed`,
      );
    }
    if (record.seq < expectedSeq) {
      return broken(record.seq, "reordered", `entry ${record.seq} appears again after entry ${prev.seq}`);
    }
    const intact = auditHash(record.prevHash, record, record.seq) === record.hash;
    if (record.prevHash === prev.hash) {
      if (intact) {
        prev = { seq: record.seq, hash: record.hash };
        continue;
      }
      return broken(
        record.seq,
        "edited",
        `entry ${record.seq} was edited: its fields no longer match its hash`,
      );
    }
    if (intact) {
      // The entry is as written, at its own place, but chains to something other than what is before it.
      return index === 0
        ? broken(
            record.seq,
            "edited",
            `entry ${record.seq} does not chain to the ${anchor.seq === 0 ? "start of the log" : `retention anchor (seq ${anchor.seq})`}`,
          )
        : broken(
            prev.seq,
            "edited",
            `entry ${prev.seq} was rewritten: entry ${record.seq} no longer chains to it`,
          );
    }
    const elsewhere = knownHashes.get(record.prevHash);
    if (elsewhere !== undefined && elsewhere !== index - 1) {
      return broken(record.seq, "reordered", `entry ${record.seq} holds an entry written at another place`);
    }
    for (let offset = 1; offset <= RENUMBER_SEARCH; offset++) {
      if (auditHash(record.prevHash, record, record.seq + offset) === record.hash) {
        return broken(
          record.seq,
          "removed",
          `${offset === 1 ? "an entry was" : `${offset} entries were`} removed before entry ${record.seq} and the later ones renumbered`,
        );
      }
      if (
        record.seq - offset > 0 &&
        auditHash(record.prevHash, record, record.seq - offset) === record.hash
      ) {
        return broken(record.seq, "reordered", `entry ${record.seq} holds an entry written at another place`);
      }
    }
    return broken(
      record.seq,
      "edited",
      `entry ${record.seq} was edited: it no longer chains to the entry before it`,
    );
  }
  if (head !== undefined) {
    const broken = (seq: number, problem: AuditProblem, message: string): AuditVerification => ({
      ok: false,
      seq,
      problem,
      message,
      verified: records.length,
    });
    if (head.seq > prev.seq) {
      const first = prev.seq + 1;
      return broken(
        first,
        "removed",
        first === head.seq
          ? `entry ${first}, the last one written, was removed`
          : `entries ${first} to ${head.seq}, the last ones written, were removed`,
      );
    }
    if (head.seq < prev.seq) {
      return broken(
        head.seq + 1,
        "edited",
        `entry ${head.seq + 1} was not written by Sluice (the chain ends at ${head.seq})`,
      );
    }
    if (head.hash !== prev.hash) {
      return broken(prev.seq, "edited", `entry ${prev.seq} is not the entry Sluice wrote last`);
    }
  }
  return { ok: true, entries: records.length, head: prev, anchor };
}

/** An `audit_log` row as both adapters read it (columns aliased to these names). */
export interface AuditRow {
  seq: number;
  atMs: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: "ok" | "denied";
  detail: string | null;
  prevHash: string;
  hash: string;
}

/**
 * A stored row as the port's record (`target`/`detail` absent rather than null, as they were hashed).
 *
 * @example
 * auditRecordFromRow({ seq: 1, atMs: 0, actor: "sluice", action: "sluice.start", target: null,
 *   outcome: "ok", detail: null, prevHash: GENESIS_HASH, hash: "ab…" }).target // undefined
 */
export function auditRecordFromRow(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    atMs: row.atMs,
    actor: row.actor,
    action: row.action,
    ...(row.target === null ? {} : { target: row.target }),
    outcome: row.outcome,
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as AuditEntry["detail"] & object }),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
