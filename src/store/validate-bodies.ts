import type { BodyReplacement, ConfigDocumentReplacement, SampleBodyReplacement } from "./port.js";
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

/**
 * Check `listConfigDocuments`' or `listSampleBodies`' arguments (as `validateListBodies`, naming
 * `afterName`).
 *
 * @example
 * validateListPage("afterVersion", 0, 500); // ok
 */
export function validateListPage(afterName: "afterVersion" | "afterId", after: number, limit: number): void {
  if (!Number.isSafeInteger(after) || after < 0) {
    invalid(`${afterName} must be a non-negative integer (0 for the first page)`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > BODIES_LIMIT_MAX) {
    invalid(`limit must be an integer from 1 to ${BODIES_LIMIT_MAX}`);
  }
}

/**
 * Check `replaceConfigDocuments`' rows and return a copy: versions in order, then the draft (null).
 * Throws `ER_STORE_INVALID_INPUT` as `validateReplaceBodies` does.
 *
 * @example
 * validateReplaceConfigDocuments([{ version: null, document: "b", expectedDocument: "a" }]);
 */
export function validateReplaceConfigDocuments(
  rows: readonly ConfigDocumentReplacement[],
): ConfigDocumentReplacement[] {
  checkRowsArray("replaceConfigDocuments", rows);
  const seen = new Set<number | null>();
  const copies = rows.map((row: ConfigDocumentReplacement, index) => {
    const at = `rows[${index}]`;
    if (typeof row !== "object" || row === null) invalid(`${at} must be an object`);
    if (row.version !== null && (!Number.isSafeInteger(row.version) || row.version < 1)) {
      invalid(`${at}.version must be a positive integer, or null for the draft`);
    }
    if (typeof row.document !== "string") invalid(`${at}.document must be a string`);
    if (typeof row.expectedDocument !== "string") invalid(`${at}.expectedDocument must be a string`);
    if (seen.has(row.version)) invalid(`${at}.version names a document a previous row already names`);
    seen.add(row.version);
    return { version: row.version, document: row.document, expectedDocument: row.expectedDocument };
  });
  return copies.sort(
    (a, b) => (a.version ?? Number.POSITIVE_INFINITY) - (b.version ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * Check `replaceSampleBodies`' rows and return a copy sorted by id (adapters lock rows in that order).
 * Throws `ER_STORE_INVALID_INPUT` as `validateReplaceBodies` does.
 *
 * @example
 * validateReplaceSampleBodies([{ id: 3, body: "b", expectedBody: "a" }]);
 */
export function validateReplaceSampleBodies(rows: readonly SampleBodyReplacement[]): SampleBodyReplacement[] {
  checkRowsArray("replaceSampleBodies", rows);
  const seen = new Set<number>();
  const copies = rows.map((row: SampleBodyReplacement, index) => {
    const at = `rows[${index}]`;
    if (typeof row !== "object" || row === null) invalid(`${at} must be an object`);
    if (!Number.isSafeInteger(row.id) || row.id < 1) invalid(`${at}.id must be a positive integer`);
    if (typeof row.body !== "string") invalid(`${at}.body must be a string`);
    if (typeof row.expectedBody !== "string") invalid(`${at}.expectedBody must be a string`);
    if (seen.has(row.id)) invalid(`${at}.id names a sample a previous row already names`);
    seen.add(row.id);
    return { id: row.id, body: row.body, expectedBody: row.expectedBody };
  });
  return copies.sort((a, b) => a.id - b.id);
}

function checkRowsArray(method: string, rows: unknown): void {
  if (!Array.isArray(rows)) invalid(`${method} expects an array of rows`);
  if (rows.length > BODIES_LIMIT_MAX) invalid(`${method} takes at most ${BODIES_LIMIT_MAX} rows per call`);
}

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}
