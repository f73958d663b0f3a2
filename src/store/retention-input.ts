import type { ForgetOptions, PurgeOptions } from "./port.js";
import { StoreError } from "./store-error.js";
import { requireEpochMs } from "./validate-input.js";

/**
 * What both adapters share for `purge` and `forgetPerson`: input checks (same inputs rejected the same
 * way, `ER_STORE_INVALID_INPUT`), the reason an erased in-flight delivery is stopped with, and how the
 * rows to erase are cut into transactions.
 */

/** The reason a leased delivery of an erased person is stopped with. */
export const ERASED_REASON = "erased on request (sluice forget)";

/**
 * Check `purge`'s options.
 *
 * @example
 * validatePurge({ deliveryLogBefore: 0, deadLettersBefore: 0, auditBefore: 0, nowMs: 0, chunk: 0 }); // throws: chunk
 */
export function validatePurge(options: PurgeOptions): void {
  for (const name of ["deliveryLogBefore", "deadLettersBefore", "auditBefore", "nowMs"] as const) {
    requireEpochMs(options[name], name);
  }
  if (!Number.isSafeInteger(options.chunk) || options.chunk < 1) {
    throw new StoreError("ER_STORE_INVALID_INPUT", "chunk must be a positive integer");
  }
}

/**
 * Check `forgetPerson`'s input and return the chunk size (default 1000).
 *
 * @example
 * validateForget("k", { nowMs: 0 }) // 1000
 */
export function validateForget(orderingKey: string, options: ForgetOptions): number {
  if (typeof orderingKey !== "string" || orderingKey.length === 0) {
    throw new StoreError("ER_STORE_INVALID_INPUT", "orderingKey must be a non-empty string");
  }
  requireEpochMs(options.nowMs, "nowMs");
  if (options.matchBody !== undefined && typeof options.matchBody !== "function") {
    throw new StoreError("ER_STORE_INVALID_INPUT", "matchBody must be a function");
  }
  const chunk = options.chunk ?? 1000;
  if (!Number.isSafeInteger(chunk) || chunk < 1) {
    throw new StoreError("ER_STORE_INVALID_INPUT", "chunk must be a positive integer");
  }
  return chunk;
}

/**
 * Delivery ids in chunks of about `size` that never split one event's deliveries: an event's body is
 * dropped with its deliveries, so none of them may be left claimable without it.
 *
 * @example
 * wholeEventChunks([{ id: 1, eventSeq: 1 }, { id: 2, eventSeq: 1 }, { id: 3, eventSeq: 2 }], 1) // [[1, 2], [3]]
 */
export function wholeEventChunks(
  rows: readonly { id: number; eventSeq: number }[],
  size: number,
): number[][] {
  const byEvent = new Map<number, number[]>();
  for (const { id, eventSeq } of rows) {
    const ids = byEvent.get(eventSeq);
    if (ids === undefined) byEvent.set(eventSeq, [id]);
    else ids.push(id);
  }
  const chunks: number[][] = [];
  let current: number[] = [];
  for (const ids of byEvent.values()) {
    if (current.length > 0 && current.length + ids.length > size) {
      chunks.push(current);
      current = [];
    }
    current.push(...ids);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
