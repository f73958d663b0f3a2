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

/** A claimed delivery turned into either a wire item or a reason it will not be sent. */
export type Prepared =
  | { kind: "item"; item: PackedItem<ClaimedDelivery> }
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
    const item = serializeItem(delivery, mapped.op);
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

  pack(
    items: readonly PackedItem<ClaimedDelivery>[],
    maxBatchBytes: number,
  ): PackedItem<ClaimedDelivery>[][] {
    return packBatches(items, maxBatchBytes);
  }

  request(items: readonly PackedItem<ClaimedDelivery>[]): HttpRequestSpec {
    return buildBatchRequest(this.destination.settings, items, { revealKey: true });
  }
}
