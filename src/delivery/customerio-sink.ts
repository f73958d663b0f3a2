import type { CustomerioDestinationConfig } from "../contracts/config.js";
import type { StoredEvent } from "../contracts/event.js";
import { CUSTOMERIO_LIMITS } from "../destinations/customerio/limits.js";
import { mapEvent } from "../destinations/customerio/map-event.js";
import {
  buildBatchRequest,
  buildV1Request,
  type HttpRequestSpec,
  type PackedItem,
  packBatches,
  serializeItem,
} from "../destinations/customerio/request-builder.js";
import type { PhiDecision } from "../privacy/index.js";
import type { ClaimedDelivery, DeliveryStage } from "../store/port.js";

/**
 * What a batch keeps of each claimed delivery while its request is in flight: just enough to record
 * the outcome (not the event body, which would multiply memory by the events in flight).
 */
export interface DeliveryRef {
  deliveryId: number;
  /** The claim's fencing token, handed back with the delivery's outcome (`DeliveryOutcome.leaseToken`). */
  leaseToken: string;
  attempts: number;
  firstAttemptAtMs: number | null;
  /** The person (`u:` userId or `a:` anonymousId), kept in memory only: a person's run stays in order. */
  person: string | null;
}

/** A batch, and whether it carries on a person's run from the batch before it (then it must wait for it). */
export interface PackedBatch {
  items: PackedItem<DeliveryRef>[];
  continuesPrevious: boolean;
}

/**
 * A claimed delivery turned into wire items (batched with others), direct requests (a delivery with
 * a v1 call: sent on its own, in order), or a reason it will not be sent.
 */
export type Prepared = (
  | { kind: "items"; items: PackedItem<DeliveryRef>[] }
  | { kind: "direct"; ref: DeliveryRef; requests: HttpRequestSpec[] }
  | { kind: "stop"; delivery: ClaimedDelivery; stage: DeliveryStage; reason: string; field?: string }
) & {
  /** PHI detections in what would leave, and what the policy did (for metrics; no values). */
  privacy?: readonly PhiDecision[];
};

/** `{"batch":[` + `]}`; each item adds its bytes plus one comma (counted generously for the first). */
const BATCH_OVERHEAD_BYTES = 12;

/** `u:<userId>`, else `a:<anonymousId>`, else null: the person whose events must stay in order. */
function personOf(event: StoredEvent): string | null {
  if (typeof event.userId === "string" && event.userId !== "") return `u:${event.userId}`;
  if (typeof event.anonymousId === "string" && event.anonymousId !== "") return `a:${event.anonymousId}`;
  return null;
}

/**
 * The Customer.io sink's pure half: claimed delivery → mapped, limit-checked, serialized item; items →
 * batch requests. The worker owns the I/O around it.
 */
export class CustomerioSink {
  constructor(readonly destination: CustomerioDestinationConfig) {}

  prepare(delivery: ClaimedDelivery): Prepared {
    let event: StoredEvent;
    try {
      event = JSON.parse(delivery.body) as StoredEvent;
    } catch {
      return { kind: "stop", delivery, stage: "mapping", reason: "stored event is not valid JSON" };
    }
    const mapped = mapEvent(event, this.destination);
    const privacy = mapped.privacy && mapped.privacy.length > 0 ? { privacy: mapped.privacy } : {};
    if (mapped.kind === "stop") {
      return {
        kind: "stop",
        delivery,
        stage: mapped.stage,
        reason: mapped.reason,
        ...(mapped.field ? { field: mapped.field } : {}),
        ...privacy,
      };
    }
    const ref: DeliveryRef = {
      deliveryId: delivery.deliveryId,
      leaseToken: delivery.leaseToken,
      attempts: delivery.attempts,
      firstAttemptAtMs: delivery.firstAttemptAtMs,
      person: personOf(event),
    };
    const items: PackedItem<DeliveryRef>[] = [];
    for (const part of mapped.parts) {
      if (part.kind !== "op") continue;
      const item = serializeItem(ref, part.op);
      if (!item) {
        return {
          kind: "stop",
          delivery,
          stage: "limits",
          reason: `operation is over ${CUSTOMERIO_LIMITS.batchItemBytes} bytes`,
        };
      }
      items.push(item);
    }
    if (mapped.parts.every((part) => part.kind === "op")) return { kind: "items", items, ...privacy };
    const settings = this.destination.settings;
    const requests = mapped.parts.flatMap((part) =>
      part.kind === "request"
        ? [buildV1Request(settings, part.request.path, part.request.body, { revealKey: true })]
        : [],
    );
    if (items.length > 0) requests.unshift(buildBatchRequest(settings, items, { revealKey: true }));
    return { kind: "direct", ref, requests, ...privacy };
  }

  /**
   * Pack items (a claim lists each person's run contiguously) into batches without splitting a
   * person's run when it fits in one batch; a run larger than a whole batch spans consecutive batches,
   * each marked `continuesPrevious` so the worker sends them one after the other.
   */
  pack(
    items: readonly PackedItem<DeliveryRef>[],
    maxBatchBytes: number,
    maxEvents: number = this.destination.delivery.maxEventsPerRequest,
  ): PackedBatch[] {
    const batches: PackedBatch[] = [];
    let current: PackedItem<DeliveryRef>[] = [];
    let currentBytes = BATCH_OVERHEAD_BYTES;
    const close = () => {
      if (current.length > 0) batches.push({ items: current, continuesPrevious: false });
      current = [];
      currentBytes = BATCH_OVERHEAD_BYTES;
    };
    let start = 0;
    while (start < items.length) {
      const person = items[start]?.tag.person ?? null;
      let end = start + 1;
      let runBytes = (items[start]?.bytes ?? 0) + 1;
      while (person !== null && end < items.length && items[end]?.tag.person === person) {
        runBytes += (items[end]?.bytes ?? 0) + 1;
        end += 1;
      }
      const run = items.slice(start, end);
      start = end;
      const fits = (bytes: number, count: number) =>
        bytes + runBytes <= maxBatchBytes && count + run.length <= maxEvents;
      if (fits(currentBytes, current.length)) {
        current.push(...run);
        currentBytes += runBytes;
        continue;
      }
      close();
      if (fits(currentBytes, 0)) {
        current = [...run];
        currentBytes += runBytes;
        continue;
      }
      let index = 0;
      for (const part of packBatches(run, maxBatchBytes)) {
        for (let at = 0; at < part.length; at += maxEvents) {
          batches.push({ items: part.slice(at, at + maxEvents), continuesPrevious: index > 0 });
          index += 1;
        }
      }
    }
    close();
    return batches;
  }

  request(items: readonly PackedItem<DeliveryRef>[]): HttpRequestSpec {
    return buildBatchRequest(this.destination.settings, items, { revealKey: true });
  }
}
