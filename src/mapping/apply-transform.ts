import { normalizeE164 } from "./e164.js";
import type { Transform } from "./expression.js";
import { truncateIp } from "./ip-truncate.js";
import { sha256Hex } from "./sha256-hex.js";
import { truncateUtf8 } from "./truncate-utf8.js";
import { toUnixSeconds } from "./unix-time.js";
import { urlDomain, urlPath, urlStripQuery } from "./url-parts.js";
import { isPlainObject, safeJsonStringify, setOwn, valueKind } from "./value-kind.js";

/**
 * The outcome of one transform: a value (with an optional note for the trace), or missing with the
 * note that says why. Notes name transforms and kinds of values, never the values themselves.
 */
export type TransformOutcome = { ok: true; value: unknown; note?: string } | { ok: false; note: string };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Run one transform on a present value. Never throws: a value of a kind the transform does not take
 * gives `{ ok: false, note: "lowercase expects text, got number" }`. A result that is NaN, ±Infinity
 * or `""` is also missing.
 *
 * @example
 * applyTransform({ name: "lowercase" }, "Ada", {}) // { ok: true, value: "ada" }
 * applyTransform({ name: "lowercase" }, 42, {}) // { ok: false, note: "lowercase expects text, got number" }
 */
export function applyTransform(
  transform: Transform,
  value: unknown,
  ctx: { salt?: string },
): TransformOutcome {
  const outcome = run(transform, value, ctx);
  if (!outcome.ok) return outcome;
  const result = outcome.value;
  if (result === undefined || result === "" || (typeof result === "number" && !Number.isFinite(result))) {
    return {
      ok: false,
      note: `${transform.name} produced ${result === "" ? "empty text" : "no usable value"}`,
    };
  }
  return outcome;
}

function run(transform: Transform, value: unknown, ctx: { salt?: string }): TransformOutcome {
  const name = transform.name;
  const expects = (what: string): TransformOutcome => ({
    ok: false,
    note: `${name} expects ${what}, got ${valueKind(value)}`,
  });
  const text = typeof value === "string" ? value : undefined;
  switch (transform.name) {
    case "trim":
      return text === undefined ? expects("text") : { ok: true, value: text.trim() };
    case "lowercase":
      return text === undefined ? expects("text") : { ok: true, value: text.toLowerCase() };
    case "uppercase":
      return text === undefined ? expects("text") : { ok: true, value: text.toUpperCase() };
    case "to_string":
      if (text !== undefined) return { ok: true, value: text };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      return {
        ok: false,
        note: `to_string expects text, a number or a boolean, got ${valueKind(value)}${
          isPlainObject(value) || Array.isArray(value) ? "; use json_encode for objects and lists" : ""
        }`,
      };
    case "to_number":
      if (typeof value === "number") return { ok: true, value };
      if (text === undefined) return expects("text or a number");
      return DECIMAL.test(text.trim())
        ? { ok: true, value: Number(text.trim()) }
        : { ok: false, note: "to_number could not read the text as a decimal number" };
    case "sha256": {
      const input = text ?? (typeof value === "number" ? String(value) : undefined);
      if (input === undefined) return expects("text or a number");
      return hashed(sha256Hex(input, ctx.salt), ctx.salt);
    }
    case "hash_email": {
      if (text === undefined) return expects("text");
      const email = text.trim().toLowerCase();
      if (email === "") return { ok: false, note: "hash_email got only spaces" };
      return hashed(sha256Hex(email, ctx.salt), ctx.salt);
    }
    case "hash_phone":
    case "e164": {
      if (text === undefined && typeof value !== "number") return expects("text or a number");
      const phone = normalizeE164(text ?? (value as number), transform.defaultCountryCode);
      if (phone === null)
        return { ok: false, note: `${name} could not normalise the value to an E.164 phone number` };
      return transform.name === "e164"
        ? { ok: true, value: phone }
        : hashed(sha256Hex(phone, ctx.salt), ctx.salt);
    }
    case "redact":
      return { ok: true, value: "[redacted]" };
    case "null":
      return { ok: true, value: null };
    case "truncate":
      return text === undefined ? expects("text") : { ok: true, value: truncateUtf8(text, transform.bytes) };
    case "unix_seconds": {
      if (text === undefined && typeof value !== "number") return expects("text or a number");
      const seconds = toUnixSeconds(value);
      return seconds === null
        ? { ok: false, note: "unix_seconds could not read an ISO 8601 date or a Unix timestamp" }
        : { ok: true, value: seconds };
    }
    case "url_domain":
    case "url_path":
    case "url_strip_query": {
      if (text === undefined) return expects("text");
      const fn =
        transform.name === "url_domain" ? urlDomain : transform.name === "url_path" ? urlPath : urlStripQuery;
      const part = fn(text);
      return part === null
        ? { ok: false, note: `${name} could not read the text as a URL` }
        : { ok: true, value: part };
    }
    case "ip_truncate": {
      if (text === undefined) return expects("text");
      const ip = truncateIp(text);
      return ip === null
        ? { ok: false, note: "ip_truncate could not read the text as an IPv4 or IPv6 address" }
        : { ok: true, value: ip };
    }
    case "pick":
    case "omit": {
      if (!isPlainObject(value)) return expects("an object");
      const keys = new Set(transform.keys);
      const picked: Record<string, unknown> = {};
      let count = 0;
      for (const key of Object.keys(value)) {
        if (keys.has(key) === (transform.name === "pick")) {
          setOwn(picked, key, value[key]);
          count += 1;
        }
      }
      return count === 0 ? { ok: false, note: `${name} left no keys` } : { ok: true, value: picked };
    }
    case "json_encode": {
      const encoded = safeJsonStringify(value);
      return encoded === undefined
        ? { ok: false, note: "json_encode could not encode the value (not JSON, or nested too deeply)" }
        : { ok: true, value: encoded };
    }
    case "json_decode": {
      if (text === undefined) return expects("text");
      try {
        const decoded: unknown = JSON.parse(text);
        if (decoded === null)
          return { ok: false, note: "json_decode produced null, which counts as missing" };
        return { ok: true, value: decoded };
      } catch {
        // The parser's message quotes the input; never pass it on.
        return { ok: false, note: "json_decode could not parse the text as JSON" };
      }
    }
  }
}

function hashed(hex: string, salt: string | undefined): TransformOutcome {
  return salt === undefined || salt === ""
    ? { ok: true, value: hex, note: "no salt configured" }
    : { ok: true, value: hex };
}
