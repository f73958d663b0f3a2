import { formatProgress } from "../cli/progress.js";
import { type RetentionSettings, retentionCutoffs } from "../contracts/retention.js";
import { AUDIT_ACTIONS, audit, SYSTEM_ACTOR } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import type { PurgeResult, Store } from "../store/port.js";

export interface RetentionJobDeps {
  store: Pick<Store, "purge" | "appendAudit">;
  retention: RetentionSettings;
  logger: Logger;
  clock: () => number;
}

export interface RetentionJobOptions {
  /** The first run, after start. Default 60,000 ms (a minute: start-up work goes first). */
  firstRunAfterMs?: number;
  /** Then every this often. Default 3,600,000 ms (hourly). */
  everyMs?: number;
  /** Rows per purge transaction. Default 5000. */
  chunk?: number;
  /** A purge of at least this many rows logs progress lines. Default 10,000. */
  largePurgeRows?: number;
  /** At most one progress line per this many ms. Default 5000. */
  progressEveryMs?: number;
}

export interface RetentionJob {
  /** Run a purge now (or join the one running); resolves with what it removed, or null when it failed. */
  runNow(): Promise<PurgeResult | null>;
  /** Stop the timers, stop a running purge between two chunks, and wait for it. */
  stop(): Promise<void>;
}

/**
 * The retention purge job: once a minute after start, then hourly, it deletes what the `retention:`
 * settings no longer keep (`Store.purge`: delivery-log metadata, dead letters, audit entries, and
 * event samples and seen paths, which follow the delivery log's days; never a waiting delivery), logs
 * what it removed — with a progress line every 5 s while a large purge runs — and records the purge
 * in the audit log. It never throws: a failed run is logged and retried at the
 * next hour. Several nodes may run it at once (PostgreSQL): they skip each other's rows.
 *
 * @example
 * const job = startRetentionJob({ store, retention: retentionOf(config), logger, clock: Date.now });
 * // on shutdown, before closing the store:
 * await job.stop();
 */
export function startRetentionJob(deps: RetentionJobDeps, options: RetentionJobOptions = {}): RetentionJob {
  const everyMs = options.everyMs ?? 3_600_000;
  const chunk = options.chunk ?? 5000;
  const largePurgeRows = options.largePurgeRows ?? 10_000;
  const progressEveryMs = options.progressEveryMs ?? 5000;
  const abort = new AbortController();
  let running: Promise<PurgeResult | null> | null = null;
  let interval: ReturnType<typeof setInterval> | undefined;

  const run = async (): Promise<PurgeResult | null> => {
    const { store, logger, clock } = deps;
    const startedMs = clock();
    const cutoffs = retentionCutoffs(deps.retention, startedMs);
    let lastProgressMs = Number.NEGATIVE_INFINITY;
    try {
      const result = await store.purge({
        ...cutoffs,
        nowMs: startedMs,
        chunk,
        signal: abort.signal,
        onProgress: (removed, total) => {
          const now = clock();
          if (total < largePurgeRows || removed >= total || now - lastProgressMs < progressEveryMs) return;
          lastProgressMs = now;
          const line = formatProgress({
            label: "removed",
            done: removed,
            total,
            elapsedMs: now - startedMs,
            final: false,
          });
          logger.info({ event: LOG.retentionProgress, removed, total }, `retention purge: ${line}`);
        },
      });
      const removed = result.deliveries + result.deadLetters + result.audit;
      if (removed === 0) return result;
      const cutoffText = {
        deliveryLogBefore: new Date(cutoffs.deliveryLogBefore).toISOString(),
        deadLettersBefore: new Date(cutoffs.deadLettersBefore).toISOString(),
        auditBefore: new Date(cutoffs.auditBefore).toISOString(),
      };
      logger.info(
        { event: LOG.retentionPurged, ...result, ...cutoffText, durationMs: clock() - startedMs },
        `retention purge removed ${result.deliveries} delivery-log rows, ${result.deadLetters} dead letters, ${result.audit} audit entries and ${result.events} events`,
      );
      await audit(
        store,
        {
          actor: SYSTEM_ACTOR,
          action: AUDIT_ACTIONS.retentionPurge,
          outcome: "ok",
          detail: { ...result, ...cutoffText },
        },
        clock,
      );
      return result;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      logger.warn(
        { event: LOG.retentionFailed, err: { code: code ?? "unknown", message: message ?? String(error) } },
        "retention purge failed; it runs again within the hour",
      );
      return null;
    }
  };

  const runNow = (): Promise<PurgeResult | null> => {
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  };

  const first = setTimeout(() => {
    if (abort.signal.aborted) return;
    void runNow();
    interval = setInterval(() => void runNow(), everyMs);
    interval.unref();
  }, options.firstRunAfterMs ?? 60_000);
  first.unref();

  return {
    runNow,
    async stop() {
      abort.abort();
      clearTimeout(first);
      clearInterval(interval);
      await running;
    },
  };
}
