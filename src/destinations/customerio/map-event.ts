import type { CustomerioDestinationConfig } from "../../contracts/config.js";
import { eventTimeMs, type StoredEvent } from "../../contracts/event.js";
import { evaluateCondition, evaluateExpression, type FieldTrace } from "../../mapping/index.js";
import type { PhiDecision } from "../../privacy/index.js";
import type { DeliveryStage } from "../../store/port.js";
import type { BuildResult, V1RequestPath } from "./actions/index.js";
import { type CompiledAction, compileDestinationActions } from "./compile-actions.js";
import type { CustomerioBatchOp } from "./ops.js";
import { applyPrivacy, consentStop, urlSafeView } from "./privacy-gate.js";

/**
 * Event × destination → what Sluice would send, through the destination's actions. Pure (the clock
 * is the event's own times), shared by the delivery lane, `sluice preview` and the admin API.
 */

/** One thing to send: a `/api/v2/batch` item, or a v1 request (anonymous events, delivery metrics). */
export type OutgoingPart =
  | { kind: "op"; action: string; op: CustomerioBatchOp }
  | { kind: "request"; action: string; request: { method: "POST"; path: V1RequestPath; body: unknown } };

export type MapOutcome =
  | { kind: "send"; parts: OutgoingPart[]; privacy: PhiDecision[] }
  | { kind: "stop"; stage: DeliveryStage; reason: string; field?: string; privacy?: PhiDecision[] };

/** Why each action ran or not, and where each field's value came from: for the preview. No values. */
export interface ActionReport {
  name: string;
  type: string;
  enabled: boolean;
  matched: boolean;
  /** The trigger's explanation (paths, operators, operands — never event values). */
  why: string;
  fields: { name: string; source: "config" | "default"; present: boolean; trace: FieldTrace }[];
  /** What the action built, when it ran. */
  result?: BuildResult;
}

export interface MapReport {
  outcome: MapOutcome;
  actions: ActionReport[];
}

/**
 * Map one stored event for one destination. Destinations without `actions:` run the presets, after
 * the event-name allowlist (`allow.events`) for track calls.
 *
 * @example
 * const outcome = mapEvent(event, destination);
 * if (outcome.kind === "send") for (const part of outcome.parts) console.log(part.action);
 */
export function mapEvent(event: StoredEvent, destination: CustomerioDestinationConfig): MapOutcome {
  return mapEventWithReport(event, destination, { report: false }).outcome;
}

/** `mapEvent` plus the per-action, per-field report the preview shows. */
export function mapEventWithReport(
  event: StoredEvent,
  destination: CustomerioDestinationConfig,
  options: { report: boolean } = { report: true },
): MapReport {
  const compiled = compileDestinationActions(destination, 0);
  if (!compiled.ok) {
    const first = compiled.issues[0];
    return {
      outcome: {
        kind: "stop",
        stage: "mapping",
        reason: `the destination's actions are invalid: ${first ? `${first.path}: ${first.message}` : "unknown problem"}`,
      },
      actions: [],
    };
  }
  if (destination.actions === undefined && event.type === "track") {
    const { events } = destination.allow;
    if (!events.includes("*") && !events.includes(event.event ?? "")) {
      return {
        outcome: { kind: "stop", stage: "allowlist", reason: "event name not allowed", field: "event" },
        actions: [],
      };
    }
  }
  const consent = consentStop(event, destination);
  if (consent) return { outcome: { kind: "stop", ...consent }, actions: [] };
  // Segment's rule: an event without `timestamp` happened at originalTimestamp corrected for the
  // client's clock skew (sentAt), else when it was received. Mappings see that as `$.timestamp`,
  // and page URLs reduced to scheme, host, path and utm_* parameters.
  const view = urlSafeView(
    event.timestamp === undefined
      ? { ...event, timestamp: new Date(eventTimeMs(event)).toISOString() }
      : event,
  );
  const salt = destination.settings.hashSalt?.reveal();
  const context = salt === undefined ? {} : { salt };
  const reports: ActionReport[] = [];
  const parts: OutgoingPart[] = [];
  const privacy: PhiDecision[] = [];
  let stop: Extract<MapOutcome, { kind: "stop" }> | null = null;
  for (const action of compiled.actions) {
    const done = parts.length > 0 && destination.match === "first";
    if (done || stop) {
      if (options.report)
        reports.push(skipped(action, done ? "an earlier action already ran" : "the event was stopped"));
      continue;
    }
    if (!action.enabled) {
      if (options.report) reports.push(skipped(action, "disabled"));
      continue;
    }
    const trigger = action.trigger
      ? evaluateCondition(action.trigger, view)
      : { matched: true, explanation: "no trigger: every event" };
    if (!trigger.matched) {
      if (options.report) reports.push({ ...skipped(action, trigger.explanation) });
      continue;
    }
    const resolved: Record<string, unknown> = {};
    const fields: ActionReport["fields"] = [];
    for (const [name, field] of action.fields) {
      const evaluation = evaluateExpression(field.expression, view, context);
      if (evaluation.present) resolved[name] = evaluation.value;
      if (options.report)
        fields.push({ name, source: field.source, present: evaluation.present, trace: evaluation.trace });
    }
    const result = action.definition.build(resolved, { options: action.options });
    if (options.report) {
      reports.push({
        name: action.name,
        type: action.definition.type,
        enabled: true,
        matched: true,
        why: trigger.explanation,
        fields,
        result,
      });
    }
    if (result.kind === "stop") {
      stop = {
        kind: "stop",
        stage: result.stage,
        // Presets keep the plain reason (the log reads as before); named actions say which one stopped it.
        reason: action.preset ? result.reason : `${action.name}: ${result.reason}`,
        ...(result.field === undefined ? {} : { field: result.field }),
      };
      continue;
    }
    // What would leave is scanned for PHI; the destination's policy blocks, redacts or stops.
    const scanned = applyPrivacy(result.kind === "op" ? result.op : result.request.body, destination);
    privacy.push(...scanned.decisions);
    if (scanned.stop) {
      stop = { kind: "stop", ...scanned.stop, privacy };
    } else if (result.kind === "op") {
      parts.push({ kind: "op", action: action.name, op: scanned.payload as CustomerioBatchOp });
    } else {
      parts.push({
        kind: "request",
        action: action.name,
        request: { ...result.request, body: scanned.payload },
      });
    }
  }
  const outcome: MapOutcome =
    stop ??
    (parts.length > 0
      ? { kind: "send", parts, privacy }
      : { kind: "stop", stage: "mapping", reason: `no action for ${event.type} calls` });
  return { outcome, actions: reports };
}

function skipped(action: CompiledAction, why: string): ActionReport {
  return {
    name: action.name,
    type: action.definition.type,
    enabled: action.enabled,
    matched: false,
    why,
    fields: [],
  };
}
