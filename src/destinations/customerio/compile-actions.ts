import type { ActionConfig, ConfigIssue, CustomerioDestinationConfig } from "../../contracts/config.js";
import { formatPath } from "../../contracts/config.js";
import { suggestion } from "../../mapping/did-you-mean.js";
import {
  type Condition,
  canYieldValue,
  compileCondition,
  compileExpression,
  type Expression,
  type MappingIssue,
} from "../../mapping/index.js";
import type { ActionDefinition, ActionOptions } from "./actions/index.js";
import { actionByType, CUSTOMERIO_ACTION_TYPES, PRESET_ACTIONS_CONFIG } from "./actions/index.js";

/**
 * A destination's actions, checked against the Customer.io catalogue and compiled once (at load),
 * so mapping an event only evaluates. Pure.
 */

export interface CompiledAction {
  name: string;
  definition: ActionDefinition;
  enabled: boolean;
  /** Null: every event. */
  trigger: Condition | null;
  /** Every field that has a mapping: the user's, else the action's default. */
  fields: ReadonlyMap<string, { expression: Expression; source: "config" | "default" }>;
  options: ActionOptions;
  /** True for the generated preset actions (a destination without `actions:`). */
  preset: boolean;
}

export type CompiledActions = { ok: true; actions: CompiledAction[] } | { ok: false; issues: ConfigIssue[] };

/**
 * The preset actions of a destination without `actions:`, as configuration: Identify for identify
 * calls and Event for track calls, with the `allow` lists baked into the mappings (only allowed traits
 * and properties become attributes). This is what `sluice presets customerio` prints. The event-name
 * allowlist stays a separate stop (`allowlist` stage) applied before the actions run.
 *
 * @example
 * presetActions({ ...destination, allow: { events: ["*"], traits: ["plan"], properties: [] } })[0]?.fields.attributes
 * // { path: "$.traits", transforms: [{ pick: ["plan"] }] }
 */
export function presetActions(destination: Pick<CustomerioDestinationConfig, "allow">): ActionConfig[] {
  return PRESET_ACTIONS_CONFIG.map((preset) => {
    const allowed = preset.type === "identify" ? destination.allow.traits : destination.allow.properties;
    const source = preset.type === "identify" ? "$.traits" : "$.properties";
    return {
      name: preset.name,
      type: preset.type,
      enabled: preset.enabled,
      trigger: preset.trigger,
      fields: {
        ...preset.fields,
        attributes: allowed.length > 0 ? { path: source, transforms: [{ pick: [...allowed] }] } : null,
      },
    };
  });
}

const cache = new WeakMap<CustomerioDestinationConfig, CompiledActions>();

/**
 * Compile a destination's actions (or its presets), reporting every problem with its path in the
 * configuration file (`destinations[0].actions[1].fields.email.transforms[0]`). `index` is the
 * destination's position in `destinations`. Results are cached per destination object.
 *
 * @example
 * const compiled = compileDestinationActions(destination, 0);
 * if (!compiled.ok) for (const issue of compiled.issues) console.error(issue.path, issue.message);
 */
export function compileDestinationActions(
  destination: CustomerioDestinationConfig,
  index: number,
): CompiledActions {
  const cached = cache.get(destination);
  if (cached) return cached;
  const preset = destination.actions === undefined;
  const configs = destination.actions ?? presetActions(destination);
  const issues: ConfigIssue[] = [];
  const actions: CompiledAction[] = [];
  const names = new Set<string>();
  configs.forEach((config, position) => {
    const at: (string | number)[] = ["destinations", index, "actions", position];
    if (names.has(config.name)) {
      issues.push({ path: formatPath([...at, "name"]), message: `duplicate action name "${config.name}"` });
    }
    names.add(config.name);
    const compiled = compileAction(config, at, issues);
    if (compiled) actions.push({ ...compiled, preset });
  });
  const result: CompiledActions = issues.length > 0 ? { ok: false, issues } : { ok: true, actions };
  cache.set(destination, result);
  return result;
}

function compileAction(
  config: ActionConfig,
  at: (string | number)[],
  issues: ConfigIssue[],
): Omit<CompiledAction, "preset"> | null {
  const definition = actionByType(config.type);
  if (!definition) {
    issues.push({
      path: formatPath([...at, "type"]),
      message: `unknown Customer.io action "${config.type}"${suggestion(config.type, CUSTOMERIO_ACTION_TYPES)}; the actions are ${CUSTOMERIO_ACTION_TYPES.join(", ")}`,
    });
    return null;
  }
  const before = issues.length;
  const push = (mappingIssues: readonly MappingIssue[]) => {
    for (const issue of mappingIssues) issues.push({ path: formatPath(issue.path), message: issue.message });
  };
  let trigger: Condition | null = null;
  if (config.trigger !== undefined) {
    const compiled = compileCondition(config.trigger, [...at, "trigger"]);
    if (compiled.ok) trigger = compiled.value;
    else push(compiled.issues);
  }
  const known = definition.fields.map((field) => field.name);
  const fields = new Map<string, { expression: Expression; source: "config" | "default" }>();
  /** Fields whose mapping did not compile: already reported, so not also "has no mapping". */
  const broken = new Set<string>();
  for (const [name, raw] of Object.entries(config.fields)) {
    if (!known.includes(name)) {
      issues.push({
        path: formatPath([...at, "fields", name]),
        message: `the ${definition.type} action has no field "${name}"${suggestion(name, known)}; its fields are ${known.join(", ")}`,
      });
      continue;
    }
    const compiled = compileExpression(raw, [...at, "fields", name]);
    if (compiled.ok) fields.set(name, { expression: compiled.value, source: "config" });
    else {
      broken.add(name);
      push(compiled.issues);
    }
  }
  for (const field of definition.fields) {
    if (fields.has(field.name) || Object.hasOwn(config.fields, field.name) || field.default === undefined)
      continue;
    const compiled = compileExpression(field.default, [...at, "fields", field.name]);
    if (compiled.ok) fields.set(field.name, { expression: compiled.value, source: "default" });
    else push(compiled.issues); // a catalogue bug; reported rather than hidden
  }
  const canYield = (name: string) => {
    const field = fields.get(name);
    return broken.has(name) || (field !== undefined && canYieldValue(field.expression));
  };
  for (const field of definition.fields) {
    if (field.required && !canYield(field.name)) {
      issues.push({
        path: formatPath([...at, "fields", field.name]),
        message: `required field "${field.name}" has no mapping that can yield a value`,
      });
    }
  }
  for (const group of definition.oneOf ?? []) {
    if (!group.some(canYield)) {
      issues.push({
        path: formatPath([...at, "fields"]),
        message: `this mapping can never yield one of ${group.join(", ")}: map at least one of them`,
      });
    }
  }
  const options = checkOptions(definition, config.options, at, issues);
  if (issues.length > before) return null;
  return { name: config.name, definition, enabled: config.enabled, trigger, fields, options };
}

function checkOptions(
  definition: ActionDefinition,
  raw: Record<string, unknown> | undefined,
  at: (string | number)[],
  issues: ConfigIssue[],
): ActionOptions {
  const out: Record<string, unknown> = {};
  const specs = definition.options ?? [];
  for (const [name, value] of Object.entries(raw ?? {})) {
    const spec = specs.find((candidate) => candidate.name === name);
    if (!spec) {
      const names = specs.map((candidate) => candidate.name);
      issues.push({
        path: formatPath([...at, "options", name]),
        message: `the ${definition.type} action has no option "${name}"${suggestion(name, names)}${names.length > 0 ? `; its options are ${names.join(", ")}` : ""}`,
      });
    } else if (!spec.values.includes(value as string | boolean)) {
      issues.push({
        path: formatPath([...at, "options", name]),
        message: `option ${name} must be one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}`,
      });
    } else out[name] = value;
  }
  return out as ActionOptions;
}

/**
 * Every configuration problem of the Customer.io destinations that the schema cannot see: unknown
 * actions, fields and options, bad mappings and triggers, required fields without a source.
 */
export function customerioConfigIssues(destinations: readonly CustomerioDestinationConfig[]): ConfigIssue[] {
  return destinations.flatMap((destination, index) => {
    const compiled = compileDestinationActions(destination, index);
    return compiled.ok ? [] : compiled.issues;
  });
}
