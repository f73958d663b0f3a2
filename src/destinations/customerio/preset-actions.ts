import type { CustomerioDestinationConfig } from "../../contracts/config.js";
import { eventTimeMs, parseIsoMs, type StoredEvent } from "../../contracts/event.js";
import type { DeliveryStage } from "../../store/port.js";
import { checkLimits } from "./limits.js";
import type { Attributes, CustomerioOp, PersonIdentifiers } from "./ops.js";

/**
 * The two preset actions from the product note, used when a destination lists no `actions:`:
 * - **Identify**: every `identify` call → a person `identify`, with allowed traits as attributes;
 * - **Event**: `track` calls whose name is in `allow.events` → a person `event` whose dedupe `id`
 *   is the messageId.
 * Pure: no I/O, no clock (timestamps come from the event), so the preview and the server agree.
 */

export type MapResult =
  | { kind: "op"; action: PresetActionName; op: CustomerioOp }
  | { kind: "stop"; stage: DeliveryStage; reason: string; field?: string };

export type PresetActionName = "Identify" | "Event";

export const NO_IDENTIFIER_REASON = "no id, email or cio_id";

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Preset identifier resolution, in order: a `userId` starting `cio_` → `cio_id` (prefix removed);
 * any other `userId` → `id`; else `traits.email` or `context.traits.email` → `email`.
 *
 * @example
 * resolveIdentifiers({ userId: "cio_a1" }) // { cio_id: "a1" }
 * resolveIdentifiers({ traits: { email: "a@b.co" } }) // { email: "a@b.co" }
 */
export function resolveIdentifiers(
  event: Pick<StoredEvent, "userId" | "traits" | "context">,
): PersonIdentifiers | null {
  const userId = event.userId?.trim();
  if (userId) {
    if (userId.startsWith("cio_")) {
      const cioId = userId.slice(4);
      return cioId === "" ? null : { cio_id: cioId };
    }
    return { id: userId };
  }
  const email = stringAt(event.traits, "email") ?? stringAt(objectAt(event.context, "traits"), "email");
  return email ? { email } : null;
}

/** Integer Unix seconds of an ISO date; zone-less dates are taken as UTC. */
export function toUnixSeconds(iso: string): number | null {
  if (!ISO_DATE_TIME.test(iso)) return null;
  const ms = parseIsoMs(iso);
  return ms === null ? null : Math.floor(ms / 1000);
}

/** Map one stored event for one destination with the preset actions. */
export function mapWithPresets(event: StoredEvent, destination: CustomerioDestinationConfig): MapResult {
  const result = buildPresetOp(event, destination);
  if (result.kind !== "op") return result;
  const violation = checkLimits(result.op);
  return violation
    ? { kind: "stop", stage: "limits", reason: violation.reason, field: violation.field }
    : result;
}

function buildPresetOp(event: StoredEvent, destination: CustomerioDestinationConfig): MapResult {
  const { allow } = destination;
  if (event.type === "identify") {
    const identifiers = resolveIdentifiers(event);
    if (!identifiers) return { kind: "stop", stage: "mapping", reason: NO_IDENTIFIER_REASON };
    const attributes = pickAllowed(event.traits, allow.traits);
    if (event.anonymousId) attributes["anonymous_id"] = event.anonymousId;
    return {
      kind: "op",
      action: "Identify",
      op: {
        type: "person",
        action: "identify",
        identifiers,
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
        timestamp: eventSeconds(event),
      },
    };
  }
  if (event.type === "track") {
    const name = event.event ?? "";
    if (!allow.events.includes("*") && !allow.events.includes(name)) {
      return { kind: "stop", stage: "allowlist", reason: "event name not allowed", field: "event" };
    }
    const identifiers = resolveIdentifiers(event);
    if (!identifiers) return { kind: "stop", stage: "mapping", reason: NO_IDENTIFIER_REASON };
    const attributes = pickAllowed(event.properties, allow.properties);
    return {
      kind: "op",
      action: "Event",
      op: {
        type: "person",
        action: "event",
        identifiers,
        name,
        id: event.messageId,
        timestamp: eventSeconds(event),
        ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      },
    };
  }
  return { kind: "stop", stage: "mapping", reason: `no action for ${event.type} calls` };
}

/** Copy only listed keys; ISO dates become Unix seconds; missing values are dropped, 0/false kept. */
function pickAllowed(source: Record<string, unknown> | undefined, allowed: readonly string[]): Attributes {
  const out: Attributes = {};
  if (!source) return out;
  for (const key of allowed) {
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    if (value === undefined || (typeof value === "number" && !Number.isFinite(value))) continue;
    if (typeof value === "string") {
      const seconds = ISO_DATE_TIME.test(value) ? toUnixSeconds(value) : null;
      out[key] = seconds ?? value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

function eventSeconds(event: StoredEvent): number {
  return Math.floor(eventTimeMs(event) / 1000);
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const inner = (value as Record<string, unknown>)[key];
  return inner !== null && typeof inner === "object" && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined;
}

function stringAt(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const inner = value?.[key];
  return typeof inner === "string" && inner.trim() !== "" ? inner.trim() : undefined;
}
