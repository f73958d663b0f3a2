import type { RequestContextMode } from "../contracts/privacy.js";

/** The request-level fields a source's `requestContext: drop` keeps out of storage. */
export const REQUEST_CONTEXT_FIELDS: readonly string[] = ["ip", "userAgent", "userAgentData"];

/**
 * A copy of the event without `context.ip`, `context.userAgent` and `context.userAgentData` (the
 * browser's client hints: brand, platform, model) when the source's `requestContext` is `drop` (the
 * default); with `keep`, a copy unchanged. The input is never modified; other context is kept.
 *
 * @example
 * stripRequestContext({ type: "track", context: { ip: "203.0.113.9", locale: "en-US" } }, "drop")
 * // { type: "track", context: { locale: "en-US" } }
 */
export function stripRequestContext<T extends object>(event: T, mode: RequestContextMode): T {
  const context: unknown = (event as { readonly context?: unknown }).context;
  if (mode === "keep" || context === null || typeof context !== "object" || Array.isArray(context)) {
    return { ...event };
  }
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!REQUEST_CONTEXT_FIELDS.includes(key)) kept[key] = value;
  }
  return { ...event, context: kept };
}
