import { checkAnonymousEventLimits, checkLimits } from "../limits.js";
import type { AnonymousEventBody, CustomerioBatchOp, DeliveryMetricBody } from "../ops.js";
import { FieldReader, StopSignal } from "./field-reader.js";

/**
 * An action of the Customer.io destination, as data: its fields (with default mappings in the mapping
 * syntax, never code), its preset trigger, and a pure `build` that turns resolved field values into one
 * Track API request. Pure: no I/O, no clock, input never mutated.
 */

export type FieldKind = "text" | "number" | "integer" | "timestamp" | "boolean" | "object" | "array" | "any";

export interface ActionField {
  /** The field key users write under `fields:`. */
  name: string;
  kind: FieldKind;
  /** Required on its own (one-of groups are in `ActionDefinition.oneOf`). */
  required?: boolean;
  /** One line, shown in the UI and docs. */
  description: string;
  /** Default mapping (mapping syntax) used when the user does not map the field. */
  default?: unknown;
}

/** How an `id` that looks like an email (contains `@`) is sent. Default `as_id`. */
export type EmailShapedIdPolicy = "as_id" | "as_email" | "stop";

export const EMAIL_SHAPED_ID_POLICIES: readonly EmailShapedIdPolicy[] = ["as_id", "as_email", "stop"];

/** Behaviour options an action may take (config: `options:` beside `fields:`). */
export interface ActionOptions {
  /** `as_id` (default): send it as `id`; `as_email`: send it as `email`; `stop`: stop the event. */
  readonly email_shaped_id?: EmailShapedIdPolicy;
  /** Top-level ISO-8601 string attribute values become integer Unix seconds. Default true. */
  readonly dates_to_unix?: boolean;
}

export type ActionOptionName = keyof ActionOptions;

/** Documents one option an action accepts. */
export interface ActionOptionSpec {
  name: ActionOptionName;
  /** The accepted values (for a boolean: `[true, false]`). */
  values: readonly (string | boolean)[];
  default: string | boolean;
  description: string;
}

export interface BuildContext {
  /** Options of this configured action; absent ones take their default. */
  readonly options?: ActionOptions;
}

export type V1RequestPath = "/api/v1/events" | "/api/v1/metrics";

export type BuildResult =
  /** One `/api/v2/batch` item. */
  | { kind: "op"; op: CustomerioBatchOp }
  /** One v1 request (anonymous event, delivery metric): sent on its own, never batched. */
  | { kind: "request"; request: { method: "POST"; path: V1RequestPath; body: unknown } }
  /**
   * Not sent. `reason` names fields, never values. `stage` is `limits` for a documented Customer.io
   * limit (checkLimits) and `mapping` for everything else.
   */
  | { kind: "stop"; stage: "mapping" | "limits"; reason: string; field?: string };

export type ActionEndpoint = "track-v2-batch" | "track-v1-events" | "track-v1-metrics";

/** An example of resolved fields, used for the generated reference and checked by its tests. */
export interface ActionExample {
  fields: Readonly<Record<string, unknown>>;
  options?: ActionOptions;
}

export interface ActionDefinition {
  /** Config `type:` (snake_case). */
  type: string;
  title: string;
  description: string;
  endpoint: ActionEndpoint;
  fields: readonly ActionField[];
  /** Each group: at least one of these fields must be present (the first present one wins). */
  oneOf?: readonly (readonly string[])[];
  /** A condition in the mapping syntax, for preset configuration. */
  presetTrigger: unknown;
  /** Options this action honours. */
  options?: readonly ActionOptionSpec[];
  example: ActionExample;
  /** Pure: resolved field values (missing fields absent) → one request, or a stop with a reason. */
  build(fields: Readonly<Record<string, unknown>>, ctx?: BuildContext): BuildResult;
}

/** What an action's own builder returns; limits are checked by {@link defineAction}. */
export type BuiltRequest =
  | { kind: "op"; op: CustomerioBatchOp }
  | { kind: "anonymous_event"; body: AnonymousEventBody }
  | { kind: "metric"; body: DeliveryMetricBody };

export interface ActionSpec extends Omit<ActionDefinition, "build"> {
  /** Reads fields through `read` (already checked for kind, `required`, `oneOf`); throws StopSignal to stop. */
  build(read: FieldReader, options: Required<ActionOptions>): BuiltRequest;
}

const DEFAULT_OPTIONS: Required<ActionOptions> = { email_shaped_id: "as_id", dates_to_unix: true };

/**
 * Turns an action spec into an {@link ActionDefinition}: its `build` checks the resolved fields
 * (unknown keys, kinds, `required`, `oneOf`, in that order), runs the spec's builder, then the
 * documented limits, and turns every problem into a `stop`.
 *
 * @example
 * const deletePerson = defineAction({ type: "delete_person", ..., build: (read) => ({ kind: "op", op: ... }) });
 * deletePerson.build({ id: "u1" }); // { kind: "op", op: { type: "person", action: "delete", identifiers: { id: "u1" } } }
 */
export function defineAction(spec: ActionSpec): ActionDefinition {
  const { build: buildSpec, ...data } = spec;
  return {
    ...data,
    build(fields, ctx = {}) {
      let built: BuiltRequest;
      try {
        const options = { ...DEFAULT_OPTIONS, ...checkedOptions(ctx.options) };
        built = buildSpec(FieldReader.check(spec, fields), options);
      } catch (error) {
        if (error instanceof StopSignal) {
          return {
            kind: "stop",
            stage: "mapping",
            reason: error.reason,
            ...(error.field === undefined ? {} : { field: error.field }),
          };
        }
        throw error;
      }
      return finish(built);
    },
  };
}

/** The options that are set, checked at run time too (they may come straight from YAML). */
function checkedOptions(options: ActionOptions | undefined): ActionOptions {
  const out: { -readonly [K in keyof ActionOptions]: ActionOptions[K] } = {};
  const emailShapedId: unknown = options?.email_shaped_id;
  if (emailShapedId !== undefined) {
    if (!EMAIL_SHAPED_ID_POLICIES.includes(emailShapedId as EmailShapedIdPolicy)) {
      throw new StopSignal(`option email_shaped_id must be one of ${EMAIL_SHAPED_ID_POLICIES.join(", ")}`);
    }
    out.email_shaped_id = emailShapedId as EmailShapedIdPolicy;
  }
  const datesToUnix: unknown = options?.dates_to_unix;
  if (datesToUnix !== undefined) {
    if (typeof datesToUnix !== "boolean") throw new StopSignal("option dates_to_unix must be true or false");
    out.dates_to_unix = datesToUnix;
  }
  return out;
}

function finish(built: BuiltRequest): BuildResult {
  if (built.kind === "op") {
    const violation = checkLimits(built.op);
    return violation
      ? { kind: "stop", stage: "limits", reason: violation.reason, field: violation.field }
      : built;
  }
  if (built.kind === "anonymous_event") {
    const violation = checkAnonymousEventLimits(built.body);
    if (violation) return { kind: "stop", stage: "limits", reason: violation.reason, field: violation.field };
    return { kind: "request", request: { method: "POST", path: "/api/v1/events", body: built.body } };
  }
  return { kind: "request", request: { method: "POST", path: "/api/v1/metrics", body: built.body } };
}
