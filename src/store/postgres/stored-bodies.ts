import { escapeIdentifier } from "pg";
import type { BodyReplacement, ConfigDocumentReplacement, SampleBodyReplacement } from "../port.js";
import { storableText } from "./pg-text.js";

/**
 * The SQL of key rotation's stored-text methods for one schema: event bodies, configuration documents
 * and event samples (see `statements.ts` for the conventions: qualified tables, every value bound).
 *
 * @example
 * const sql = storedBodiesStatements("sluice");
 * await pool.query(sql.listBodies, [0, 500]);
 */
export function storedBodiesStatements(schema: string) {
  const s = escapeIdentifier(schema);
  return {
    /** A page of stored bodies in seq order (a range scan of `event_bodies`' primary key). */
    listBodies: `
      SELECT b.event_seq AS "eventSeq", e.source_name AS "sourceName", e.message_id AS "messageId", b.body
      FROM ${s}.event_bodies AS b JOIN ${s}.events AS e ON e.seq = b.event_seq
      WHERE b.event_seq > $1
      ORDER BY b.event_seq
      LIMIT $2`,

    /**
     * Lock the bodies about to be replaced in seq order, as settle locks the bodies it may delete, so
     * the two never wait for each other in a cycle. A body settle deleted meanwhile is not returned.
     */
    lockBodies: `
      SELECT event_seq FROM ${s}.event_bodies WHERE event_seq = ANY($1::bigint[])
      ORDER BY event_seq FOR UPDATE`,

    /** Compare-and-swap on the locked rows: a deleted or changed body matches nothing. */
    replaceBodies: `
      UPDATE ${s}.event_bodies AS b SET body = u.body
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u (event_seq, body, expected)
      WHERE b.event_seq = u.event_seq AND b.body = u.expected
      RETURNING b.event_seq`,

    /** A page of configuration versions as stored, in version order. */
    listConfigVersions: `
      SELECT version, document FROM ${s}.config_versions WHERE version > $1 ORDER BY version LIMIT $2`,
    /** The draft as stored (version null), or no row. */
    getDraftDocument: `SELECT NULL::bigint AS version, document FROM ${s}.config_draft WHERE id = 1`,
    /** Compare-and-swap of versions' stored text; nothing else of a version changes. */
    replaceConfigVersions: `
      UPDATE ${s}.config_versions AS v SET document = u.document
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u (version, document, expected)
      WHERE v.version = u.version AND v.document = u.expected
      RETURNING v.version`,
    /** Compare-and-swap of the draft's stored text: a draft saved meanwhile matches nothing. */
    replaceDraftDocument: `UPDATE ${s}.config_draft SET document = $1 WHERE id = 1 AND document = $2`,

    /** A page of sample bodies in id order (a range scan of the primary key). */
    listSampleBodies: `
      SELECT id, source_name AS "sourceName", message_id AS "messageId", body FROM ${s}.event_samples
      WHERE id > $1 ORDER BY id LIMIT $2`,
    /** Lock the samples about to be replaced in id order (as `lockBodies`); pruned ones are not returned. */
    lockSamples: `
      SELECT id FROM ${s}.event_samples WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    /** Compare-and-swap on the locked rows: a pruned or changed sample matches nothing. */
    replaceSampleBodies: `
      UPDATE ${s}.event_samples AS e SET body = u.body
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u (id, body, expected)
      WHERE e.id = u.id AND e.body = u.expected
      RETURNING e.id`,
  };
}

/**
 * `replaceBodies`' parameters from validated rows: seqs, new bodies, expected bodies, each text made
 * storable (a NUL is refused with `ER_STORE_INVALID_INPUT`, lone surrogates become U+FFFD as stored).
 *
 * @example
 * replaceBodiesParameters([{ eventSeq: 1, body: "b", expectedBody: "a" }]) // [[1], ["b"], ["a"]]
 */
export function replaceBodiesParameters(rows: readonly BodyReplacement[]): [number[], string[], string[]] {
  return [
    rows.map((row) => row.eventSeq),
    rows.map((row, index) => storableText(row.body, `rows[${index}].body`)),
    rows.map((row, index) => storableText(row.expectedBody, `rows[${index}].expectedBody`)),
  ];
}

/**
 * `replaceConfigDocuments`' parameters from validated rows: the versions' arrays (as
 * `replaceBodiesParameters`) and the draft's pair, or null when no row names the draft.
 *
 * @example
 * replaceConfigDocumentsParameters([{ version: null, document: "b", expectedDocument: "a" }])
 * // { versions: [[], [], []], draft: ["b", "a"] }
 */
export function replaceConfigDocumentsParameters(rows: readonly ConfigDocumentReplacement[]): {
  versions: [number[], string[], string[]];
  draft: [string, string] | null;
} {
  const versions: [number[], string[], string[]] = [[], [], []];
  let draft: [string, string] | null = null;
  for (const [index, row] of rows.entries()) {
    const document = storableText(row.document, `rows[${index}].document`);
    const expected = storableText(row.expectedDocument, `rows[${index}].expectedDocument`);
    if (row.version === null) draft = [document, expected];
    else {
      versions[0].push(row.version);
      versions[1].push(document);
      versions[2].push(expected);
    }
  }
  return { versions, draft };
}

/**
 * `replaceSampleBodies`' parameters from validated rows (as `replaceBodiesParameters`).
 *
 * @example
 * replaceSampleBodiesParameters([{ id: 1, body: "b", expectedBody: "a" }]) // [[1], ["b"], ["a"]]
 */
export function replaceSampleBodiesParameters(
  rows: readonly SampleBodyReplacement[],
): [number[], string[], string[]] {
  return [
    rows.map((row) => row.id),
    rows.map((row, index) => storableText(row.body, `rows[${index}].body`)),
    rows.map((row, index) => storableText(row.expectedBody, `rows[${index}].expectedBody`)),
  ];
}
