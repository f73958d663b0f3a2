import type { ConfigDraftRecord, PublishConfigInput } from "./port.js";
import { StoreError } from "./store-error.js";

/**
 * Input checks of the configuration methods, shared by every adapter so that they refuse the same
 * inputs with `ER_STORE_INVALID_INPUT`. Messages name the field, never a value (a document holds
 * secrets).
 */

/** Most versions one `listConfigVersions` call returns. */
export const MAX_CONFIG_VERSIONS_PAGE = 1000;
/** Longest `publishedBy` / `updatedBy` (characters). */
const MAX_ACTOR = 200;
/** Longest publish note (characters). */
const MAX_NOTE = 1000;

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}

function epochMs(value: unknown, name: string): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    invalid(`${name} must be a non-negative integer (epoch ms)`);
  }
}

function versionOrNull(value: unknown, name: string): void {
  if (value === null) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    invalid(`${name} must be a positive integer or null`);
  }
}

function actor(value: unknown, name: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ACTOR) {
    invalid(`${name} must be a string of 1-${MAX_ACTOR} characters`);
  }
}

function documentText(value: unknown, name: string): void {
  if (typeof value !== "string" || value.length === 0) invalid(`${name} must be a non-empty string`);
}

/**
 * Check a publish.
 *
 * @example
 * validatePublishConfig({ publishedAtMs: 1, publishedBy: "user:ada", note: null, document: "{}", expectedLatest: null });
 */
export function validatePublishConfig(input: PublishConfigInput): void {
  epochMs(input.publishedAtMs, "publishedAtMs");
  actor(input.publishedBy, "publishedBy");
  if (input.note !== null && (typeof input.note !== "string" || input.note.length > MAX_NOTE)) {
    invalid(`note must be null or a string of at most ${MAX_NOTE} characters`);
  }
  documentText(input.document, "document");
  versionOrNull(input.expectedLatest, "expectedLatest");
  if (input.clearDraft !== undefined && typeof input.clearDraft !== "boolean") {
    invalid("clearDraft must be a boolean");
  }
}

/**
 * Check a draft.
 *
 * @example
 * validateConfigDraft({ basedOn: 3, updatedAtMs: 1, updatedBy: "user:ada", document: "{}" });
 */
export function validateConfigDraft(draft: ConfigDraftRecord): void {
  versionOrNull(draft.basedOn, "basedOn");
  epochMs(draft.updatedAtMs, "updatedAtMs");
  actor(draft.updatedBy, "updatedBy");
  documentText(draft.document, "document");
}

/** Check a version number argument. */
export function validateVersionNumber(version: number): void {
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    invalid("version must be a positive integer");
  }
}

/**
 * Check a versions page and return its limit.
 *
 * @example
 * validateVersionsFilter({ limit: 20 }); // 20
 */
export function validateVersionsFilter(filter: { limit: number; before?: number }): number {
  const { limit, before } = filter;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONFIG_VERSIONS_PAGE) {
    invalid(`limit must be an integer from 1 to ${MAX_CONFIG_VERSIONS_PAGE}`);
  }
  if (before !== undefined) versionOrNull(before, "before");
  return limit;
}

/** The conflict a publish reports when the latest version is not the one the caller expected. */
export function publishConflict(expected: number | null, latest: number | null): StoreError {
  return new StoreError(
    "ER_STORE_CONFLICT",
    `configuration version ${latest ?? "none"} is the latest, not ${expected ?? "none"}: another publish came first; nothing was written`,
  );
}
