import { scanPayload } from "../privacy/scan-payload.js";
import { storedEventName } from "../store/validate-input.js";

/** Names whose PHI verdict is remembered; the cache is emptied when full (names are few in practice). */
const MAX_CACHED_NAMES = 1000;
/** Longer names are scanned every time rather than kept. */
const MAX_CACHED_NAME_CHARS = 500;
const verdicts = new Map<string, boolean>();

/**
 * The name an event shows in the delivery log, samples and seen paths: a track call's `event`, a
 * page or screen call's `name` (the first 200 characters), or null. A name in which any default PHI
 * detector finds something is null: names are shown to every role, a viewer included.
 *
 * @example
 * eventNameOf({ type: "track", event: "Order Completed" }) // "Order Completed"
 * eventNameOf({ type: "track", event: "Refill for 123-45-6789" }) // null
 * eventNameOf({ type: "identify" }) // null
 */
export function eventNameOf(event: { type?: unknown; event?: unknown; name?: unknown }): string | null {
  const raw =
    event.type === "track"
      ? event.event
      : event.type === "page" || event.type === "screen"
        ? event.name
        : null;
  if (typeof raw !== "string") return null;
  const name = storedEventName(raw);
  if (name === null) return null;
  let flagged = verdicts.get(raw);
  if (flagged === undefined) {
    // The whole name is scanned: the cut could split what a detector would find.
    flagged = scanPayload(raw).length > 0;
    if (raw.length <= MAX_CACHED_NAME_CHARS) {
      if (verdicts.size >= MAX_CACHED_NAMES) verdicts.clear();
      verdicts.set(raw, flagged);
    }
  }
  return flagged ? null : name;
}
