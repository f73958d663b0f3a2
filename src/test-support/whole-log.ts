import type { DeliveryLogEntry, DeliveryLogFilter } from "../store/port.js";

const PAGE = 1000;

/**
 * The whole delivery log, newest first, paging through a lister capped at 1000 rows per call
 * (`store.listDeliveries`, or the read-only `readDeliveryLog`).
 */
export async function wholeLog(
  list: (filter: DeliveryLogFilter) => Promise<DeliveryLogEntry[]> | DeliveryLogEntry[],
): Promise<DeliveryLogEntry[]> {
  const out: DeliveryLogEntry[] = [];
  for (;;) {
    const last = out.at(-1);
    const page = await list({ limit: PAGE, ...(last ? { beforeId: last.deliveryId } : {}) });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}
