/**
 * Every structured log event name, in one place, so logs can be searched and alerted on by a stable
 * `event` field. Log lines carry ids, counts, codes and reasons — never payload values or secrets.
 */
export const LOG = {
  started: "sluice.started",
  stopping: "sluice.stopping",
  stopped: "sluice.stopped",
  noConfig: "config.none",
  configLoaded: "config.loaded",
  dataAtRest: "store.opened",
  storeBackgroundError: "store.background_error",
  ingestRejected: "ingest.rejected",
  ingestStoreFailed: "ingest.store_failed",
  deliveryPaused: "delivery.paused",
  deliveryBatch: "delivery.batch",
  deliveryRetry: "delivery.retry",
  deliveryFailed: "delivery.failed",
  deliveryStopped: "delivery.stopped",
  destinationUnauthorized: "destination.unauthorized",
  destinationResumed: "destination.resumed",
  credentialsChecked: "destination.credentials_checked",
  deliveryProgress: "delivery.progress",
  destinationRateLimited: "destination.rate_limited",
  workerError: "delivery.worker_error",
} as const;
