import { escapeIdentifier } from "pg";
import type { BodyReplacement } from "../port.js";
import { storableText } from "./pg-text.js";

/**
 * The SQL of `listBodies` and `replaceBodies` for one schema (see `statements.ts` for the conventions:
 * qualified tables, every value bound).
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
