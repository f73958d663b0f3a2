/**
 * Helpers for the simulator's own tests: Basic auth headers, a small HTTP client over undici, and
 * item builders. Not used by production code.
 */
import { type Dispatcher, request } from "undici";
import type { Simulator } from "./simulator.js";

export const SITE_ID = "site-1";
export const API_KEY = "key-1";

/**
 * `Basic base64(site:key)` in the standard or URL-safe alphabet.
 *
 * @example
 * basicAuth("s", "k"); // "Basic czpr"
 */
export function basicAuth(
  siteId = SITE_ID,
  apiKey = API_KEY,
  alphabet: "standard" | "url" = "standard",
): string {
  const encoded = Buffer.from(`${siteId}:${apiKey}`).toString(alphabet === "url" ? "base64url" : "base64");
  return `Basic ${encoded}`;
}

export interface SendOptions {
  /** Authorization header; default valid credentials, null for none. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** Abort the request after this many ms. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface SendResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or the text when it is not JSON. */
  json: unknown;
}

/**
 * Sends one request to the simulator. A non-string, non-Buffer body is sent as JSON.
 *
 * @example
 * const { status, json } = await send(sim, "POST", "/api/v2/batch", { batch: [...] });
 */
export async function send(
  sim: Simulator,
  method: Dispatcher.HttpMethod,
  path: string,
  body?: unknown,
  options: SendOptions = {},
): Promise<SendResult> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? basicAuth() : options.auth;
  if (auth !== null) headers["authorization"] = auth;
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    headers["content-type"] ??= "application/json";
  }
  const response = await request(`${sim.url}${path}`, {
    method,
    headers,
    body: payload ?? null,
    ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const text = await response.body.text();
  let json: unknown = text;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.statusCode, headers: response.headers, json };
}

/** A valid person event item, with overrides. */
export function eventItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "person",
    identifiers: { id: "42" },
    action: "event",
    id: "01HZX0000000000000000000AA",
    name: "Signed Up",
    timestamp: 1_700_000_000,
    attributes: { plan: "pro" },
    ...overrides,
  };
}

/** A valid person identify item, with overrides. */
export function identifyItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "person",
    identifiers: { id: "42" },
    action: "identify",
    attributes: { email: "jane@example.com", plan: "pro" },
    ...overrides,
  };
}

/** Bytes of a value's compact JSON. */
export function jsonSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Builders for v2 items of each type. */
export const person = (action: string, rest: Record<string, unknown> = {}) => ({
  type: "person",
  identifiers: { id: "42" },
  action,
  ...rest,
});
export const object = (action: string, rest: Record<string, unknown> = {}) => ({
  type: "object",
  identifiers: { object_type_id: "1", object_id: "acme" },
  action,
  ...rest,
});
export const delivery = (rest: Record<string, unknown> = {}) => ({
  type: "delivery",
  identifiers: { id: "dlv1" },
  action: "event",
  name: "opened",
  attributes: { device_token: "tok" },
  ...rest,
});
export const link = {
  identifiers: { object_type_id: "1", object_id: "acme" },
  relationship_attributes: { role: "admin" },
};

/** One valid v2 item for every documented type and action, labelled. */
export const VALID_V2_ITEMS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["person identify", identifyItem({ timestamp: 1_700_000_000, cio_relationships: [link] })],
  ["person identify with _update", identifyItem({ attributes: { _update: true, plan: "x" } })],
  ["person identify by email", identifyItem({ identifiers: { email: "a@b.io" } })],
  ["person identify by cio_id", identifyItem({ identifiers: { cio_id: "a3000001" } })],
  ["person event", eventItem()],
  ["person page", person("page", { name: "/home", attributes: { path: "/home" } })],
  ["person screen", person("screen", { name: "Home" })],
  ["person delete", person("delete")],
  ["person suppress", person("suppress")],
  ["person unsuppress", person("unsuppress")],
  ["person add_relationships", person("add_relationships", { cio_relationships: [link] })],
  [
    "person delete_relationships",
    person("delete_relationships", { cio_relationships: [{ identifiers: { cio_object_id: "o1" } }] }),
  ],
  [
    "person add_device",
    person("add_device", {
      device: { token: "t", platform: "ios", last_used: 1, attributes: { push_enabled: "true" } },
    }),
  ],
  ["person delete_device", person("delete_device", { device: { token: "t" } })],
  ["person merge", { type: "person", action: "merge", primary: { id: "1" }, secondary: { email: "a@b.io" } }],
  [
    "object identify",
    object("identify", { attributes: { name: "Acme" }, cio_relationships: [{ identifiers: { id: "42" } }] }),
  ],
  ["object identify by cio_object_id", { ...object("identify"), identifiers: { cio_object_id: "o1" } }],
  [
    "object identify_anonymous",
    object("identify_anonymous", { cio_relationships: [{ identifiers: { anonymous_id: "anon" } }] }),
  ],
  ["object delete", object("delete")],
  [
    "object add_relationships",
    object("add_relationships", { cio_relationships: [{ identifiers: { email: "a@b.io" } }] }),
  ],
  [
    "object delete_relationships",
    object("delete_relationships", { cio_relationships: [{ identifiers: { cio_id: "abc" } }] }),
  ],
  ["delivery event", delivery()],
];
