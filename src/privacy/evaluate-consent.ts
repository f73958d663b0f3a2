import { DEFAULT_GPC_OPTS_OUT } from "../contracts/privacy.js";

/** Where a consent answer came from. */
export type ConsentSource = "segment" | "traits" | "gpc";

export interface ConsentDecision {
  readonly allowed: boolean;
  /** Why the event is not allowed (names a category, never a value); null when allowed. */
  readonly reason: string | null;
  /**
   * The source that decided. Denied: the one that denied (null when consent is simply missing).
   * Allowed: the source of the first required category's grant (null when nothing is required).
   */
  readonly source: ConsentSource | null;
}

/** A destination's `privacy.consent` settings (both keys optional here). */
export interface ConsentRequirements {
  /** Categories the destination needs. Default none. */
  readonly require?: readonly string[];
  /** Categories a GPC signal opts out of. Default `["advertising", "marketing"]`. */
  readonly gpcOptsOut?: readonly string[];
}

type Answer = true | false | undefined;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `true`, `"granted"`, `"yes"` grant; `false`, `"denied"`, `"no"` deny; anything else says nothing. */
function answerOf(value: unknown): Answer {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  const word = value.trim().toLowerCase();
  if (word === "granted" || word === "yes") return true;
  if (word === "denied" || word === "no") return false;
  return undefined;
}

/**
 * A category's answer in one consent object, matching keys without regard to case. When several
 * keys match (`Marketing`, `marketing`) and disagree, the denial wins.
 */
function lookup(preferences: Record<string, unknown> | undefined, category: string): Answer {
  if (preferences === undefined) return undefined;
  const wanted = category.toLowerCase();
  let answer: Answer;
  for (const [key, value] of Object.entries(preferences)) {
    if (key.toLowerCase() !== wanted) continue;
    const found = answerOf(value);
    if (found === false) return false;
    if (found === true) answer = true;
  }
  return answer;
}

/** Traits consent: `traits.consent.<category>` or `context.traits.consent.<category>`; a denial wins. */
function fromTraits(event: Record<string, unknown> | undefined, category: string): Answer {
  const direct = lookup(record(record(event?.["traits"])?.["consent"]), category);
  const context = lookup(record(record(record(event?.["context"])?.["traits"])?.["consent"]), category);
  if (direct === false || context === false) return false;
  return direct ?? context;
}

/**
 * Whether an event may go to a destination that needs the `require` consent categories. Sources, in
 * order (the first that answers for a category decides it):
 * 1. Global Privacy Control: `context.gpc === true` (ingest sets it from `Sec-GPC: 1`; a client may
 *    send it) opts out of every `gpcOptsOut` category the destination requires;
 * 2. the Segment consent object, `context.consent.categoryPreferences.<category>`;
 * 3. traits, `traits.consent.<category>` or `context.traits.consent.<category>`.
 * Values: booleans, or `"granted"`/`"yes"` and `"denied"`/`"no"` (any case); categories match without
 * regard to case. A required category nobody answered is a denial (deny by default). Nothing required:
 * allowed. Pure; reasons name the category as configured, never a value from the event.
 *
 * @example
 * const event = { context: { consent: { categoryPreferences: { marketing: false } } } };
 * evaluateConsent(event, { require: ["marketing"] })
 * // { allowed: false, reason: 'consent for "marketing" withdrawn', source: "segment" }
 */
export function evaluateConsent(event: object, requirements: ConsentRequirements): ConsentDecision {
  const required = requirements.require ?? [];
  if (required.length === 0) return { allowed: true, reason: null, source: null };
  // Read defensively: the event may come from anywhere (a preview, a test send).
  const root = record(event);
  const context = record(root?.["context"]);
  if (context?.["gpc"] === true) {
    const optedOut = new Set((requirements.gpcOptsOut ?? DEFAULT_GPC_OPTS_OUT).map((c) => c.toLowerCase()));
    const category = required.find((c) => optedOut.has(c.toLowerCase()));
    if (category !== undefined) {
      return { allowed: false, reason: `Global Privacy Control opts out of "${category}"`, source: "gpc" };
    }
  }
  const preferences = record(record(context?.["consent"])?.["categoryPreferences"]);
  let grantedBy: ConsentSource | null = null;
  for (const category of required) {
    let answer = lookup(preferences, category);
    let source: ConsentSource = "segment";
    if (answer === undefined) {
      answer = fromTraits(root, category);
      source = "traits";
    }
    if (answer === undefined) {
      return { allowed: false, reason: `consent for "${category}" not given`, source: null };
    }
    if (answer === false) return { allowed: false, reason: `consent for "${category}" withdrawn`, source };
    grantedBy ??= source;
  }
  return { allowed: true, reason: null, source: grantedBy };
}
