/**
 * Small HTTP helpers for the simulator: Basic auth, bounded body reading, JSON responses.
 */
import { isUtf8 } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

const BASIC = /^basic +([A-Za-z0-9+/_-]+={0,2}) *$/i;

/**
 * Checks `Authorization: Basic base64(site_id:api_key)`. Both base64 alphabets are accepted: Node
 * encodes with the standard one, Go with the URL-safe one (track-api.md §1).
 *
 * @example
 * checkBasicAuth(`Basic ${Buffer.from("site:key").toString("base64")}`, "site", "key"); // true
 */
export function checkBasicAuth(header: string | undefined, siteId: string, apiKey: string): boolean {
  const match = header === undefined ? null : BASIC.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1].replace(/-/g, "+").replace(/_/g, "/"), "base64");
  const expected = Buffer.from(`${siteId}:${apiKey}`, "utf8");
  return decoded.length === expected.length && timingSafeEqual(decoded, expected);
}

export interface ReadBody {
  /** The body, or null when it was larger than the limit (it was drained, not kept). */
  body: Buffer | null;
  /** Bytes received in total. */
  bytes: number;
  /** The client went away before the body ended: there is no one to answer. */
  aborted: boolean;
}

/** Beyond this the simulator stops draining an over-size body and closes the connection. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Reads a request body, keeping at most `maxBytes`. A longer body is drained (so the client can read
 * the 400 on a kept-alive connection) and reported with `body: null`.
 *
 * @example
 * const { body, bytes } = await readBody(req, 500_000);
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const finish = (aborted: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ body: bytes <= maxBytes ? Buffer.concat(chunks, bytes) : null, bytes, aborted });
    };
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
      if (bytes > DRAIN_LIMIT_BYTES) {
        req.socket.destroy();
        finish(true);
      }
    });
    req.on("end", () => finish(false));
    req.on("error", () => finish(true));
    req.on("close", () => finish(!req.complete));
  });
}

/**
 * Decodes a body as strict UTF-8 and parses it as JSON.
 *
 * @example
 * parseJsonBody(Buffer.from('{"a":1}')); // { ok: true, value: { a: 1 } }
 */
export function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  if (!isUtf8(body)) return { ok: false, message: "request body is not valid UTF-8" };
  const text = body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "request body is not valid JSON" };
  }
  if (nestingExceeds(value, MAX_JSON_DEPTH)) {
    return { ok: false, message: `request body is nested more than ${MAX_JSON_DEPTH} levels deep` };
  }
  return { ok: true, value };
}

/**
 * Deeper bodies are refused before any handler sees them: measuring or validating them would
 * overflow the stack (JSON.stringify and Ajv recurse), and no Track payload nests this far.
 */
export const MAX_JSON_DEPTH = 64;

/** Iteratively checks whether any array/object in `value` sits deeper than `maxDepth`. */
function nestingExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Writes a JSON response with an explicit length (keep-alive friendly). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** True for `application/json`, with or without parameters such as `charset`. */
export function isJsonContentType(header: string | undefined): boolean {
  return header !== undefined && /^application\/json\s*(;|$)/i.test(header.trim());
}
