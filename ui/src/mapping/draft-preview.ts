import type { ConfigIssue, CustomerioDestinationConfig } from "../../../src/contracts/config.js";
import {
  type ConfigDocument,
  configFromDocument,
  type DestinationDocument,
  isEnvReference,
  MASKED_SECRET,
} from "../../../src/contracts/config-document.js";
import { eventTimeMs, parseSegmentEvent, type StoredEvent } from "../../../src/contracts/event.js";
import { compileDestinationActions } from "../../../src/destinations/customerio/compile-actions.js";
import { urlSafeView } from "../../../src/destinations/customerio/privacy-gate.js";
import { evaluateExpression, type FieldTrace } from "../../../src/mapping/index.js";

/**
 * The example pane's engine, in the browser: the edited destination checked by the server's own
 * validation (`configFromDocument`: schema + the destinations' checks), then `previewEvent` — the
 * function `sluice preview`, the admin API and delivery share — on the draft. Nothing here maps,
 * validates or scans by itself.
 */

/** Stands in for a secret the browser never sees; the preview masks the Authorization header anyway. */
const STAND_IN_KEY = "browser-preview-key";
const STAND_IN_SALT = "browser-preview-salt";

export interface CheckedDestination {
  /** Issues with paths relative to the destination (`actions[1].fields.id`). */
  issues: ConfigIssue[];
  config: CustomerioDestinationConfig | null;
  /** True when the destination has a hashing salt: hashes shown here use a stand-in for it. */
  saltStandIn: boolean;
}

const secretStandIn = (value: string | undefined, standIn: string) =>
  value === undefined ? undefined : value === MASKED_SECRET || isEnvReference(value) ? standIn : value;

/**
 * Validate one destination document exactly as a configuration file would be (alone, so that other
 * parts of the configuration — or the masked write keys a viewer gets — do not hide its own issues).
 *
 * @example
 * checkDestination(doc).issues // [{ path: "actions[0].fields.id", message: "..." }]
 */
export function checkDestination(destination: DestinationDocument): CheckedDestination {
  const apiKey = secretStandIn(destination.settings.apiKey, STAND_IN_KEY) ?? STAND_IN_KEY;
  const hashSalt = secretStandIn(destination.settings.hashSalt, STAND_IN_SALT);
  const settings = { ...destination.settings, apiKey };
  if (hashSalt === undefined) delete settings.hashSalt;
  else settings.hashSalt = hashSalt;
  const doc: ConfigDocument = { sources: [], destinations: [{ ...destination, settings }] };
  const result = configFromDocument(doc);
  const saltStandIn = hashSalt === STAND_IN_SALT;
  if (!result.ok) {
    return {
      issues: result.issues.map((issue) => ({
        path: issue.path.replace(/^destinations\[0\]\.?/, ""),
        message: issue.message,
      })),
      config: null,
      saltStandIn,
    };
  }
  const config = result.config.destinations[0];
  return { issues: [], config: config ?? null, saltStandIn };
}

/**
 * A pasted or sampled event as the preview takes it: checked like ingest checks it, with the
 * `messageId` and `receivedAt` ingest would stamp when missing. A masked sample (every value replaced
 * by its type and size) has no real times: they are left out, so the event reads as happening when
 * Sluice received it.
 */
export function storedEventFrom(
  raw: unknown,
  receivedAtMs: number,
  options: { masked?: boolean } = {},
): { ok: true; event: StoredEvent } | { ok: false; message: string } {
  let input = raw;
  if (options.masked && raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const {
      timestamp: _t,
      sentAt: _s,
      originalTimestamp: _o,
      receivedAt: _r,
      ...rest
    } = raw as Record<string, unknown>;
    input = rest;
  }
  const parsed = parseSegmentEvent(input);
  if (!parsed.ok) return { ok: false, message: parsed.error.message };
  const { event } = parsed;
  const stamped = input as { receivedAt?: unknown };
  return {
    ok: true,
    event: {
      ...event,
      messageId: event.messageId ?? "example-message-id",
      receivedAt:
        typeof stamped.receivedAt === "string" ? stamped.receivedAt : new Date(receivedAtMs).toISOString(),
    },
  };
}

export type ResolvedField =
  | { present: true; value: unknown; trace: FieldTrace }
  | { present: false; trace: FieldTrace };

/**
 * The value each field of one action resolves to for `event`, before the action builds its request
 * and before the PHI policy runs (the request pane shows what actually leaves). The mapping sees the
 * event as `mapEventWithReport` (map-event.ts) shows it to every action: URL fields reduced, and
 * `timestamp` filled in from Segment's clock rule when the client sent none.
 */
export function resolvedFields(
  event: StoredEvent,
  destination: CustomerioDestinationConfig,
  actionName: string,
): Map<string, ResolvedField> {
  const out = new Map<string, ResolvedField>();
  const compiled = compileDestinationActions(destination, 0);
  if (!compiled.ok) return out;
  const action = compiled.actions.find((candidate) => candidate.name === actionName);
  if (!action) return out;
  const view = urlSafeView(
    event.timestamp === undefined
      ? { ...event, timestamp: new Date(eventTimeMs(event)).toISOString() }
      : event,
  );
  const salt = destination.settings.hashSalt?.reveal();
  for (const [name, field] of action.fields) {
    const evaluation = evaluateExpression(field.expression, view, salt === undefined ? {} : { salt });
    out.set(name, evaluation);
  }
  return out;
}
