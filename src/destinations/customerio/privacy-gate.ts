import type { CustomerioDestinationConfig } from "../../contracts/config.js";
import type { PhiAction } from "../../contracts/privacy.js";
import {
  applyPhiPolicy,
  builtinDetectors,
  type Detector,
  evaluateConsent,
  type PhiDecision,
  sanitizeUrl,
  scanPayload,
  URL_PATHS,
} from "../../privacy/index.js";

/**
 * The privacy rules a destination applies around its actions (pure):
 * - **consent**, before any action runs: a required category that is missing, withdrawn or opted out
 *   of by Global Privacy Control stops the event;
 * - **URLs**: mappings see page URLs and referrers reduced to scheme, host and path plus `utm_*`
 *   parameters (other query parameters carry search terms, emails, tokens);
 * - **PHI**, on what is about to leave: every value of the built operation is scanned; inside
 *   attribute objects a detection blocks, redacts or allows its field per the destination's policy;
 *   anywhere else (event name, identifiers, ids) a detection that is not explicitly allowed stops the
 *   event, because removing a structural field would change what the request means.
 */

export interface PrivacyStop {
  stage: "consent" | "privacy";
  reason: string;
  field?: string;
}

export interface PhiResult {
  payload: unknown;
  decisions: PhiDecision[];
  stop: PrivacyStop | null;
}

interface CompiledPrivacy {
  detectors: readonly Detector[];
}

const cache = new WeakMap<CustomerioDestinationConfig, CompiledPrivacy>();

function compiled(destination: CustomerioDestinationConfig): CompiledPrivacy {
  let entry = cache.get(destination);
  if (!entry) {
    const { terms } = destination.privacy.phi;
    entry = { detectors: builtinDetectors(terms.length > 0 ? { terms } : {}) };
    cache.set(destination, entry);
  }
  return entry;
}

/**
 * The consent decision for one event, or null when it may go.
 *
 * @example
 * consentStop(event, destination) // { stage: "consent", reason: 'consent for "marketing" not given' }
 */
export function consentStop(event: object, destination: CustomerioDestinationConfig): PrivacyStop | null {
  const { require, gpcOptsOut } = destination.privacy.consent;
  if (require.length === 0) return null;
  const decision = evaluateConsent(event, { require, gpcOptsOut });
  return decision.allowed ? null : { stage: "consent", reason: decision.reason ?? "consent not given" };
}

/**
 * The event as mappings see it: URL fields sanitized (a copy only when one changes).
 *
 * @example
 * urlSafeView({ context: { page: { url: "https://a.example/x?email=a%40b.c&utm_source=m" } } })
 * // { context: { page: { url: "https://a.example/x?utm_source=m" } } }
 */
export function urlSafeView<T extends object>(event: T): T {
  let view: Record<string, unknown> = event as Record<string, unknown>;
  for (const path of URL_PATHS) {
    const keys = path.split(".");
    const value = keys.reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
      view,
    );
    if (typeof value !== "string") continue;
    const safe = sanitizeUrl(value);
    if (safe === value) continue;
    view = setIn(view, keys, safe ?? undefined);
  }
  return view as T;
}

function setIn(
  node: Record<string, unknown>,
  keys: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [key, ...rest] = keys;
  if (key === undefined) return node;
  const copy = { ...node };
  if (rest.length === 0) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  } else {
    copy[key] = setIn((node[key] ?? {}) as Record<string, unknown>, rest, value);
  }
  return copy;
}

/** An `attributes` object the policy emptied is left out rather than sent as `{}`. */
function withoutEmptyAttributes(payload: unknown): unknown {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return payload;
  const attributes = (payload as Record<string, unknown>)["attributes"];
  if (attributes === null || typeof attributes !== "object" || Object.keys(attributes).length > 0)
    return payload;
  const { attributes: _, ...rest } = payload as Record<string, unknown>;
  return rest;
}

/** Object subtrees whose fields are data, not structure: a detection there acts on its field. */
const DATA_SUBTREE = /(^|\.)(attributes|relationship_attributes)(\.|\[|\{|$)/;

/**
 * Scan what is about to leave and apply the destination's PHI policy.
 *
 * @example
 * const result = applyPrivacy({ type: "person", action: "event", name: "Viewed", attributes: { note: "SSN 123-45-6789" } }, destination);
 * result.payload // attributes.note removed (default action: block); result.decisions lists it by path
 */
export function applyPrivacy(payload: unknown, destination: CustomerioDestinationConfig): PhiResult {
  const { detectors } = compiled(destination);
  const policy = destination.privacy.phi;
  const detections = scanPayload(payload, { detectors });
  if (detections.length === 0) return { payload, decisions: [], stop: null };
  const actionFor = (detector: string, path: string): PhiAction =>
    policy.allow.some((rule) => rule.field === path && rule.detector === detector)
      ? "allow"
      : (policy.detectors[detector as keyof typeof policy.detectors] ?? policy.action);
  for (const detection of detections) {
    if (DATA_SUBTREE.test(detection.path)) continue;
    if (actionFor(detection.detector, detection.path) === "allow") continue;
    return {
      payload,
      decisions: [{ detector: detection.detector, path: detection.path, action: "stopped" }],
      stop: {
        stage: "privacy",
        reason: `PHI detected (${detection.detector}) in ${detection.path}`,
        field: detection.path,
      },
    };
  }
  const result = applyPhiPolicy(payload, detections, policy, { detectors });
  const stopped = result.decisions.find((decision) => decision.action === "stopped");
  return {
    payload: withoutEmptyAttributes(result.payload),
    decisions: result.decisions,
    stop: result.stop
      ? { stage: "privacy", reason: result.stop.reason, ...(stopped ? { field: stopped.path } : {}) }
      : null,
  };
}
