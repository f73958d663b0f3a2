import type { Detector, DetectorContext, DetectorHit } from "../detector.js";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLocalChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 46 || // .
    code === 95 || // _
    code === 37 || // % (percent-encoded characters in URLs)
    code === 43 || // +
    code === 45 // -
  );
}

function isDomainChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 45
  );
}

/** The end of a domain of 2+ labels starting at `from` whose last label is a 2+ letter TLD, or -1. */
function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN);
  let end = from;
  let lastGoodEnd = -1;
  let labels = 0;
  while (end < limit) {
    const labelStart = end;
    while (end < limit && isDomainChar(text.charCodeAt(end))) end++;
    const label = text.slice(labelStart, end);
    if (label === "" || label.length > 63 || label.startsWith("-") || label.endsWith("-")) break;
    labels++;
    if (labels >= 2 && (/^[A-Za-z]{2,63}$/.test(label) || /^xn--[A-Za-z0-9-]+$/i.test(label))) {
      lastGoodEnd = end;
    }
    if (text.charCodeAt(end) !== 46 || !isDomainChar(text.charCodeAt(end + 1))) break;
    end++;
  }
  return lastGoodEnd;
}

/**
 * Email addresses: a local part (letters, digits, `._%+-`, at most 64) then `@` — or `%40`, as in
 * `?email=jane%40example.com` — then a domain of at least two labels ending in a 2+ letter TLD.
 * Not reported in a field whose name is `email` (any case): that field is an email by design, and the
 * policy decides whether it may leave (`detectors: { email: allow }`). Emails in object keys are
 * always reported. Scans from each `@`, at most 64 characters back and 253 forward, so it is linear.
 *
 * @example
 * emailDetector.scan("write to ada@example.com", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 9, end: 24 }]
 */
export const emailDetector: Detector = {
  id: "email",
  description: "Email addresses, outside fields named `email`",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    if (ctx.part === "value" && ctx.key !== null && ctx.key.toLowerCase() === "email") return [];
    const hits: DetectorHit[] = [];
    let searchFrom = 0;
    // The next `@` and `%40` at or after searchFrom; each is searched again only once passed, so the
    // whole scan reads the text a bounded number of times.
    let at = -2;
    let encoded = -2;
    while (searchFrom < text.length) {
      if (at !== -1 && at < searchFrom) at = text.indexOf("@", searchFrom);
      if (encoded !== -1 && encoded < searchFrom) encoded = text.indexOf("%40", searchFrom);
      let atStart: number;
      let atLength: number;
      if (at === -1 && encoded === -1) break;
      if (encoded !== -1 && (at === -1 || encoded < at)) {
        atStart = encoded;
        atLength = 3;
      } else {
        atStart = at;
        atLength = 1;
      }
      searchFrom = atStart + atLength;
      let start = atStart;
      while (start > 0 && atStart - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
      while (start < atStart && text.charCodeAt(start) === 46) start++;
      if (start === atStart || text.charCodeAt(atStart - 1) === 46) continue;
      const end = domainEnd(text, atStart + atLength);
      if (end === -1) continue;
      const last = hits[hits.length - 1];
      if (last !== undefined && start < last.end) continue;
      hits.push({ start, end });
      searchFrom = end;
    }
    return hits;
  },
};
