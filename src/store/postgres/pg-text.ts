import type { DeliveryOutcome, EnqueueEvent } from "../port.js";
import { StoreError } from "../store-error.js";

/**
 * Text as PostgreSQL stores it. A `text` value cannot hold U+0000, and the driver encodes a lone
 * UTF-16 surrogate as U+FFFD. Input is checked (NUL) and normalised (surrogates) before it joins a
 * group commit, so one caller's odd string cannot fail a transaction it shares with others, and the
 * adapter compares exactly the strings the database holds.
 */

const NUL = "\u0000";
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/**
 * `value` with lone surrogates replaced by U+FFFD; throws `ER_STORE_INVALID_INPUT` (naming `name`,
 * never the value) when it contains NUL.
 *
 * @example
 * storableText("m\uD800", "messageId"); // "m\uFFFD"
 */
export function storableText(value: string, name: string): string {
  if (value.includes(NUL)) {
    throw new StoreError("ER_STORE_INVALID_INPUT", `${name} must not contain a NUL character (U+0000)`);
  }
  return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATES, "\uFFFD") : value;
}

/**
 * Free text the adapter records but never matches on (a reason, a field path): NUL becomes U+FFFD
 * rather than failing the settle, which would leave the delivery to be retried for ever.
 *
 * @example
 * diagnosticText("bad\u0000byte"); // "bad\uFFFDbyte"
 */
export function diagnosticText(value: string): string {
  return storableText(value.replaceAll(NUL, "\uFFFD"), "text");
}

/**
 * Already-validated events with every text field made storable (see `storableText`).
 *
 * @example
 * const ready = storableEvents(validateEnqueueEvents(events));
 */
export function storableEvents(events: readonly EnqueueEvent[]): EnqueueEvent[] {
  return events.map((event, index) => {
    const at = `events[${index}]`;
    return {
      sourceName: storableText(event.sourceName, `${at}.sourceName`),
      messageId: storableText(event.messageId, `${at}.messageId`),
      eventType: storableText(event.eventType, `${at}.eventType`),
      receivedAtMs: event.receivedAtMs,
      body: storableText(event.body, `${at}.body`),
      // Normalising can make two names equal: de-duplicate again.
      destinations: [
        ...new Set(event.destinations.map((name, i) => storableText(name, `${at}.destinations[${i}]`))),
      ],
      ...(event.orderingKey !== undefined
        ? { orderingKey: storableText(event.orderingKey, `${at}.orderingKey`) }
        : {}),
      ...(typeof event.eventName === "string"
        ? { eventName: storableText(event.eventName, `${at}.eventName`) }
        : {}),
    };
  });
}

/**
 * An outcome's free-text fields made storable with `diagnosticText`.
 *
 * @example
 * storableOutcome({ deliveryId: 1, state: "failed", attempts: 1, stage: "delivery", reason: "x" });
 */
export function storableOutcome(outcome: DeliveryOutcome): DeliveryOutcome {
  if (outcome.state === "failed" || outcome.state === "stopped") {
    return {
      ...outcome,
      reason: diagnosticText(outcome.reason),
      ...(outcome.field !== undefined ? { field: diagnosticText(outcome.field) } : {}),
    };
  }
  if (outcome.state === "retrying") return { ...outcome, reason: diagnosticText(outcome.reason) };
  return outcome;
}
