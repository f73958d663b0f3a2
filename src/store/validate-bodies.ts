import type { BodyReplacement } from "./port.js";
import { StoreError } from "./store-error.js";

/** Most rows one `listBodies` page or one `replaceBodies` call may hold. */
export const BODIES_LIMIT_MAX = 10_000;

/**
 * Check `listBodies`' arguments, the same way in every adapter (`ER_STORE_INVALID_INPUT`, naming the
 * argument, never a value).
 *
 * @example
 * validateListBodies(0, 500); // ok
 * validateListBodies(-1, 500); // throws ER_STORE_INVALID_INPUT
 */
export function validateListBodies(afterEventSeq: number, limit: number): void {
  if (!Number.isSafeInteger(afterEventSeq) || afterEventSeq < 0) {
    invalid("afterEventSeq must be a non-negative integer (0 for the first page)");
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > BODIES_LIMIT_MAX) {
    invalid(`limit must be an integer from 1 to ${BODIES_LIMIT_MAX}`);
  }
}

/**
 * Check `replaceBodies`' rows and return a copy sorted by event seq (adapters lock rows in that
 * order). Throws `ER_STORE_INVALID_INPUT` for a non-array, a bad seq, a non-string body, a seq named
 * twice (which replacement would win is undefined), or more than 10,000 rows.
 *
 * @example
 * validateReplaceBodies([{ eventSeq: 2, body: "b", expectedBody: "a" }]); // [{ eventSeq: 2, ... }]
 */
export function validateReplaceBodies(rows: readonly BodyReplacement[]): BodyReplacement[] {
  if (!Array.isArray(rows)) invalid("replaceBodies expects an array of rows");
  if (rows.length > BODIES_LIMIT_MAX)
    invalid(`replaceBodies takes at most ${BODIES_LIMIT_MAX} rows per call`);
  const seen = new Set<number>();
  const copies = rows.map((row: BodyReplacement, index) => {
    const at = `rows[${index}]`;
    if (typeof row !== "object" || row === null) invalid(`${at} must be an object`);
    if (!Number.isSafeInteger(row.eventSeq) || row.eventSeq < 1) {
      invalid(`${at}.eventSeq must be a positive integer`);
    }
    if (typeof row.body !== "string") invalid(`${at}.body must be a string`);
    if (typeof row.expectedBody !== "string") invalid(`${at}.expectedBody must be a string`);
    if (seen.has(row.eventSeq)) invalid(`${at}.eventSeq names an event a previous row already names`);
    seen.add(row.eventSeq);
    return { eventSeq: row.eventSeq, body: row.body, expectedBody: row.expectedBody };
  });
  return copies.sort((a, b) => a.eventSeq - b.eventSeq);
}

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}
