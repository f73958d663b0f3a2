/**
 * Event paths that never leave Sluice unless a destination's mapping names them explicitly: request
 * metadata that identifies a person or a device, and page context that reveals what they looked at
 * (a condition page URL next to an IP address is PHI). The mapping glue must not copy these through
 * wholesale (`context.*`), and the canary test plants a unique value in each one.
 */
export const CONTEXT_PATHS_NEVER_SENT: readonly string[] = [
  "context.ip",
  "context.userAgent",
  "context.userAgentData",
  "context.page.url",
  "context.page.referrer",
  "context.page.search",
  "context.page.path",
  "context.page.title",
  "context.referrer",
  "context.campaign",
  "context.device.id",
  "context.device.advertisingId",
  "context.device.token",
  "context.location",
  "context.network",
  "context.traits",
  "context.externalIds",
];

/**
 * Event paths that hold a full URL: when a mapping does name one, its value goes through
 * `sanitizeUrl` (scheme, host, path and `utm_*` only) unless the mapping asks for the whole query.
 * Segment's `page` calls repeat the page URL and referrer in `properties`.
 */
export const URL_PATHS: readonly string[] = [
  "context.page.url",
  "context.page.referrer",
  "properties.url",
  "properties.referrer",
];
