/**
 * URL transforms. They use the WHATWG `URL` global (Node and browsers agree on it). Absolute URLs
 * need a host; `url_path` and `url_strip_query` also accept a root-relative path (`/a?b`, as
 * Segment's `context.page.path` / `properties.path`), for which they keep no scheme or host.
 */

function parse(text: string): { url: URL; relative: boolean } | null {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith("/") && !trimmed.startsWith("//")) {
      return { url: new URL(trimmed, "http://relative.invalid"), relative: true };
    }
    const url = new URL(trimmed);
    return url.hostname === "" ? null : { url, relative: false };
  } catch {
    return null;
  }
}

/**
 * The host name only (no scheme, port, credentials, path or query), lower-cased by URL parsing.
 *
 * @example
 * urlDomain("https://Shop.Example.com:8443/cart?id=1") // "shop.example.com"
 */
export function urlDomain(text: string): string | null {
  const parsed = parse(text);
  return parsed === null || parsed.relative ? null : parsed.url.hostname;
}

/**
 * The path only (`/` for a bare host), percent-encoded as URL parsing leaves it.
 *
 * @example
 * urlPath("https://example.com/cart/items?id=1#top") // "/cart/items"
 */
export function urlPath(text: string): string | null {
  const parsed = parse(text);
  return parsed === null ? null : parsed.url.pathname;
}

/**
 * Scheme, host (with port) and path, keeping only `utm_*` query parameters (prefix matched without
 * regard to case, each kept exactly as sent, in order); credentials and the fragment are dropped.
 *
 * @example
 * urlStripQuery("https://u:p@example.com/p?email=a%40b.c&utm_source=news#x") // "https://example.com/p?utm_source=news"
 */
export function urlStripQuery(text: string): string | null {
  const parsed = parse(text);
  if (parsed === null) return null;
  const { url, relative } = parsed;
  const utm = url.search
    .slice(1)
    .split("&")
    .filter((pair) => {
      const rawKey = pair.split("=")[0] ?? "";
      let key: string;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      } catch {
        key = rawKey;
      }
      return key.toLowerCase().startsWith("utm_");
    });
  const query = utm.length > 0 ? `?${utm.join("&")}` : "";
  return relative ? `${url.pathname}${query}` : `${url.protocol}//${url.host}${url.pathname}${query}`;
}
