import { createHash } from "node:crypto";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import { actionByType } from "../destinations/customerio/actions/index.js";
import { buildBatchRequest, serializeItem } from "../destinations/customerio/request-builder.js";
import type { HttpService } from "../destinations/customerio/service.js";
import type { ForgetOptions } from "../store/port.js";
import { decideRetry } from "./retry.js";

/**
 * Erasure of one person (`sluice forget`, and the admin API): who they are to the store (the ordering
 * key ingest gave their events, and how to recognise their stored bodies), to the audit log (a hash,
 * never the identifier), and to Customer.io (a `delete` or `suppress` operation built by the action
 * catalogue and sent as a Track API v2 batch of one).
 */

/** The person to forget: their Segment `userId`, or an email address. */
export type PersonIdentifier = { userId: string } | { email: string };

export type ErasureMode = "delete" | "suppress";

/**
 * The ordering key ingest stores for an event whose `userId` is `userId` (`orderingKeyOf` in
 * `src/ingest/ingest-app.ts`: base64url(sha256("u:" + userId)) cut to 22 characters).
 *
 * @example
 * userOrderingKey("u-42") // 22 base64url characters
 */
export function userOrderingKey(userId: string): string {
  return createHash("sha256").update(`u:${userId}`).digest("base64url").slice(0, 22);
}

/**
 * The audit log's name for a person: `person:` and the hex SHA-256 of `u:<userId>` or
 * `e:<lower-cased email>`. It lets an operator who knows the identifier find the request in the log;
 * the log itself never holds the identifier.
 *
 * @example
 * personAuditTarget({ email: "Ada@Example.com" }) === personAuditTarget({ email: "ada@example.com" }) // true
 */
export function personAuditTarget(person: PersonIdentifier): string {
  const text = "userId" in person ? `u:${person.userId}` : `e:${person.email.trim().toLowerCase()}`;
  return `person:${createHash("sha256").update(text).digest("hex")}`;
}

/** Body fields that say who an event is about. */
const IDENTITY_PATHS: readonly (readonly string[])[] = [
  ["userId"],
  ["traits", "email"],
  ["context", "traits", "email"],
  ["properties", "email"],
];

/**
 * How `forgetPerson` recognises the person in a stored body, given its JSON text (decrypted by the
 * caller when encryption at rest is on). For an email: `person` when an identity field (`userId`,
 * `traits.email`, `context.traits.email`, `properties.email`) is that address (case and surrounding
 * space ignored), `event` when another string value contains it. For a user id the ordering key
 * already finds every event that names it; bodies are not read. A body that is not JSON matches nothing.
 *
 * @example
 * bodyMatcher({ email: "ada@example.com" })?.('{"traits":{"email":"ADA@example.com"}}') // "person"
 */
export function bodyMatcher(person: PersonIdentifier): ((json: string) => "person" | "event" | null) | null {
  if ("userId" in person) return null;
  const email = person.email.trim().toLowerCase();
  return (json) => {
    if (!json.toLowerCase().includes(email)) return null;
    let body: unknown;
    try {
      body = JSON.parse(json);
    } catch {
      return null;
    }
    for (const path of IDENTITY_PATHS) {
      let value: unknown = body;
      for (const key of path) value = isObject(value) ? value[key] : undefined;
      if (typeof value === "string" && value.trim().toLowerCase() === email) return "person";
    }
    return mentions(body, email) ? "event" : null;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mentions(value: unknown, email: string): boolean {
  if (typeof value === "string") return value.toLowerCase().includes(email);
  if (Array.isArray(value)) return value.some((item) => mentions(item, email));
  if (isObject(value)) return Object.values(value).some((item) => mentions(item, email));
  return false;
}

/**
 * The store-side part of an erasure: the ordering key to remove and, for an email, the body matcher
 * (wrapped by `readBody` when bodies must be decrypted first; a body it cannot read is counted in
 * `unreadable` and matches nothing).
 *
 * @example
 * const local = localErasure({ userId: "u-42" });
 * await store.forgetPerson(local.orderingKey, { nowMs: Date.now(), ...local.options });
 */
export function localErasure(
  person: PersonIdentifier,
  readBody: (stored: string, event: { sourceName: string; messageId: string }) => string = (stored) => stored,
): { orderingKey: string; options: Pick<ForgetOptions, "matchBody">; unreadable: () => number } {
  const orderingKey = userOrderingKey("userId" in person ? person.userId : person.email.trim());
  const match = bodyMatcher(person);
  let unreadable = 0;
  if (match === null) return { orderingKey, options: {}, unreadable: () => unreadable };
  return {
    orderingKey,
    options: {
      matchBody: (stored, event) => {
        let json: string;
        try {
          json = readBody(stored, event);
        } catch {
          unreadable += 1;
          return null;
        }
        return match(json);
      },
    },
    unreadable: () => unreadable,
  };
}

/** What one Customer.io destination answered to an erasure request. */
export interface ErasureAnswer {
  destination: string;
  /**
   * `accepted` (200), `rejected` (Customer.io refused the operation: 207/400), `unauthorized`
   * (401/403: check siteId/apiKey), `failed` (no answer or 429/5xx after every attempt), `not_sent`
   * (the operation could not be built, e.g. an email of the wrong shape).
   */
  result: "accepted" | "rejected" | "unauthorized" | "failed" | "not_sent";
  /** The last HTTP status, or null without one. */
  status: number | null;
  attempts: number;
  /** Customer.io's reason or Sluice's, in words; never the identifier. */
  reason: string | null;
}

export interface ErasureRequestOptions {
  /** Attempts per destination on 429, 5xx or a network error. Default 3. */
  maxAttempts?: number;
  /** Waits between attempts (tests pass a fake). Default `setTimeout`. */
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

/**
 * Ask every destination's Customer.io workspace to delete (or suppress) the person: one operation
 * built by the action catalogue (`delete_person` / `suppress`), sent as a Track API v2 batch of one.
 * A `userId` starting `cio_` is sent as `cio_id`, as the preset actions send it; any other as `id`.
 * Destinations are asked one after the other; transient failures are retried with backoff.
 *
 * @example
 * const answers = await requestErasure(config.destinations, { userId: "u-42" }, "delete", new HttpService());
 * // [{ destination: "cio", result: "accepted", status: 200, attempts: 1, reason: null }]
 */
export async function requestErasure(
  destinations: readonly CustomerioDestinationConfig[],
  person: PersonIdentifier,
  mode: ErasureMode,
  service: Pick<HttpService, "send">,
  options: ErasureRequestOptions = {},
): Promise<ErasureAnswer[]> {
  const action = actionByType(mode === "delete" ? "delete_person" : "suppress");
  if (action === undefined) throw new Error(`the Customer.io catalogue has no ${mode} action`);
  const fields =
    "email" in person
      ? { email: person.email.trim() }
      : person.userId.startsWith("cio_")
        ? { cio_id: person.userId }
        : { id: person.userId };
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const clock = options.clock ?? Date.now;
  const answers: ErasureAnswer[] = [];
  for (const destination of destinations) {
    const answer = (
      result: ErasureAnswer["result"],
      status: number | null,
      attempts: number,
      reason: string | null,
    ) => answers.push({ destination: destination.name, result, status, attempts, reason });
    const built = action.build(fields);
    if (built.kind !== "op") {
      answer("not_sent", null, 0, built.kind === "stop" ? built.reason : "not a batch operation");
      continue;
    }
    const item = serializeItem(null, built.op);
    if (item === null) {
      answer("not_sent", null, 0, "the operation is over Customer.io's per-item size limit");
      continue;
    }
    const request = buildBatchRequest(destination.settings, [item], { revealKey: true });
    for (let attempt = 1; ; attempt++) {
      const response = await service.send(request);
      const status = "status" in response ? response.status : null;
      const decision = decideRetry(response, clock());
      if (decision.kind === "successful") {
        answer("accepted", status, attempt, null);
        break;
      }
      if (decision.kind === "partial") {
        const [first] = decision.failed;
        answer("rejected", status, attempt, first ? itemReason(first) : "rejected");
        break;
      }
      if (decision.kind === "split" || decision.kind === "unauthorized") {
        answer(decision.kind === "split" ? "rejected" : "unauthorized", status, attempt, decision.reason);
        break;
      }
      if (attempt >= maxAttempts) {
        answer("failed", status, attempt, decision.reason);
        break;
      }
      await sleep(Math.min(decision.retryAfterMs ?? 1000 * attempt, 10_000));
    }
  }
  return answers;
}

function itemReason(error: { reason: string; field: string | null; message: string | null }): string {
  return [error.reason, error.field === null ? null : `field ${error.field}`, error.message]
    .filter((part) => part !== null && part !== "")
    .join(": ");
}
