import { ADMIN_PAGE } from "../contracts/admin-common.js";
import { MAX_STATS_BUCKETS, type OBSERVE_ROUTES, STATS_DEFAULTS } from "../contracts/admin-observe-routes.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import { maskPayload } from "../privacy/mask-payload.js";
import { verifyAuditChain } from "../store/audit-chain.js";
import type { AuditRecord, EventSample } from "../store/port.js";
import { readAuditChainThroughPort } from "../store/read-audit-chain.js";
import { type AdminDeps, AdminHttpError, type AreaHandlers } from "./admin-handlers.js";

/**
 * The handlers of `OBSERVE_ROUTES`: dashboard counts, the audit log and its verification, event
 * samples (masked unless revealed, the reveal audited before the answer) and seen paths.
 *
 * @example
 * const handlers = createObserveHandlers(deps);
 * await handlers.getStats({ params: undefined, query: {}, body: undefined, role: "viewer", actor: "token:viewer" });
 */
export function createObserveHandlers(deps: AdminDeps): AreaHandlers<typeof OBSERVE_ROUTES> {
  const { store } = deps;
  return {
    async getStats({ query }) {
      const nowMs = deps.clock();
      const bucketMs = query.bucketMs ?? STATS_DEFAULTS.bucketMs;
      const toMs = query.to ?? (Math.floor(nowMs / bucketMs) + 1) * bucketMs;
      const fromMs = query.from ?? Math.max(0, toMs - STATS_DEFAULTS.rangeMs);
      if (toMs <= fromMs) {
        throw new AdminHttpError(400, {
          code: "ER_ADMIN_INVALID_REQUEST",
          message: "query.to: must be after from",
          path: "query.to",
        });
      }
      if (Math.ceil((toMs - fromMs) / bucketMs) > MAX_STATS_BUCKETS) {
        throw new AdminHttpError(400, {
          code: "ER_ADMIN_INVALID_REQUEST",
          message: `query.bucketMs: the range holds more than ${MAX_STATS_BUCKETS} buckets; use wider buckets or a shorter range`,
          path: "query.bucketMs",
        });
      }
      const [stats, waiting] = await Promise.all([
        store.eventStats({ fromMs, toMs, bucketMs }),
        store.queueStats(nowMs),
      ]);
      const byName = new Map(waiting.map((entry) => [entry.destination, entry]));
      const names = deps.destinations().map((destination) => destination.name);
      // Configured destinations with zeros when nothing waits, plus any removed one that still has a backlog.
      const queue = [...new Set([...names, ...byName.keys()])].sort().map((destination) => ({
        destination,
        waiting: byName.get(destination)?.waiting ?? 0,
        oldestAgeMs: byName.get(destination)?.oldestAgeMs ?? null,
      }));
      return { fromMs, toMs, bucketMs, ...stats, queue };
    },

    async listAudit({ query }) {
      const limit = query.limit ?? ADMIN_PAGE.defaultLimit;
      const filter = {
        newestFirst: true,
        ...(query.before !== undefined ? { beforeSeq: query.before } : {}),
        ...(query.action !== undefined ? { action: query.action } : {}),
      };
      const records = await store.listAudit({ ...filter, limit });
      const last = records.at(-1);
      let nextBefore: number | null = null;
      // A one-entry look past a full page, so a client never fetches an empty last page.
      if (last !== undefined && records.length === limit) {
        const more = await store.listAudit({ ...filter, beforeSeq: last.seq, limit: 1 });
        if (more.length > 0) nextBefore = last.seq;
      }
      return { entries: records.map(auditEntry), nextBefore };
    },

    async verifyAudit() {
      const { state, records } = await readAuditChainThroughPort(store);
      const result = verifyAuditChain(records, state.anchor, state.head);
      return result.ok
        ? { ok: true, checked: result.entries, problem: null }
        : { ok: false, checked: result.verified, problem: `${result.message} (${result.problem})` };
    },

    async listSamples({ query }) {
      const samples = await store.listSamples({
        ...(query.source !== undefined ? { sourceName: query.source } : {}),
        ...(query.type !== undefined ? { eventType: query.type } : {}),
        ...(query.name !== undefined ? { eventName: query.name } : {}),
        limit: query.limit ?? ADMIN_PAGE.defaultLimit,
      });
      return { samples: samples.map(sampleMeta) };
    },

    async getSample({ params, query, role, actor }) {
      const reveal = query.reveal === true;
      if (reveal && role === "viewer") {
        throw new AdminHttpError(403, {
          code: "ER_ADMIN_FORBIDDEN",
          message: "the viewer role never sees payload values; reveal needs the editor or admin role",
          path: "query.reveal",
        });
      }
      const sample = await store.getSample(params.id);
      if (sample === null) {
        throw new AdminHttpError(404, {
          code: "ER_ADMIN_NOT_FOUND",
          message: `no sample with id ${params.id} (samples keep the last 200 events of each source)`,
          path: "params.id",
        });
      }
      // Sluice stored the validated event's JSON: a parse failure is a bug, answered as a 500.
      const event: unknown = JSON.parse(sample.body);
      if (!reveal) return { sample: { ...sampleMeta(sample), event: maskPayload(event) }, revealed: false };
      // Recorded before anything is shown: no audit entry, no values.
      await audit(
        store,
        {
          actor,
          action: AUDIT_ACTIONS.payloadView,
          target: `sample:${sample.id}`,
          outcome: "ok",
          detail: { source: sample.sourceName, test: sample.test, via: "admin api" },
        },
        deps.clock,
      );
      deps.logger.warn(
        { event: LOG.adminPayloadRevealed, sampleId: sample.id, source: sample.sourceName, role },
        "a sample's payload values were revealed through the admin API",
      );
      return { sample: { ...sampleMeta(sample), event }, revealed: true };
    },

    async listSeenPaths({ query }) {
      const paths = await store.listSeenPaths({
        ...(query.source !== undefined ? { sourceName: query.source } : {}),
        ...(query.type !== undefined ? { eventType: query.type } : {}),
        ...(query.name !== undefined ? { eventName: query.name } : {}),
      });
      return { paths };
    },
  };
}

/** A sample's listed fields, in the API's names (the body never). */
function sampleMeta(sample: EventSample) {
  return {
    id: sample.id,
    source: sample.sourceName,
    type: sample.eventType,
    name: sample.eventName,
    messageId: sample.messageId,
    receivedAtMs: sample.receivedAtMs,
    test: sample.test,
  };
}

/** An audit record as the API shows it: no chain hashes, absent fields as null. */
function auditEntry(record: AuditRecord) {
  return {
    seq: record.seq,
    atMs: record.atMs,
    actor: record.actor,
    action: record.action,
    target: record.target ?? null,
    outcome: record.outcome,
    detail: record.detail ?? null,
  };
}
