import type {
  EventStats,
  ForgetOptions,
  NewEventSample,
  SampleFilter,
  SeenPath,
  SeenPathFilter,
  SeenPathUpdate,
  SeenValueType,
  StatsBucket,
  StatsRange,
} from "./port.js";
import { StoreError } from "./store-error.js";
import { requireEpochMs, storedEventName } from "./validate-input.js";

/**
 * What both adapters share for the observe methods (samples, seen paths, stats): input checks (the
 * same inputs rejected the same way, `ER_STORE_INVALID_INPUT`, naming fields, never values), the
 * event-name cut, the types bitmask the tables store, and the merging both do the same way.
 */

/** The default and the cap of `SampleFilter.limit`. */
export const SAMPLE_LIMIT_DEFAULT = 50;
export const SAMPLE_LIMIT_MAX = 1000;
/** Most buckets one `eventStats` call may ask for. */
export const MAX_STATS_BUCKETS = 1000;
/** Most distinct paths `listSeenPaths` returns (sorted by path, the first ones). */
export const MAX_SEEN_PATHS = 10_000;
/** Longest path kept. */
const MAX_PATH = 1000;

const TYPE_BITS: Readonly<Record<SeenValueType, number>> = {
  string: 1,
  number: 2,
  boolean: 4,
  object: 8,
  array: 16,
  null: 32,
};
const TYPES_IN_ORDER = Object.keys(TYPE_BITS) as SeenValueType[];

/**
 * Types as the bitmask the `seen_paths` tables store (`types = types | new`).
 *
 * @example
 * typesMask(["string", "null"]) // 33
 */
export function typesMask(types: readonly SeenValueType[]): number {
  let mask = 0;
  for (const type of types) mask |= TYPE_BITS[type];
  return mask;
}

/**
 * The types of a stored bitmask, in `SeenValueType` order.
 *
 * @example
 * typesOfMask(33) // ["string", "null"]
 */
export function typesOfMask(mask: number): SeenValueType[] {
  return TYPES_IN_ORDER.filter((type) => (mask & TYPE_BITS[type]) !== 0);
}

/**
 * Check `recordSamples`' input and return copies with the event name cut (`storedEventName`).
 *
 * @example
 * validateSamples([{ sourceName: "web", eventType: "track", messageId: "m1", receivedAtMs: 0, test: false, body: "{}" }])
 */
export function validateSamples(samples: readonly NewEventSample[]): NewEventSample[] {
  if (!Array.isArray(samples)) invalid("recordSamples expects an array of samples");
  return samples.map((sample: NewEventSample, index) => {
    const at = `samples[${index}]`;
    if (typeof sample !== "object" || sample === null) invalid(`${at} must be an object`);
    requireText(sample.sourceName, `${at}.sourceName`);
    requireText(sample.eventType, `${at}.eventType`);
    requireText(sample.messageId, `${at}.messageId`);
    requireEpochMs(sample.receivedAtMs, `${at}.receivedAtMs`);
    if (typeof sample.test !== "boolean") invalid(`${at}.test must be a boolean`);
    if (typeof sample.body !== "string") invalid(`${at}.body must be a string`);
    if (sample.orderingKey !== undefined) requireText(sample.orderingKey, `${at}.orderingKey`);
    return {
      sourceName: sample.sourceName,
      eventType: sample.eventType,
      eventName: storedEventName(sample.eventName),
      messageId: sample.messageId,
      receivedAtMs: sample.receivedAtMs,
      test: sample.test,
      body: sample.body,
      ...(sample.orderingKey !== undefined ? { orderingKey: sample.orderingKey } : {}),
    };
  });
}

/**
 * Check a sample filter and resolve its limit (default 50, capped at 1000).
 *
 * @example
 * validateSampleFilter({ sourceName: "web", limit: 5000 }) // 1000
 */
export function validateSampleFilter(filter: SampleFilter): number {
  if (typeof filter !== "object" || filter === null) invalid("listSamples expects a filter object");
  validateNameFilter(filter);
  if (filter.beforeId !== undefined) requirePositiveInteger(filter.beforeId, "filter.beforeId");
  if (filter.limit === undefined) return SAMPLE_LIMIT_DEFAULT;
  requirePositiveInteger(filter.limit, "filter.limit");
  return Math.min(filter.limit, SAMPLE_LIMIT_MAX);
}

/**
 * Check a seen-path filter (each member, when given, a non-empty string).
 *
 * @example
 * validateNameFilter({ eventType: "track", eventName: "Order Completed" });
 */
export function validateNameFilter(filter: SeenPathFilter): void {
  if (typeof filter !== "object" || filter === null) invalid("expected a filter object");
  for (const key of ["sourceName", "eventType", "eventName"] as const) {
    if (filter[key] !== undefined) requireText(filter[key], `filter.${key}`);
  }
}

/** A merged seen-path row, keyed like the tables (`eventName` stored as "" for none). */
export interface SeenPathRow {
  sourceName: string;
  eventType: string;
  /** "" for no name: the column is part of the primary key, where NULLs would never conflict. */
  eventName: string;
  path: string;
  types: number;
  count: number;
  lastSeenMs: number;
}

/**
 * Check `recordSeenPaths`' input and merge updates of one key (types united, counts summed, latest
 * time), sorted by key: every writer locks rows in the same order, so concurrent upserts cannot
 * deadlock, and one statement never touches a row twice.
 *
 * @example
 * mergeSeenPaths([update, sameKeyUpdate]).length // 1
 */
export function mergeSeenPaths(updates: readonly SeenPathUpdate[]): SeenPathRow[] {
  if (!Array.isArray(updates)) invalid("recordSeenPaths expects an array of paths");
  const rows = new Map<string, SeenPathRow>();
  updates.forEach((update: SeenPathUpdate, index) => {
    const at = `paths[${index}]`;
    if (typeof update !== "object" || update === null) invalid(`${at} must be an object`);
    requireText(update.sourceName, `${at}.sourceName`);
    requireText(update.eventType, `${at}.eventType`);
    requireText(update.path, `${at}.path`);
    if (update.path.length > MAX_PATH) invalid(`${at}.path must be at most ${MAX_PATH} characters`);
    if (!Array.isArray(update.types) || update.types.some((type) => !Object.hasOwn(TYPE_BITS, type))) {
      invalid(`${at}.types must be an array of JSON type names`);
    }
    requirePositiveInteger(update.count, `${at}.count`);
    requireEpochMs(update.lastSeenMs, `${at}.lastSeenMs`);
    const row: SeenPathRow = {
      sourceName: update.sourceName,
      eventType: update.eventType,
      eventName: storedEventName(update.eventName) ?? "",
      path: update.path,
      types: typesMask(update.types),
      count: update.count,
      lastSeenMs: update.lastSeenMs,
    };
    const key = JSON.stringify([row.sourceName, row.eventType, row.eventName, row.path]);
    const existing = rows.get(key);
    if (existing === undefined) rows.set(key, row);
    else {
      existing.types |= row.types;
      existing.count += row.count;
      existing.lastSeenMs = Math.max(existing.lastSeenMs, row.lastSeenMs);
    }
  });
  return [...rows.values()].sort(
    (a, b) =>
      compare(a.sourceName, b.sourceName) ||
      compare(a.eventType, b.eventType) ||
      compare(a.eventName, b.eventName) ||
      compare(a.path, b.path),
  );
}

/**
 * Stored rows of several (source, type, name) merged by path, sorted by path, at most
 * `MAX_SEEN_PATHS`.
 *
 * @example
 * mergeByPath([{ path: "a", types: 1, count: 2, lastSeenMs: 5 }, { path: "a", types: 2, count: 1, lastSeenMs: 9 }])
 * // [{ path: "a", types: ["string", "number"], count: 3, lastSeenMs: 9 }]
 */
export function mergeByPath(
  rows: readonly { path: string; types: number; count: number; lastSeenMs: number }[],
): SeenPath[] {
  const byPath = new Map<string, { types: number; count: number; lastSeenMs: number }>();
  for (const row of rows) {
    const existing = byPath.get(row.path);
    if (existing === undefined)
      byPath.set(row.path, { types: row.types, count: row.count, lastSeenMs: row.lastSeenMs });
    else {
      existing.types |= row.types;
      existing.count += row.count;
      existing.lastSeenMs = Math.max(existing.lastSeenMs, row.lastSeenMs);
    }
  }
  return [...byPath]
    .sort(([a], [b]) => compare(a, b))
    .slice(0, MAX_SEEN_PATHS)
    .map(([path, row]) => ({
      path,
      types: typesOfMask(row.types),
      count: row.count,
      lastSeenMs: row.lastSeenMs,
    }));
}

/**
 * Check a stats range: epoch-ms bounds with `fromMs < toMs`, a positive integer `bucketMs`, at most
 * `MAX_STATS_BUCKETS` buckets. Returns the bucket count.
 *
 * @example
 * validateStatsRange({ fromMs: 0, toMs: 86_400_000, bucketMs: 3_600_000 }) // 24
 */
export function validateStatsRange(range: StatsRange): number {
  if (typeof range !== "object" || range === null) invalid("eventStats expects a range object");
  requireEpochMs(range.fromMs, "range.fromMs");
  requireEpochMs(range.toMs, "range.toMs");
  requirePositiveInteger(range.bucketMs, "range.bucketMs");
  if (range.toMs <= range.fromMs) invalid("range.toMs must be after range.fromMs");
  const buckets = Math.ceil((range.toMs - range.fromMs) / range.bucketMs);
  if (buckets > MAX_STATS_BUCKETS) invalid(`the range holds more than ${MAX_STATS_BUCKETS} buckets`);
  return buckets;
}

/**
 * The answer of `eventStats` from the adapters' grouped rows (bucket index → counts): every bucket
 * of the range in order, zeros where nothing happened.
 *
 * @example
 * statsFromRows({ fromMs: 0, toMs: 20, bucketMs: 10 }, [{ bucket: 1, n: 3 }], [], [])
 * // { buckets: [{ startMs: 0, received: 0, ... }, { startMs: 10, received: 3, ... }], stoppedByReason: [] }
 */
export function statsFromRows(
  range: StatsRange,
  received: readonly { bucket: number; n: number }[],
  settled: readonly { bucket: number; delivered: number; stopped: number; failed: number }[],
  stoppedByReason: EventStats["stoppedByReason"],
): EventStats {
  const count = Math.ceil((range.toMs - range.fromMs) / range.bucketMs);
  const buckets: StatsBucket[] = Array.from({ length: count }, (_, index) => ({
    startMs: range.fromMs + index * range.bucketMs,
    received: 0,
    delivered: 0,
    stopped: 0,
    failed: 0,
  }));
  for (const row of received) {
    const bucket = buckets[Number(row.bucket)];
    if (bucket !== undefined) bucket.received += Number(row.n);
  }
  for (const row of settled) {
    const bucket = buckets[Number(row.bucket)];
    if (bucket === undefined) continue;
    bucket.delivered += Number(row.delivered);
    bucket.stopped += Number(row.stopped);
    bucket.failed += Number(row.failed);
  }
  return {
    buckets,
    stoppedByReason: stoppedByReason.map((row) => ({ ...row, count: Number(row.count) })),
  };
}

/**
 * Whether erasure removes a sample: `matchBody` names it (person or event), or cannot read it. A
 * sample is a disposable copy, so one that cannot be decrypted (its key was dropped from the keyring)
 * is removed rather than stopping the erasure as an unreadable event body does.
 *
 * @example
 * sampleMatches(options.matchBody, { body, sourceName: "web", messageId: "m1" }) // true or false
 */
export function sampleMatches(
  matchBody: NonNullable<ForgetOptions["matchBody"]>,
  sample: { body: string; sourceName: string; messageId: string },
): boolean {
  try {
    return matchBody(sample.body, { sourceName: sample.sourceName, messageId: sample.messageId }) !== null;
  } catch {
    return true;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function requireText(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) invalid(`${name} must be a non-empty string`);
}

function requirePositiveInteger(value: unknown, name: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalid(`${name} must be a positive integer`);
}

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}
