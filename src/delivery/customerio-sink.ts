import type { CustomerioDestinationConfig } from "../contracts/config.js";
import type { StoredEvent } from "../contracts/event.js";
import { CUSTOMERIO_LIMITS } from "../destinations/customerio/limits.js";
import { mapWithPresets } from "../destinations/customerio/preset-actions.js";
import {
  buildBatchRequest,
  type HttpRequestSpec,
  type PackedItem,
  packBatches,
  serializeItem,
} from "../destinations/customerio/request-builder.js";
import type { ClaimedDelivery, DeliveryStage } from "../store/port.js";

/**
 * What a batch keeps of each claimed delivery while its request is in flight: just enough to record
 * the outcome (not the event body, which would multiply memory by the events in flight).
 */
export interface DeliveryRef {
  deliveryId: number;
  attempts: number;
  firstAttemptAtMs: number | null;
}

/** A claimed delivery turned into either a wire item or a reason it will not be sent. */
export type Prepared =
  | { kind: "item"; item: PackedItem<DeliveryRef> }
  | { kind: "stop"; delivery: ClaimedDelivery; stage: DeliveryStage; reason: string; field?: string };

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
    const mapped = mapWithPresets(event, this.destination);
    if (mapped.kind === "stop") {
      return {
        kind: "stop",
        delivery,
        stage: mapped.stage,
        reason: mapped.reason,
        ...(mapped.field ? { field: mapped.field } : {}),
      };
    }
    const ref = {
      deliveryId: delivery.deliveryId,
      attempts: delivery.attempts,
      firstAttemptAtMs: delivery.firstAttemptAtMs,
    };
    const item = serializeItem(ref, mapped.op);
    if (!item) {
      return {
        kind: "stop",
        delivery,
        stage: "limits",
        reason: `operation is over ${CUSTOMERIO_LIMITS.batchItemBytes} bytes`,
      };
    }
    return { kind: "item", item };
  }

  pack(items: readonly PackedItem<DeliveryRef>[], maxBatchBytes: number): PackedItem<DeliveryRef>[][] {
    return packBatches(items, maxBatchBytes);
  }

  request(items: readonly PackedItem<DeliveryRef>[]): HttpRequestSpec {
    return buildBatchRequest(this.destination.settings, items, { revealKey: true });
  }
}
