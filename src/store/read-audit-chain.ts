import type { AuditChainState, AuditRecord, Store } from "./port.js";

/** Entries per page when reading a whole chain. */
const PAGE = 1000;

/**
 * The whole audit chain through the port, for `verifyAuditChain`: the state first, then every entry
 * up to its head (entries appended meanwhile are left for the next run). A retention purge that moved
 * the anchor while the pages were read makes it read again (at most three times).
 *
 * @example
 * const { state, records } = await readAuditChainThroughPort(store);
 * verifyAuditChain(records, state.anchor, state.head).ok // true
 */
export async function readAuditChainThroughPort(
  store: Pick<Store, "auditState" | "listAudit">,
): Promise<{ state: AuditChainState; records: AuditRecord[] }> {
  for (let attempt = 1; ; attempt++) {
    const state = await store.auditState();
    const records: AuditRecord[] = [];
    for (let fromSeq = 0; ; ) {
      const page = await store.listAudit({ fromSeq, limit: PAGE });
      for (const record of page) if (record.seq <= state.head.seq) records.push(record);
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined || last.seq >= state.head.seq) break;
      fromSeq = last.seq + 1;
    }
    const after = await store.auditState();
    if (after.anchor.seq === state.anchor.seq || attempt >= 3) return { state, records };
  }
}
