/** Query parameters kept by default: campaign tags, matched by prefix without regard to case. */
const KEPT_PARAMETER = /^utm_/i;

function decodedKey(pair: string): string {
  const raw = pair.split("=")[0] ?? "";
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

/**
 * A page URL reduced to what a destination may see: scheme, host (with port) and path, plus only the
 * `utm_*` query parameters (each exactly as sent, in order). Credentials (`user:pass@`), the fragment
 * and every other parameter are dropped — query strings are where emails, names and search terms
 * leak. `keepQuery: true` keeps the whole query (a mapping that asks for it). Null for anything that
 * is not an absolute http(s) URL. Uses the WHATWG `URL` global, so it runs in Node and browsers; the
 * host comes back lower-cased and the path percent-encoded, as URL parsing leaves them.
 *
 * @example
 * sanitizeUrl("https://u:p@Clinic.example/book?email=a%40b.c&utm_source=news#top")
 * // "https://clinic.example/book?utm_source=news"
 */
export function sanitizeUrl(url: string, options: { readonly keepQuery?: boolean } = {}): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "") return null;
  const pairs = parsed.search
    .slice(1)
    .split("&")
    .filter((pair) => pair !== "");
  const kept = options.keepQuery ? pairs : pairs.filter((pair) => KEPT_PARAMETER.test(decodedKey(pair)));
  const query = kept.length > 0 ? `?${kept.join("&")}` : "";
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
}
