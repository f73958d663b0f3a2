import type { ActionDefinition } from "./action-definition.js";
import { EVENT_ACTION } from "./event-actions.js";
import { typeTrigger } from "./mapping-defaults.js";
import { IDENTIFY_ACTION } from "./person-actions.js";

/**
 * The preset actions as configuration: what a destination without `actions:` runs, equivalent to
 * `preset-actions.ts` (Identify: every identify call; Event: every track call). `fields` spell out each
 * default mapping, so the printout (`sluice presets customerio`) is the whole truth.
 *
 * Not expressed here, applied by the caller as today: the `allow.traits` / `allow.properties` filter on
 * `attributes` (`$.traits`, `$.properties`) and the `allow.events` filter on Event.
 */
export interface PresetActionConfig {
  name: string;
  type: string;
  enabled: boolean;
  trigger: unknown;
  fields: Record<string, unknown>;
}

/** Every field of an action that has a default mapping, with that mapping. */
function defaultFields(action: ActionDefinition): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of action.fields) {
    if (field.default !== undefined) fields[field.name] = field.default;
  }
  return fields;
}

/**
 * @example
 * PRESET_ACTIONS_CONFIG.map((preset) => preset.name); // ["Identify", "Event"]
 */
export const PRESET_ACTIONS_CONFIG: readonly PresetActionConfig[] = [
  {
    name: "Identify",
    type: IDENTIFY_ACTION.type,
    enabled: true,
    trigger: typeTrigger("identify"),
    fields: defaultFields(IDENTIFY_ACTION),
  },
  {
    name: "Event",
    type: EVENT_ACTION.type,
    enabled: true,
    trigger: typeTrigger("track"),
    fields: defaultFields(EVENT_ACTION),
  },
];
