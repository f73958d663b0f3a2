import type Database from "better-sqlite3";
import type {
  ConfigDraftRecord,
  ConfigVersionRecord,
  ConfigVersionSummary,
  PublishConfigInput,
} from "../port.js";
import { StoreError } from "../store-error.js";
import {
  publishConflict,
  validateConfigDraft,
  validatePublishConfig,
  validateVersionNumber,
  validateVersionsFilter,
} from "../validate-config-input.js";

/**
 * Configuration versions and the draft on SQLite (tables `config_versions` and `config_draft`,
 * migration 7 in `migrations.ts`), as functions of a connection. A publish is one IMMEDIATE transaction: the latest
 * version is read and the next one inserted under SQLite's write lock, so two publishes on one base
 * cannot both succeed.
 */

const SUMMARY = `version, published_at_ms AS publishedAtMs, published_by AS publishedBy, note`;

function writeFailed(operation: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: string }).code ?? "unknown";
  return new StoreError("ER_STORE_WRITE_FAILED", `${operation} failed (${code}); nothing was written`, {
    cause: error,
  });
}

/**
 * Publish the next version if the latest is still `expectedLatest` (see `Store.publishConfigVersion`).
 *
 * @example
 * publishConfigVersionSqlite(db, { publishedAtMs: Date.now(), publishedBy: "user:ada", note: null,
 *   document: "{}", expectedLatest: null }); // 1
 */
export function publishConfigVersionSqlite(db: Database.Database, input: PublishConfigInput): number {
  validatePublishConfig(input);
  const publish = db.transaction((): number => {
    const latest = latestConfigVersionNumberSqlite(db);
    if (latest !== input.expectedLatest) throw publishConflict(input.expectedLatest, latest);
    const version = (latest ?? 0) + 1;
    db.prepare(
      `INSERT INTO config_versions (version, published_at_ms, published_by, note, document)
       VALUES (?, ?, ?, ?, ?)`,
    ).run(version, input.publishedAtMs, input.publishedBy, input.note, input.document);
    if (input.clearDraft === true) db.prepare("DELETE FROM config_draft").run();
    return version;
  });
  try {
    return publish.immediate();
  } catch (error) {
    throw writeFailed("publishConfigVersion", error);
  }
}

/** The newest version's number, or null. */
export function latestConfigVersionNumberSqlite(db: Database.Database): number | null {
  return db.prepare<[], number | null>("SELECT MAX(version) FROM config_versions").pluck().get() ?? null;
}

/** The newest version with its document, or null. */
export function latestConfigVersionSqlite(db: Database.Database): ConfigVersionRecord | null {
  return (
    db
      .prepare<[], ConfigVersionRecord>(
        `SELECT ${SUMMARY}, document FROM config_versions ORDER BY version DESC LIMIT 1`,
      )
      .get() ?? null
  );
}

/** One version with its document, or null. */
export function getConfigVersionSqlite(db: Database.Database, version: number): ConfigVersionRecord | null {
  validateVersionNumber(version);
  return (
    db
      .prepare<[number], ConfigVersionRecord>(
        `SELECT ${SUMMARY}, document FROM config_versions WHERE version = ?`,
      )
      .get(version) ?? null
  );
}

/** Versions without documents, newest first. */
export function listConfigVersionsSqlite(
  db: Database.Database,
  filter: { limit: number; before?: number },
): ConfigVersionSummary[] {
  const limit = validateVersionsFilter(filter);
  return db
    .prepare<[number, number], ConfigVersionSummary>(
      `SELECT ${SUMMARY} FROM config_versions WHERE version < ? ORDER BY version DESC LIMIT ?`,
    )
    .all(filter.before ?? Number.MAX_SAFE_INTEGER, limit);
}

/** The draft, or null. */
export function getConfigDraftSqlite(db: Database.Database): ConfigDraftRecord | null {
  return (
    db
      .prepare<[], ConfigDraftRecord>(
        `SELECT based_on AS basedOn, updated_at_ms AS updatedAtMs, updated_by AS updatedBy, document
         FROM config_draft WHERE id = 1`,
      )
      .get() ?? null
  );
}

/** Insert or replace the draft. */
export function saveConfigDraftSqlite(db: Database.Database, draft: ConfigDraftRecord): void {
  validateConfigDraft(draft);
  try {
    db.prepare(
      `INSERT INTO config_draft (id, based_on, updated_at_ms, updated_by, document) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET based_on = excluded.based_on, updated_at_ms = excluded.updated_at_ms,
         updated_by = excluded.updated_by, document = excluded.document`,
    ).run(draft.basedOn, draft.updatedAtMs, draft.updatedBy, draft.document);
  } catch (error) {
    throw writeFailed("saveConfigDraft", error);
  }
}

/** Delete the draft; false when there was none. */
export function deleteConfigDraftSqlite(db: Database.Database): boolean {
  try {
    return db.prepare("DELETE FROM config_draft").run().changes > 0;
  } catch (error) {
    throw writeFailed("deleteConfigDraft", error);
  }
}
