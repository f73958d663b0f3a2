/**
 * Default mappings and preset triggers the actions share, as plain data in the mapping syntax (the
 * mapping engine resolves them; nothing here runs them).
 */

/**
 * When the event happened: the client's `timestamp`, else `originalTimestamp`, else when Sluice received
 * it. (The preset actions also correct `originalTimestamp` for client clock skew using `sentAt`; a
 * mapping cannot express that, see the report on `eventTimeMs`.)
 */
export const EVENT_TIME_MAPPING = { coalesce: ["$.timestamp", "$.originalTimestamp", "$.receivedAt"] };

/** The event's `messageId`: a stable dedupe id, so a retried event is not counted twice. */
export const MESSAGE_ID_MAPPING = "$.messageId";

/**
 * A trigger on the Segment call type.
 *
 * @example
 * typeTrigger("identify"); // { path: "$.type", equals: "identify" }
 */
export function typeTrigger(type: string): { path: string; equals: string } {
  return { path: "$.type", equals: type };
}

/**
 * A trigger on `track` calls with one of these event names.
 *
 * @example
 * trackEventTrigger(["User Deleted"]);
 * // { all: [{ path: "$.type", equals: "track" }, { path: "$.event", in: ["User Deleted"] }] }
 */
export function trackEventTrigger(names: readonly string[]): unknown {
  return { all: [typeTrigger("track"), { path: "$.event", in: [...names] }] };
}

/** `$.userId` is set: the call is from an identified user. */
export const HAS_USER_ID = { path: "$.userId", exists: true };

/**
 * `{ if: condition, then: mapping }`: the mapping when the condition holds, else absent.
 *
 * @example
 * ifMapping({ path: "$.userId", starts_with: "cio_" }, "$.userId");
 */
export function ifMapping(condition: unknown, mapping: unknown): { if: unknown; then: unknown } {
  // biome-ignore lint/suspicious/noThenProperty: the mapping syntax names this branch `then`; it is data, never awaited.
  return { if: condition, then: mapping };
}
