import type { PhiAction } from "../contracts/privacy.js";
import { builtinDetectors } from "./builtin-detectors.js";
import type { Detector, DetectorContext, DetectorHit } from "./detector.js";
import { mergeHits } from "./detectors/text-cues.js";
import { parsePayloadPath, resolvePayloadPath } from "./payload-path.js";
import type { Detection } from "./scan-payload.js";

/** What replaces redacted text (and whole non-string values). */
export const REDACTED = "[redacted]";

/** A destination's PHI policy: the `privacy.phi` configuration (every key optional here). */
export interface PhiPolicyInput {
  /** Default action for every detection. Default `block`. */
  readonly action?: PhiAction;
  /** Per-detector overrides. */
  readonly detectors?: Readonly<Partial<Record<string, PhiAction>>>;
  /** Extra health terms (used to find the spans to redact with the built-in detectors). */
  readonly terms?: readonly string[];
  /** Exceptions: this detector is allowed in this exact field path. */
  readonly allow?: readonly { readonly field: string; readonly detector: string }[];
}

export type PhiOutcome = "blocked" | "redacted" | "stopped" | "allowed";

/** What happened to one detection; recorded and audited as it is (it holds no value). */
export interface PhiDecision {
  readonly detector: string;
  readonly path: string;
  readonly action: PhiOutcome;
}

export interface PhiPolicyResult {
  /** A new payload with blocked fields removed and redacted spans replaced; the input is untouched. */
  readonly payload: unknown;
  /** One per distinct detection, in the order given. */
  readonly decisions: PhiDecision[];
  /** Set when the event must not be sent at all; the reason names a detector and a path, never a value. */
  readonly stop: null | { readonly reason: string };
}

export interface ApplyPhiPolicyOptions {
  /**
   * The detectors that produced the detections (to find the spans to redact).
   * Default: `builtinDetectors({ terms: policy.terms })`.
   */
  readonly detectors?: readonly Detector[];
}

const RANK: Record<PhiAction, number> = { allow: 0, redact: 1, block: 2, stop: 3 };

interface Field {
  readonly concrete: readonly (string | number)[];
  readonly path: string;
  readonly value: unknown;
  readonly fieldName: string | null;
  readonly parentFieldName: string | null;
  readonly endsWithKey: boolean;
  readonly members: { detector: string; action: PhiAction }[];
  effective: PhiAction;
  /** A redacted field that had to be removed after all (its key matched, or redaction left PHI). */
  removed?: boolean;
  replacement?: unknown;
}

function concreteKey(concrete: readonly (string | number)[]): string {
  return JSON.stringify(concrete);
}

/**
 * Apply a destination's PHI policy to the detections `scanPayload` found in its outgoing payload.
 *
 * Each detection gets its action: an `allow` exception for exactly that field and detector, else the
 * detector's override, else the default `action` (default `block`). A field with several detections
 * takes the strongest: stop > block > redact > allow.
 * - `block` removes the field (an array element is removed, the array closes up).
 * - `redact` replaces the matched spans of a string with `[redacted]` (a whole non-string value
 *   becomes `"[redacted]"`); detections allowed in the same field stay. A key cannot be partly
 *   redacted: when the key itself matched, the entry is removed and recorded as `blocked`. If the
 *   redacted text still shows something not allowed, the whole value is replaced.
 * - `stop` stops the event (`stop.reason`); stopped fields are also removed from `payload`, so it is
 *   safe to show, but it must not be sent.
 * - `allow` keeps the value; the decision says `allowed` so the caller can audit the exception.
 * A detection whose path is not in the payload stops the event unless it is allowed (fail closed).
 *
 * @example
 * const payload = { attributes: { notes: "SSN 123-45-6789", email_note: "ada@example.com" } };
 * applyPhiPolicy(payload, scanPayload(payload), { action: "redact", detectors: { email: "allow" } })
 * // { payload: { attributes: { notes: "SSN [redacted]", email_note: "ada@example.com" } },
 * //   decisions: [{ detector: "ssn", path: "attributes.notes", action: "redacted" },
 * //               { detector: "email", path: "attributes.email_note", action: "allowed" }], stop: null }
 */
export function applyPhiPolicy(
  payload: unknown,
  detections: readonly Detection[],
  policy: PhiPolicyInput,
  options: ApplyPhiPolicyOptions = {},
): PhiPolicyResult {
  const detectors = options.detectors ?? builtinDetectors(policy.terms ? { terms: policy.terms } : {});
  const actionFor = (detector: string, path: string): PhiAction => {
    if (policy.allow?.some((rule) => rule.field === path && rule.detector === detector)) return "allow";
    return policy.detectors?.[detector] ?? policy.action ?? "block";
  };

  const fields = new Map<string, Field>();
  const entries: { detector: string; path: string; action: PhiAction; field: Field | null }[] = [];
  const seen = new Set<string>();
  for (const detection of detections) {
    const id = `${detection.detector}\u0000${detection.path}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const action = actionFor(detection.detector, detection.path);
    const segments = parsePayloadPath(detection.path);
    const resolved = segments === null ? null : resolvePayloadPath(payload, segments);
    if (resolved === null) {
      entries.push({ detector: detection.detector, path: detection.path, action, field: null });
      continue;
    }
    const key = concreteKey(resolved.concrete);
    let field = fields.get(key);
    if (field === undefined) {
      field = { ...resolved, path: detection.path, members: [], effective: "allow" };
      fields.set(key, field);
    }
    field.members.push({ detector: detection.detector, action });
    if (RANK[action] > RANK[field.effective]) field.effective = action;
    entries.push({ detector: detection.detector, path: detection.path, action, field });
  }

  let stop: PhiPolicyResult["stop"] = null;
  for (const entry of entries) {
    const stops = entry.field === null ? entry.action !== "allow" : entry.action === "stop";
    if (stops) {
      stop = { reason: `PHI detected (${entry.detector}) in ${entry.path}` };
      break;
    }
  }

  const byId = new Map(detectors.map((detector) => [detector.id, detector]));
  for (const field of fields.values()) {
    if (field.effective === "redact") redactField(field, byId, detectors, actionFor);
  }

  const output = cloneJson(payload);
  applyEdits(output, [...fields.values()]);

  const removedDepths = [
    ...new Set([...fields.values()].filter(isRemoved).map((field) => field.concrete.length)),
  ].sort((a, b) => a - b);
  const decisions = entries.map(({ detector, path, action, field }): PhiDecision => {
    if (field === null) return { detector, path, action: action === "allow" ? "allowed" : "stopped" };
    const outcome = ancestorOutcome(field, fields, removedDepths) ?? fieldOutcome(field, action);
    return { detector, path, action: outcome };
  });
  return { payload: output.root, decisions, stop };
}

function fieldOutcome(field: Field, action: PhiAction): PhiOutcome {
  if (field.effective === "stop") return "stopped";
  if (field.effective === "block" || field.removed) return "blocked";
  if (field.effective === "redact") return action === "redact" ? "redacted" : "allowed";
  return "allowed";
}

function isRemoved(field: Field): boolean {
  return field.effective === "stop" || field.effective === "block" || field.removed === true;
}

/**
 * When a field sits inside one that was removed, what removed it (the outermost removal). Only the
 * depths at which something was removed are looked at, so deep payloads stay cheap.
 */
function ancestorOutcome(
  field: Field,
  fields: ReadonlyMap<string, Field>,
  removedDepths: readonly number[],
): PhiOutcome | null {
  for (const depth of removedDepths) {
    if (depth >= field.concrete.length) break;
    const ancestor = fields.get(concreteKey(field.concrete.slice(0, depth)));
    if (ancestor === undefined || !isRemoved(ancestor)) continue;
    return ancestor.effective === "stop" ? "stopped" : "blocked";
  }
  return null;
}

function hitsOf(detector: Detector | undefined, text: string, ctx: DetectorContext): DetectorHit[] | null {
  if (detector === undefined) return null;
  try {
    const hits: unknown = detector.scan(text, ctx);
    return Array.isArray(hits) ? (hits as DetectorHit[]) : null;
  } catch {
    return null;
  }
}

/** Decide a redacted field's new value, or that it must be removed after all. */
function redactField(
  field: Field,
  byId: ReadonlyMap<string, Detector>,
  all: readonly Detector[],
  actionFor: (detector: string, path: string) => PhiAction,
): void {
  const redactIds = field.members.filter((m) => m.action === "redact").map((m) => m.detector);
  if (field.endsWithKey) {
    const key = String(field.concrete[field.concrete.length - 1]);
    const ctx: DetectorContext = { path: field.path, key: field.parentFieldName, part: "key" };
    for (const id of redactIds) {
      const hits = hitsOf(byId.get(id), key, ctx);
      if (hits === null || hits.length > 0) {
        field.removed = true;
        return;
      }
    }
  }
  const ctx: DetectorContext = { path: field.path, key: field.fieldName, part: "value" };
  let replacement: string = REDACTED;
  if (typeof field.value === "string") {
    const text = field.value;
    const spans: DetectorHit[] = [];
    let whole = false;
    for (const id of redactIds) {
      const hits = hitsOf(byId.get(id), text, ctx);
      const valid = hits?.filter((h) => Number.isInteger(h.start) && Number.isInteger(h.end)) ?? [];
      const inRange = valid.filter((h) => h.start >= 0 && h.end <= text.length && h.start < h.end);
      // The detector no longer finds what it reported (or answers nonsense): redact everything.
      if (hits === null || inRange.length === 0 || inRange.length !== hits.length) whole = true;
      spans.push(...inRange);
    }
    if (!whole) {
      let out = "";
      let from = 0;
      for (const span of mergeHits(spans)) {
        out += text.slice(from, span.start) + REDACTED;
        from = span.end;
      }
      replacement = out + text.slice(from);
    }
  }
  for (const candidate of replacement === REDACTED ? [REDACTED] : [replacement, REDACTED]) {
    const leftovers = all.some((detector) => {
      const hits = hitsOf(detector, candidate, ctx);
      return (hits === null || hits.length > 0) && actionFor(detector.id, field.path) !== "allow";
    });
    if (!leftovers) {
      field.replacement = candidate;
      return;
    }
  }
  field.removed = true;
}

interface Holder {
  root: unknown;
}

/** A deep copy of JSON-like data (own enumerable keys, arrays); cycles are cut, nothing is shared. */
function cloneJson(value: unknown): Holder {
  const holder: Holder = { root: undefined };
  type Task =
    | { kind: "copy"; value: unknown; into: (copy: unknown) => void }
    | { kind: "exit"; value: object };
  const onPath = new Set<object>();
  const stack: Task[] = [{ kind: "copy", value, into: (copy) => (holder.root = copy) }];
  while (stack.length > 0) {
    const task = stack.pop()!;
    if (task.kind === "exit") {
      onPath.delete(task.value);
      continue;
    }
    const source = task.value;
    if (source === null || typeof source !== "object") {
      task.into(source);
      continue;
    }
    if (onPath.has(source)) continue;
    onPath.add(source);
    stack.push({ kind: "exit", value: source });
    if (Array.isArray(source)) {
      const copy: unknown[] = new Array(source.length);
      task.into(copy);
      for (let i = source.length - 1; i >= 0; i--) {
        stack.push({ kind: "copy", value: source[i], into: (item) => (copy[i] = item) });
      }
    } else {
      const copy: Record<string, unknown> = {};
      task.into(copy);
      const keys = Object.keys(source);
      for (const key of keys) setOwn(copy, key, undefined);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({
          kind: "copy",
          value: (source as Record<string, unknown>)[key],
          into: (item) => setOwn(copy, key, item),
        });
      }
    }
  }
  return holder;
}

/** Set an own property, even `__proto__`, without touching the prototype chain. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Replace redacted values, then remove blocked/stopped fields deepest first, later array items first. */
function applyEdits(holder: Holder, fields: readonly Field[]): void {
  const parentOf = (concrete: readonly (string | number)[]): unknown => {
    let node: unknown = holder.root;
    for (const segment of concrete.slice(0, -1)) {
      if (node === null || typeof node !== "object") return undefined;
      node = (node as Record<string | number, unknown>)[segment];
    }
    return node;
  };
  const removals: Field[] = [];
  for (const field of fields) {
    if (isRemoved(field)) {
      removals.push(field);
      continue;
    }
    if (field.effective !== "redact" || field.replacement === undefined) continue;
    if (field.concrete.length === 0) {
      holder.root = field.replacement;
      continue;
    }
    const parent = parentOf(field.concrete);
    const last = field.concrete[field.concrete.length - 1]!;
    if (Array.isArray(parent) && typeof last === "number") parent[last] = field.replacement;
    else if (parent !== null && typeof parent === "object") {
      setOwn(parent as Record<string, unknown>, String(last), field.replacement);
    }
  }
  removals.sort((a, b) => {
    if (a.concrete.length !== b.concrete.length) return b.concrete.length - a.concrete.length;
    const x = a.concrete[a.concrete.length - 1];
    const y = b.concrete[b.concrete.length - 1];
    return typeof x === "number" && typeof y === "number" ? y - x : 0;
  });
  for (const field of removals) {
    if (field.concrete.length === 0) {
      holder.root = undefined;
      continue;
    }
    const parent = parentOf(field.concrete);
    const last = field.concrete[field.concrete.length - 1]!;
    if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
    else if (parent !== null && typeof parent === "object") {
      delete (parent as Record<string, unknown>)[String(last)];
    }
  }
}
