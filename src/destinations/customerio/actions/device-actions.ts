import type { DevicePlatform, PersonAddDeviceOp, PersonDeleteDeviceOp } from "../ops.js";
import type { ActionDefinition, ActionField } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { setAttribute } from "./attribute-values.js";
import { type FieldReader, StopSignal } from "./field-reader.js";
import { EVENT_TIME_MAPPING, trackEventTrigger } from "./mapping-defaults.js";
import {
  EMAIL_SHAPED_ID_OPTION,
  PERSON_IDENTIFIER_FIELDS,
  PERSON_ONE_OF,
  requiredTrimmedText,
  requirePersonIdentifiers,
  trimmedText,
} from "./person-identifiers.js";

/** Push devices of a person: `add_device` (add or update) and `delete_device`. */

/**
 * Platform names Segment and RudderStack SDKs send (`context.device.type`, `context.os.name`), compared
 * without case, mapped to Customer.io's two platforms. Anything else stops the event: sending a wrong
 * platform would break push delivery, and guessing is worse than saying so.
 */
const PLATFORM_ALIASES: ReadonlyMap<string, DevicePlatform> = new Map([
  ["ios", "ios"],
  ["ipados", "ios"],
  ["iphone os", "ios"],
  ["android", "android"],
]);

/**
 * Customer.io's platform for a Segment device type or OS name, or null.
 *
 * @example
 * normalizePlatform("iPadOS"); // "ios"
 * normalizePlatform("Android"); // "android"
 * normalizePlatform("macOS"); // null
 */
export function normalizePlatform(value: string): DevicePlatform | null {
  return PLATFORM_ALIASES.get(value.trim().toLowerCase()) ?? null;
}

const TOKEN_FIELD: ActionField = {
  name: "token",
  kind: "text",
  required: true,
  description: "The device's push token (APNs or FCM).",
  default: "$.context.device.token",
};

const DEVICE_EVENTS = ["Application Installed", "Application Opened", "Device Created or Updated"];
const DEVICE_DELETED_EVENTS = ["Application Uninstalled", "Device Deleted"];

/** Reserved device attributes (string values) and where Segment's context carries them. */
const DEVICE_ATTRIBUTE_FIELDS: readonly ActionField[] = [
  {
    name: "app_version",
    kind: "text",
    description: "Sent as the app_version device attribute.",
    default: "$.context.app.version",
  },
  {
    name: "device_model",
    kind: "text",
    description: "Sent as the device_model device attribute.",
    default: "$.context.device.model",
  },
  {
    name: "device_os",
    kind: "text",
    description: "Sent as the device_os device attribute (the OS version).",
    default: "$.context.os.version",
  },
  {
    name: "device_locale",
    kind: "text",
    description: "Sent as the device_locale device attribute (IETF code such as en-US).",
    default: "$.context.locale",
  },
  {
    name: "push_enabled",
    kind: "boolean",
    description: 'Sent as push_enabled ("true"/"false"): whether the device accepts push.',
  },
];

function readDeviceAttributes(read: FieldReader): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(read.object("attributes") ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === "string") setAttribute(out, key, value);
    else if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
      setAttribute(out, key, String(value));
    } else {
      // Device attributes are strings on the wire; an object or array has no faithful text form.
      throw new StopSignal("attributes values must be text, numbers or booleans", `attributes.${key}`);
    }
  }
  for (const name of ["app_version", "device_model", "device_os", "device_locale"]) {
    const value = trimmedText(read, name);
    if (value !== undefined) out[name] = value;
  }
  const pushEnabled = read.boolean("push_enabled");
  if (pushEnabled !== undefined) out["push_enabled"] = String(pushEnabled);
  const push = out["push_enabled"];
  if (push !== undefined && push !== "true" && push !== "false") {
    throw new StopSignal('attributes.push_enabled must be "true" or "false"', "attributes.push_enabled");
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export const ADD_DEVICE_ACTION: ActionDefinition = defineAction({
  type: "add_device",
  title: "Add or update device",
  description: "Add a push device to a person, or update it (mobile app installs and opens).",
  endpoint: "track-v2-batch",
  fields: [
    ...PERSON_IDENTIFIER_FIELDS,
    TOKEN_FIELD,
    {
      name: "platform",
      kind: "text",
      required: true,
      description: 'ios or android; "iOS", "iPadOS", "iPhone OS", "Android" are normalised, others stop.',
      default: { coalesce: ["$.context.device.type", "$.context.os.name"] },
    },
    {
      name: "last_used",
      kind: "timestamp",
      description: "When the device was last used.",
      default: EVENT_TIME_MAPPING,
    },
    ...DEVICE_ATTRIBUTE_FIELDS,
    { name: "attributes", kind: "object", description: "Custom device attributes (values sent as text)." },
  ],
  oneOf: PERSON_ONE_OF,
  presetTrigger: trackEventTrigger(DEVICE_EVENTS),
  options: [EMAIL_SHAPED_ID_OPTION],
  example: {
    fields: {
      id: "u-42",
      token: "fcm-token-abc123",
      platform: "Android",
      last_used: 1_795_860_000,
      app_version: "2.1.0",
      push_enabled: true,
    },
  },
  build(read, options) {
    const identifiers = requirePersonIdentifiers(read, "", options);
    const platform = normalizePlatform(read.requiredText("platform"));
    if (platform === null) throw new StopSignal("platform is not ios or android", "platform");
    const lastUsed = read.number("last_used");
    const attributes = readDeviceAttributes(read);
    const op: PersonAddDeviceOp = {
      type: "person",
      action: "add_device",
      identifiers,
      device: {
        token: requiredTrimmedText(read, "token"),
        platform,
        ...(lastUsed === undefined ? {} : { last_used: lastUsed }),
        ...(attributes === undefined ? {} : { attributes }),
      },
    };
    return { kind: "op", op };
  },
});

export const DELETE_DEVICE_ACTION: ActionDefinition = defineAction({
  type: "delete_device",
  title: "Delete device",
  description: "Remove a push device from a person (app uninstalled, token revoked).",
  endpoint: "track-v2-batch",
  fields: [...PERSON_IDENTIFIER_FIELDS, TOKEN_FIELD],
  oneOf: PERSON_ONE_OF,
  presetTrigger: trackEventTrigger(DEVICE_DELETED_EVENTS),
  options: [EMAIL_SHAPED_ID_OPTION],
  example: { fields: { id: "u-42", token: "fcm-token-abc123" } },
  build(read, options) {
    const op: PersonDeleteDeviceOp = {
      type: "person",
      action: "delete_device",
      identifiers: requirePersonIdentifiers(read, "", options),
      device: { token: requiredTrimmedText(read, "token") },
    };
    return { kind: "op", op };
  },
});
