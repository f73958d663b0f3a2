/**
 * The Customer.io action catalogue: public surface.
 *
 * @example
 * import { actionByType } from "./destinations/customerio/actions/index.js";
 * actionByType("event")?.build({ id: "u1", name: "Signed Up", event_id: "m1" });
 * // { kind: "op", op: { type: "person", action: "event", identifiers: { id: "u1" }, name: "Signed Up", id: "m1" } }
 */
export type {
  ActionDefinition,
  ActionEndpoint,
  ActionExample,
  ActionField,
  ActionOptionName,
  ActionOptionSpec,
  ActionOptions,
  BuildContext,
  BuildResult,
  EmailShapedIdPolicy,
  FieldKind,
  V1RequestPath,
} from "./action-definition.js";
export { EMAIL_SHAPED_ID_POLICIES } from "./action-definition.js";
export {
  ACTIONS_REFERENCE_PATH,
  REGENERATE_REFERENCE_COMMAND,
  renderActionsReference,
} from "./actions-reference.js";
export { actionByType, CUSTOMERIO_ACTION_TYPES, CUSTOMERIO_ACTIONS } from "./customerio-actions.js";
export { normalizePlatform } from "./device-actions.js";
export { PRESET_ACTIONS_CONFIG, type PresetActionConfig } from "./preset-actions-config.js";
