import type { DeliveryLogFilter, ReplayFilter, Store } from "../store/port.js";
import type { ReplayDeadLettersOptions } from "../store/sqlite/sqlite-store.js";
import { StoreError } from "../store/store-error.js";
import { validateReplay } from "../store/validate-input.js";

/** Log rows read per query while collecting the dead letters a replay will take. */
const PAGE = 1000;

/**
 * The SQLite replay's steps through the store port: fix the matching dead letters first (oldest
 * first, up to `limit`), then replay them by id in chunks, each its own transaction. A delivery that
 * fails again while a long replay runs is not replayed a second time by a later chunk.
 *
 * @example
 * await replayThroughPort(store, { destination: "cio" }, { nowMs: Date.now() }); // { matched: 3, replayed: 3 }
 */
export async function replayThroughPort(
  store: Pick<Store, "listDeliveries" | "replay">,
  filter: ReplayFilter,
  options: ReplayDeadLettersOptions,
): Promise<{ matched: number; replayed: number }> {
  const chunkSize = options.chunkSize ?? 1000;
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  validateReplay(filter, { nowMs: options.nowMs, limit });
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new StoreError("ER_STORE_INVALID_OPTION", "chunkSize must be a positive integer");
  }
  const ids = (await matchingDeadLetters(store, filter)).slice(0, limit);
  if (options.dryRun === true || ids.length === 0) return { matched: ids.length, replayed: 0 };
  let replayed = 0;
  for (let start = 0; start < ids.length; start += chunkSize) {
    const chunk = ids.slice(start, start + chunkSize);
    replayed += await store.replay({ deliveryIds: chunk }, { nowMs: options.nowMs, limit: chunk.length });
    options.onChunk?.(replayed, ids.length);
  }
  return { matched: ids.length, replayed };
}

/** Ids of the failed deliveries matching `filter`, oldest first. */
async function matchingDeadLetters(
  store: Pick<Store, "listDeliveries">,
  filter: ReplayFilter,
): Promise<number[]> {
  const { deliveryIds, ...rest } = filter;
  const logFilter: DeliveryLogFilter = { ...rest, state: "failed" };
  const ids: number[] = [];
  if (deliveryIds !== undefined) {
    // A few ids: look each one up (the log is newest first, so the first row below id + 1 is it).
    for (const id of [...new Set(deliveryIds)].sort((a, b) => a - b)) {
      const [entry] = await store.listDeliveries({ ...logFilter, beforeId: id + 1, limit: 1 });
      if (entry?.deliveryId === id) ids.push(id);
    }
    return ids;
  }
  for (let beforeId: number | undefined; ; ) {
    const page = await store.listDeliveries({
      ...logFilter,
      limit: PAGE,
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    for (const entry of page) ids.push(entry.deliveryId);
    if (page.length < PAGE) break;
    beforeId = page.at(-1)?.deliveryId;
  }
  return ids.reverse();
}
