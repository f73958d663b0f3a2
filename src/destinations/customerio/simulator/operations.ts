/**
 * Operations: what a valid v1 request or v2 item asks the simulated workspace to do. Both API versions
 * validate into these, and the store applies them, so v1 and v2 share one set of semantics.
 */
import type { ObjectKey, PersonKey } from "./identifiers.js";

/** A person → object relationship (person-side `cio_relationships`). */
export interface ObjectLink {
  object: ObjectKey;
  attributes: Record<string, unknown>;
}

/** An object → person relationship (object-side `cio_relationships`). */
export interface PersonLink {
  person: PersonKey;
  attributes: Record<string, unknown>;
}

export type EventAction = "event" | "page" | "screen";

export interface IdentifyOperation {
  op: "identify";
  person: PersonKey;
  /** Attributes to set, including `id`/`email`/`anonymous_id`; directives already removed. */
  attributes: Record<string, unknown>;
  /** `_update: true`: update an existing person, never create one. */
  updateOnly: boolean;
  links: readonly ObjectLink[];
  /** v1 `cio_relationships.action`; v2 identify always adds. */
  linkAction: "add" | "delete";
}

export interface EventOperation {
  op: "event";
  action: EventAction;
  /** Null for a v1 anonymous event without `anonymous_id` (an "invite" event). */
  person: PersonKey | null;
  /** Set for anonymous events (v1 `anonymous_id`, or v2 `identifiers.anonymous_id`). */
  anonymousId?: string;
  name: string;
  id?: string;
  /** Unix seconds, after replacing an invalid value with now. */
  timestamp: number;
  attributes: Record<string, unknown>;
}

export interface PersonOperation {
  op: "delete" | "suppress" | "unsuppress";
  person: PersonKey;
}

export interface PersonLinksOperation {
  op: "add_relationships" | "delete_relationships";
  person: PersonKey;
  links: readonly ObjectLink[];
}

export interface DeviceInput {
  token: string;
  platform: "ios" | "android";
  /** Unix seconds; Go sends it as a string, which the simulator accepts (track-api.md §2.6). */
  lastUsed?: number | string;
  attributes: Record<string, string>;
}

export interface AddDeviceOperation {
  op: "add_device";
  person: PersonKey;
  device: DeviceInput;
}

export interface DeleteDeviceOperation {
  op: "delete_device";
  person: PersonKey;
  token: string;
}

export interface MergeOperation {
  op: "merge";
  primary: PersonKey;
  secondary: PersonKey;
}

export interface ObjectIdentifyOperation {
  op: "object_identify";
  object: ObjectKey;
  attributes: Record<string, unknown>;
  links: readonly PersonLink[];
  /** `identify_anonymous`: links carry `anonymous_id` person keys. */
  anonymous: boolean;
}

export interface ObjectDeleteOperation {
  op: "object_delete";
  object: ObjectKey;
}

export interface ObjectLinksOperation {
  op: "object_add_relationships" | "object_delete_relationships";
  object: ObjectKey;
  links: readonly PersonLink[];
}

export interface DeliveryMetricOperation {
  op: "delivery_metric";
  deliveryId: string;
  metric: string;
  deviceToken?: string;
  recipient?: string;
  timestamp: number;
}

export type Operation =
  | IdentifyOperation
  | EventOperation
  | PersonOperation
  | PersonLinksOperation
  | AddDeviceOperation
  | DeleteDeviceOperation
  | MergeOperation
  | ObjectIdentifyOperation
  | ObjectDeleteOperation
  | ObjectLinksOperation
  | DeliveryMetricOperation;
