import type { ActionDefinition } from "./action-definition.js";
import { DELIVERY_METRIC_ACTION } from "./delivery-metric-action.js";
import { ADD_DEVICE_ACTION, DELETE_DEVICE_ACTION } from "./device-actions.js";
import { ANONYMOUS_EVENT_ACTION, EVENT_ACTION, PAGE_ACTION, SCREEN_ACTION } from "./event-actions.js";
import { MERGE_PEOPLE_ACTION } from "./merge-action.js";
import {
  OBJECT_DELETE_ACTION,
  OBJECT_IDENTIFY_ACTION,
  OBJECT_IDENTIFY_ANONYMOUS_ACTION,
} from "./object-actions.js";
import {
  DELETE_PERSON_ACTION,
  IDENTIFY_ACTION,
  SUPPRESS_ACTION,
  UNSUPPRESS_ACTION,
} from "./person-actions.js";
import { ADD_RELATIONSHIPS_ACTION, DELETE_RELATIONSHIPS_ACTION } from "./relationship-actions.js";

/**
 * Every Customer.io action, in the order the reference lists them.
 *
 * @example
 * CUSTOMERIO_ACTIONS.map((action) => action.type); // ["identify", "event", "page", ...]
 */
export const CUSTOMERIO_ACTIONS: readonly ActionDefinition[] = [
  IDENTIFY_ACTION,
  EVENT_ACTION,
  PAGE_ACTION,
  SCREEN_ACTION,
  ANONYMOUS_EVENT_ACTION,
  ADD_DEVICE_ACTION,
  DELETE_DEVICE_ACTION,
  DELETE_PERSON_ACTION,
  SUPPRESS_ACTION,
  UNSUPPRESS_ACTION,
  MERGE_PEOPLE_ACTION,
  OBJECT_IDENTIFY_ACTION,
  OBJECT_IDENTIFY_ANONYMOUS_ACTION,
  OBJECT_DELETE_ACTION,
  ADD_RELATIONSHIPS_ACTION,
  DELETE_RELATIONSHIPS_ACTION,
  DELIVERY_METRIC_ACTION,
];

const BY_TYPE: ReadonlyMap<string, ActionDefinition> = new Map(
  CUSTOMERIO_ACTIONS.map((action) => [action.type, action]),
);

/**
 * The action for a config `type:`, or undefined.
 *
 * @example
 * actionByType("identify")?.build({ id: "u1" });
 * // { kind: "op", op: { type: "person", action: "identify", identifiers: { id: "u1" } } }
 */
export function actionByType(type: string): ActionDefinition | undefined {
  return BY_TYPE.get(type);
}

/** Every action type, for config validation messages. */
export const CUSTOMERIO_ACTION_TYPES: readonly string[] = CUSTOMERIO_ACTIONS.map((action) => action.type);
