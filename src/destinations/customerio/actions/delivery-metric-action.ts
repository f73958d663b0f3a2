import { DELIVERY_METRICS, type DeliveryMetricBody, type DeliveryMetricName } from "../ops.js";
import type { ActionDefinition } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { StopSignal } from "./field-reader.js";
import { EVENT_TIME_MAPPING, trackEventTrigger } from "./mapping-defaults.js";
import { requiredTrimmedText, trimmedText } from "./person-identifiers.js";

/**
 * `delivery_metric`: reports what happened to a message Customer.io sent (opened, clicked, bounced,
 * ...) through v1 `POST /api/v1/metrics`, for channels that do not report back themselves.
 */

export const DELIVERY_METRIC_ACTION: ActionDefinition = defineAction({
  type: "delivery_metric",
  title: "Report delivery metric",
  description:
    "Report a metric for a message Customer.io delivered (its CIO-Delivery-ID), via v1 POST /api/v1/metrics.",
  endpoint: "track-v1-metrics",
  fields: [
    {
      name: "delivery_id",
      kind: "text",
      required: true,
      description: "The message's CIO-Delivery-ID.",
      default: { coalesce: ["$.properties.delivery_id", "$.properties.deliveryId"] },
    },
    {
      name: "metric",
      kind: "text",
      required: true,
      description: `One of ${DELIVERY_METRICS.join(", ")}.`,
      default: "$.properties.metric",
    },
    {
      name: "timestamp",
      kind: "timestamp",
      description: "When it happened; Customer.io uses the time of receipt when absent.",
      default: EVENT_TIME_MAPPING,
    },
    {
      name: "recipient",
      kind: "text",
      description: "Who received the message (email address, device token or phone); not mapped by default.",
    },
    {
      name: "reason",
      kind: "text",
      description: "Why it failed, for failure metrics such as bounced.",
      default: "$.properties.reason",
    },
    {
      name: "href",
      kind: "text",
      description: "The link clicked, for clicked.",
      default: "$.properties.href",
    },
  ],
  presetTrigger: trackEventTrigger(["Report Delivery Event"]),
  example: {
    fields: { delivery_id: "RPILAgUBcRhIBqSfeiIwdIYJKxTY", metric: "clicked", href: "https://example.com/a" },
  },
  build(read) {
    const metric = read.requiredText("metric").trim();
    if (!(DELIVERY_METRICS as readonly string[]).includes(metric)) {
      throw new StopSignal(`metric must be one of ${DELIVERY_METRICS.join(", ")}`, "metric");
    }
    const body: DeliveryMetricBody = {
      delivery_id: requiredTrimmedText(read, "delivery_id"),
      metric: metric as DeliveryMetricName,
    };
    const timestamp = read.number("timestamp");
    if (timestamp !== undefined) body.timestamp = timestamp;
    for (const name of ["recipient", "reason", "href"] as const) {
      const value = trimmedText(read, name);
      if (value !== undefined) body[name] = value;
    }
    return { kind: "metric", body };
  },
});
