import { escapeIdentifier } from "pg";
import type {
  ConfigDraftRecord,
  ConfigVersionRecord,
  ConfigVersionSummary,
  PublishConfigInput,
} from "../port.js";
import {
  publishConflict,
  validateConfigDraft,
  validatePublishConfig,
  validateVersionNumber,
  validateVersionsFilter,
} from "../validate-config-input.js";
import { storableText } from "./pg-text.js";
import type { PostgresRunner } from "./postgres-audit.js";

/**
 * Configuration versions and the draft on PostgreSQL (tables `config_versions` and `config_draft`,
 * migration 6). A publish inserts `latest + 1` only while the latest is the expected one, and the
 * primary key settles a race: of two nodes publishing on the same base, the second insert waits for
 * the first to commit, then conflicts and inserts nothing (`ER_STORE_CONFLICT`).
 */

const SUMMARY = `version, published_at_ms AS "publishedAtMs", published_by AS "publishedBy", note`;

/**
 * The configuration statements for one schema.
 *
 * @example
 * await pool.query(configStatements("sluice").latestNumber);
 */
export function configStatements(schema: string) {
  const s = escapeIdentifier(schema);
  return {
    latestNumber: `SELECT max(version) AS version FROM ${s}.config_versions`,
    /** Inserts `$5 + 1` (`$5` null: 1) only when `$5` is still the latest; no row back: conflict. */
    publish: `
      INSERT INTO ${s}.config_versions (version, published_at_ms, published_by, note, document)
      SELECT COALESCE($5::bigint, 0) + 1, $1, $2, $3, $4
      WHERE (SELECT max(version) FROM ${s}.config_versions) IS NOT DISTINCT FROM $5::bigint
      ON CONFLICT (version) DO NOTHING
      RETURNING version`,
    latest: `SELECT ${SUMMARY}, document FROM ${s}.config_versions ORDER BY version DESC LIMIT 1`,
    get: `SELECT ${SUMMARY}, document FROM ${s}.config_versions WHERE version = $1`,
    list: `SELECT ${SUMMARY} FROM ${s}.config_versions WHERE version < $1 ORDER BY version DESC LIMIT $2`,
    getDraft: `SELECT based_on AS "basedOn", updated_at_ms AS "updatedAtMs", updated_by AS "updatedBy", document
      FROM ${s}.config_draft WHERE id = 1`,
    saveDraft: `
      INSERT INTO ${s}.config_draft (id, based_on, updated_at_ms, updated_by, document) VALUES (1, $1, $2, $3, $4)
      ON CONFLICT (id) DO UPDATE SET based_on = excluded.based_on, updated_at_ms = excluded.updated_at_ms,
        updated_by = excluded.updated_by, document = excluded.document`,
    deleteDraft: `DELETE FROM ${s}.config_draft`,
  };
}

/** Publish the next version (see `Store.publishConfigVersion`). */
export async function publishConfigVersionPostgres(
  runner: PostgresRunner,
  input: PublishConfigInput,
): Promise<number> {
  validatePublishConfig(input);
  const sql = configStatements(runner.schema);
  return runner.transaction("publishConfigVersion", async (client) => {
    const { rows } = await client.query<{ version: number }>(sql.publish, [
      input.publishedAtMs,
      storableText(input.publishedBy, "publishedBy"),
      input.note === null ? null : storableText(input.note, "note"),
      storableText(input.document, "document"),
      input.expectedLatest,
    ]);
    const version = rows[0]?.version;
    if (version === undefined) {
      const latest = await client.query<{ version: number | null }>(sql.latestNumber);
      throw publishConflict(input.expectedLatest, latest.rows[0]?.version ?? null);
    }
    if (input.clearDraft === true) await client.query(sql.deleteDraft);
    return version;
  });
}

/** The newest version's number, or null. */
export async function latestConfigVersionNumberPostgres(runner: PostgresRunner): Promise<number | null> {
  const rows = await runner.query<{ version: number | null }>(
    "latestConfigVersionNumber",
    configStatements(runner.schema).latestNumber,
    [],
  );
  return rows[0]?.version ?? null;
}

/** The newest version with its document, or null. */
export async function latestConfigVersionPostgres(
  runner: PostgresRunner,
): Promise<ConfigVersionRecord | null> {
  const rows = await runner.query<ConfigVersionRecord>(
    "latestConfigVersion",
    configStatements(runner.schema).latest,
    [],
  );
  return rows[0] ?? null;
}

/** One version with its document, or null. */
export async function getConfigVersionPostgres(
  runner: PostgresRunner,
  version: number,
): Promise<ConfigVersionRecord | null> {
  validateVersionNumber(version);
  const rows = await runner.query<ConfigVersionRecord>(
    "getConfigVersion",
    configStatements(runner.schema).get,
    [version],
  );
  return rows[0] ?? null;
}

/** Versions without documents, newest first. */
export async function listConfigVersionsPostgres(
  runner: PostgresRunner,
  filter: { limit: number; before?: number },
): Promise<ConfigVersionSummary[]> {
  const limit = validateVersionsFilter(filter);
  return runner.query<ConfigVersionSummary>("listConfigVersions", configStatements(runner.schema).list, [
    filter.before ?? Number.MAX_SAFE_INTEGER,
    limit,
  ]);
}

/** The draft, or null. */
export async function getConfigDraftPostgres(runner: PostgresRunner): Promise<ConfigDraftRecord | null> {
  const rows = await runner.query<ConfigDraftRecord>(
    "getConfigDraft",
    configStatements(runner.schema).getDraft,
    [],
  );
  return rows[0] ?? null;
}

/** Insert or replace the draft. */
export async function saveConfigDraftPostgres(
  runner: PostgresRunner,
  draft: ConfigDraftRecord,
): Promise<void> {
  validateConfigDraft(draft);
  await runner.query("saveConfigDraft", configStatements(runner.schema).saveDraft, [
    draft.basedOn,
    draft.updatedAtMs,
    storableText(draft.updatedBy, "updatedBy"),
    storableText(draft.document, "document"),
  ]);
}

/** Delete the draft; false when there was none. */
export async function deleteConfigDraftPostgres(runner: PostgresRunner): Promise<boolean> {
  return runner.transaction("deleteConfigDraft", async (client) => {
    const result = await client.query(configStatements(runner.schema).deleteDraft);
    return (result.rowCount ?? 0) > 0;
  });
}
