import type {
  ClaimOptions,
  DeliveryLogFilter,
  DeliveryOutcome,
  DestinationState,
  EnqueueEvent,
  ReplayFilter,
} from "./port.js";
import { StoreError } from "./store-error.js";

/**
 * Input checks shared by every adapter, so that they all reject the same inputs with the same code
 * (`ER_STORE_INVALID_INPUT`). Messages name the argument and the field, never a value.
 */

const DELIVERY_STAGES: ReadonlySet<string> = new Set([
  "ingest",
  "allowlist",
  "consent",
  "mapping",
  "privacy",
  "limits",
  "delivery",
]);
const DELIVERY_STATES: ReadonlySet<string> = new Set([
  "queued",
  "retrying",
  "delivered",
  "failed",
  "stopped",
]);

/**
 * Check one `enqueue` call's input and return a copy of it (destinations de-duplicated). The check
 * runs before the call joins a group commit, so one caller's bad event rejects that caller alone
 * instead of the transaction it would share; the copy keeps a caller that mutates its array after the
 * call from changing what is committed.
 *
 * @example
 * const events = validateEnqueueEvents([{ sourceName: "web", messageId: "m1", eventType: "track",
 *   receivedAtMs: 1_700_000_000_000, body: "{}", destinations: ["customerio", "customerio"] }]);
 * events[0]?.destinations; // ["customerio"]
 */
export function validateEnqueueEvents(events: readonly EnqueueEvent[]): EnqueueEvent[] {
  if (!Array.isArray(events)) invalid("enqueue expects an array of events");
  return events.map((event: EnqueueEvent, index) => {
    const at = `events[${index}]`;
    if (typeof event !== "object" || event === null) invalid(`${at} must be an object`);
    requireText(event.sourceName, `${at}.sourceName`);
    requireText(event.messageId, `${at}.messageId`);
    requireText(event.eventType, `${at}.eventType`);
    requireEpochMs(event.receivedAtMs, `${at}.receivedAtMs`);
    if (typeof event.body !== "string") invalid(`${at}.body must be a string`);
    if (!Array.isArray(event.destinations)) invalid(`${at}.destinations must be an array`);
    event.destinations.forEach((name, i) => {
      requireText(name, `${at}.destinations[${i}]`);
    });
    if (event.orderingKey !== undefined) requireText(event.orderingKey, `${at}.orderingKey`);
    return {
      sourceName: event.sourceName,
      messageId: event.messageId,
      eventType: event.eventType,
      receivedAtMs: event.receivedAtMs,
      body: event.body,
      destinations: [...new Set(event.destinations)],
      ...(event.orderingKey !== undefined ? { orderingKey: event.orderingKey } : {}),
      ...eventNameOf(event.eventName, `${at}.eventName`),
    };
  });
}

/** Longest event name kept (`EnqueueEvent.eventName`), in UTF-16 code units. */
export const MAX_EVENT_NAME = 200;

/**
 * An event name as stored: the first 200 characters (never cutting a surrogate pair in half), or
 * null for none (absent, null or empty).
 *
 * @example
 * storedEventName("Order Completed") // "Order Completed"
 * storedEventName("") // null
 */
export function storedEventName(name: string | null | undefined): string | null {
  if (name === undefined || name === null || name === "") return null;
  if (typeof name !== "string") invalid("eventName must be a string or null");
  if (name.length <= MAX_EVENT_NAME) return name;
  const cut = /[\uD800-\uDBFF]/.test(name.charAt(MAX_EVENT_NAME - 1)) ? MAX_EVENT_NAME - 1 : MAX_EVENT_NAME;
  return name.slice(0, cut);
}

/** The stored form of an event name (see `storedEventName`): absent when there is none. */
function eventNameOf(name: unknown, at: string): { eventName?: string } {
  if (name === undefined || name === null) return {};
  if (typeof name !== "string") invalid(`${at} must be a string or null`);
  const stored = storedEventName(name);
  return stored === null ? {} : { eventName: stored };
}

/**
 * Check `claim`'s arguments: a destination name, a positive integer `limit` and `leaseMs`, an epoch `nowMs`.
 *
 * @example
 * validateClaim("customerio", { limit: 100, nowMs: Date.now(), leaseMs: 30_000 });
 */
export function validateClaim(destination: string, options: ClaimOptions): void {
  requireText(destination, "destination");
  if (typeof options !== "object" || options === null) invalid("claim expects an options object");
  requirePositiveInteger(options.limit, "limit");
  requireEpochMs(options.nowMs, "nowMs");
  requirePositiveInteger(options.leaseMs, "leaseMs");
}

/**
 * Check `settle`'s outcomes and clock.
 *
 * @example
 * validateOutcomes([{ deliveryId: 1, leaseToken, state: "delivered", attempts: 1, status: 200 }], Date.now());
 */
export function validateOutcomes(outcomes: readonly DeliveryOutcome[], nowMs: number): void {
  requireEpochMs(nowMs, "nowMs");
  if (!Array.isArray(outcomes)) invalid("settle expects an array of outcomes");
  outcomes.forEach((outcome: DeliveryOutcome, index) => {
    const at = `outcomes[${index}]`;
    if (typeof outcome !== "object" || outcome === null) invalid(`${at} must be an object`);
    requirePositiveInteger(outcome.deliveryId, `${at}.deliveryId`);
    requireText(outcome.leaseToken, `${at}.leaseToken`);
    switch (outcome.state) {
      case "released":
        if (outcome.nextAttemptAtMs !== undefined)
          requireEpochMs(outcome.nextAttemptAtMs, `${at}.nextAttemptAtMs`);
        return;
      case "retrying":
        requireEpochMs(outcome.nextAttemptAtMs, `${at}.nextAttemptAtMs`);
        requireString(outcome.reason, `${at}.reason`);
        break;
      case "failed":
      case "stopped":
        if (!DELIVERY_STAGES.has(outcome.stage)) invalid(`${at}.stage must be a delivery stage`);
        requireString(outcome.reason, `${at}.reason`);
        if (outcome.field !== undefined) requireString(outcome.field, `${at}.field`);
        break;
      case "delivered":
        break;
      default:
        invalid(`${at}.state must be delivered, failed, stopped, retrying or released`);
    }
    requireNonNegativeInteger(outcome.attempts, `${at}.attempts`);
    if (outcome.status !== undefined) requireNonNegativeInteger(outcome.status, `${at}.status`);
    if (outcome.attempt !== undefined) {
      if (typeof outcome.attempt !== "object" || outcome.attempt === null)
        invalid(`${at}.attempt must be an object`);
      requireNonNegativeInteger(outcome.attempt.latencyMs, `${at}.attempt.latencyMs`);
    }
  });
}

/** The default and the cap of `DeliveryLogFilter.limit`. */
export const LOG_LIMIT_DEFAULT = 100;
export const LOG_LIMIT_MAX = 1000;

/**
 * Check a log filter and resolve its limit (default 100, capped at 1000).
 *
 * @example
 * validateLogFilter({ state: "failed", limit: 5000 }); // 1000
 */
export function validateLogFilter(filter: DeliveryLogFilter): number {
  if (typeof filter !== "object" || filter === null) invalid("listDeliveries expects a filter object");
  if (filter.destination !== undefined) requireText(filter.destination, "filter.destination");
  if (filter.messageId !== undefined) requireText(filter.messageId, "filter.messageId");
  if (filter.sourceName !== undefined) requireText(filter.sourceName, "filter.sourceName");
  if (filter.eventName !== undefined) requireText(filter.eventName, "filter.eventName");
  if (filter.state !== undefined && !DELIVERY_STATES.has(filter.state)) {
    invalid("filter.state must be a delivery state");
  }
  if (filter.beforeId !== undefined) requirePositiveInteger(filter.beforeId, "filter.beforeId");
  if (filter.fromMs !== undefined) requireEpochMs(filter.fromMs, "filter.fromMs");
  if (filter.toMs !== undefined) requireEpochMs(filter.toMs, "filter.toMs");
  if (filter.limit === undefined) return LOG_LIMIT_DEFAULT;
  requirePositiveInteger(filter.limit, "filter.limit");
  return Math.min(filter.limit, LOG_LIMIT_MAX);
}

/**
 * Check a replay filter and its options.
 *
 * @example
 * validateReplay({ destination: "customerio" }, { nowMs: Date.now(), limit: 1000 });
 */
export function validateReplay(filter: ReplayFilter, options: { nowMs: number; limit: number }): void {
  if (typeof filter !== "object" || filter === null) invalid("replay expects a filter object");
  if (filter.destination !== undefined) requireText(filter.destination, "filter.destination");
  if (filter.messageId !== undefined) requireText(filter.messageId, "filter.messageId");
  if (filter.deliveryIds !== undefined) {
    if (!Array.isArray(filter.deliveryIds)) invalid("filter.deliveryIds must be an array");
    filter.deliveryIds.forEach((id, i) => {
      requirePositiveInteger(id, `filter.deliveryIds[${i}]`);
    });
  }
  if (filter.fromMs !== undefined) requireEpochMs(filter.fromMs, "filter.fromMs");
  if (filter.toMs !== undefined) requireEpochMs(filter.toMs, "filter.toMs");
  if (typeof options !== "object" || options === null) invalid("replay expects an options object");
  requireEpochMs(options.nowMs, "nowMs");
  requirePositiveInteger(options.limit, "limit");
}

/**
 * Check a destination state before it is stored.
 *
 * @example
 * validateDestinationState({ name: "customerio", status: "active", reason: null,
 *   credentialsFingerprint: null, updatedAtMs: Date.now() });
 */
export function validateDestinationState(state: DestinationState): void {
  if (typeof state !== "object" || state === null) invalid("destination state must be an object");
  requireText(state.name, "state.name");
  if (state.status !== "active" && state.status !== "unauthorized") {
    invalid("state.status must be active or unauthorized");
  }
  if (state.reason !== null) requireString(state.reason, "state.reason");
  if (state.credentialsFingerprint !== null)
    requireString(state.credentialsFingerprint, "state.credentialsFingerprint");
  requireEpochMs(state.updatedAtMs, "state.updatedAtMs");
}

/** Throw unless `value` is an integer epoch time in ms (0 or more). */
export function requireEpochMs(value: unknown, name: string): asserts value is number {
  requireNonNegativeInteger(value, name);
}

function requirePositiveInteger(value: unknown, name: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalid(`${name} must be a positive integer`);
}

function requireNonNegativeInteger(value: unknown, name: string): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    invalid(`${name} must be an integer of 0 or more`);
}

function requireText(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) invalid(`${name} must be a non-empty string`);
}

function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") invalid(`${name} must be a string`);
}

function invalid(message: string): never {
  throw new StoreError("ER_STORE_INVALID_INPUT", message);
}
