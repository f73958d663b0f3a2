import { z } from "zod";

/**
 * How long Sluice keeps each class of data (`retention:` in the configuration file). Delivered
 * payloads are not a class here: a body is deleted as soon as no delivery needs it (see the store's
 * `settle`), so only metadata, dead letters and the audit log wait for the purge job.
 */

/** The defaults: 30 days of delivery log, 30 days of dead letters, 6 years (2190 days) of audit log. */
export const RETENTION_DEFAULTS = { deliveryLogDays: 30, deadLetterDays: 30, auditDays: 2190 } as const;

const days = (what: string, fallback: number) =>
  z
    .int(`${what} must be a whole number of days`)
    .min(1, "must be at least 1 (day)")
    .max(36_500, "must be at most 36500 (days, 100 years)")
    .default(fallback);

export const RetentionSchema = z.strictObject({
  /**
   * Delivered and stopped deliveries (the delivery log: ids, states, reasons, attempts — no payload
   * values) are deleted this many days after their last update. Default 30.
   */
  deliveryLogDays: days("deliveryLogDays", RETENTION_DEFAULTS.deliveryLogDays),
  /** Dead letters (failed deliveries, with their event bodies) are deleted this many days after they failed. Default 30. */
  deadLetterDays: days("deadLetterDays", RETENTION_DEFAULTS.deadLetterDays),
  /**
   * Audit entries are deleted this many days after they were recorded. Default 2190 (6 years, the
   * HIPAA documentation retention period).
   */
  auditDays: days("auditDays", RETENTION_DEFAULTS.auditDays),
});

export type RetentionSettings = z.infer<typeof RetentionSchema>;

/**
 * The retention settings of a configuration: its `retention:` block, or the defaults when it has none.
 *
 * @example
 * retentionOf({}) // { deliveryLogDays: 30, deadLetterDays: 30, auditDays: 2190 }
 */
export function retentionOf(config: { retention?: RetentionSettings | undefined }): RetentionSettings {
  return config.retention ?? { ...RETENTION_DEFAULTS };
}

const DAY_MS = 86_400_000;

/**
 * The purge's cut-offs at `nowMs`: rows last changed before each instant are due for deletion.
 *
 * @example
 * retentionCutoffs({ deliveryLogDays: 1, deadLetterDays: 2, auditDays: 3 }, 3 * 86_400_000)
 * // { deliveryLogBefore: 172800000, deadLettersBefore: 86400000, auditBefore: 0 }
 */
export function retentionCutoffs(
  settings: RetentionSettings,
  nowMs: number,
): { deliveryLogBefore: number; deadLettersBefore: number; auditBefore: number } {
  const before = (daysKept: number) => Math.max(0, nowMs - daysKept * DAY_MS);
  return {
    deliveryLogBefore: before(settings.deliveryLogDays),
    deadLettersBefore: before(settings.deadLetterDays),
    auditBefore: before(settings.auditDays),
  };
}
