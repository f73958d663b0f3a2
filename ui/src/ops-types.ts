import type { z } from "zod";
import type {
  AttemptRecordSchema,
  DeadLetterPageSchema,
  DeadLetterSchema,
  DeliveryLogEntrySchema,
  DeliveryPageSchema,
  HealthResponseSchema,
  ReplayResponseSchema,
  TraceResponseSchema,
} from "../../src/contracts/admin.js";
import type { UserListSchema } from "../../src/contracts/admin-auth-routes.js";
import type {
  ConfigDiffSchema,
  ConfigStateSchema,
  VersionListSchema,
} from "../../src/contracts/admin-config-routes.js";
import type {
  AuditPageSchema,
  AuditVerificationSchema,
  StatsResponseSchema,
} from "../../src/contracts/admin-observe-routes.js";

/**
 * The answers the operations screens read, typed straight from the server's
 * zod schemas (types only: nothing of zod reaches the bundle).
 */

export type Health = z.output<typeof HealthResponseSchema>;
export type DeliveryPage = z.output<typeof DeliveryPageSchema>;
/** A delivery-log row; `eventName` is the track event's name (null for other calls). */
export type DeliveryLogEntry = z.output<typeof DeliveryLogEntrySchema>;
export type DeadLetterPage = z.output<typeof DeadLetterPageSchema>;
export type DeadLetter = z.output<typeof DeadLetterSchema>;
export type AttemptRecord = z.output<typeof AttemptRecordSchema>;
export type TraceResponse = z.output<typeof TraceResponseSchema>;
export type EventTrace = TraceResponse["events"][number];
export type ReplayResult = z.output<typeof ReplayResponseSchema>;

export type Stats = z.output<typeof StatsResponseSchema>;
export type StatsBucket = Stats["buckets"][number];
export type AuditPage = z.output<typeof AuditPageSchema>;
export type AuditEntry = AuditPage["entries"][number];
export type AuditVerify = z.output<typeof AuditVerificationSchema>;
export type UserAccount = z.output<typeof UserListSchema>["users"][number];
export type ConfigState = z.output<typeof ConfigStateSchema>;
export type ConfigVersion = z.output<typeof VersionListSchema>["versions"][number];
export type ConfigDiff = z.output<typeof ConfigDiffSchema>;
