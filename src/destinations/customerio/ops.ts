/**
 * Customer.io Track API v2 entity operations that Sluice sends (`POST /api/v2/batch`), as the official
 * OpenAPI spec names them (`identify_person`, `person_event`, `person_merge`, `object_identify`, ...),
 * plus the two v1 request bodies the action catalogue builds (`POST /api/v1/events`, `/api/v1/metrics`).
 * Exactly one identifier per person; a `cio_id` never carries the `cio_` prefix here.
 */
export type PersonIdentifiers = { id: string } | { email: string } | { cio_id: string };

/** An object by type and id; `object_type_id` is a string-formatted integer starting at "1". */
export interface ObjectIdentifiers {
  object_type_id: string;
  object_id: string;
}

export type Attributes = Record<string, unknown>;

/** A person's relationship to an object (person-side `cio_relationships` item). */
export interface ObjectRelationship {
  identifiers: ObjectIdentifiers;
  relationship_attributes?: Attributes;
}

/** An object's relationship to a person (object-side `cio_relationships` item). */
export interface PersonRelationship {
  identifiers: PersonIdentifiers;
  relationship_attributes?: Attributes;
}

/** An object's relationship to a person known only by an anonymous id (`identify_anonymous`). */
export interface AnonymousRelationship {
  identifiers: { anonymous_id: string };
  relationship_attributes?: Attributes;
}

export interface PersonIdentifyOp {
  type: "person";
  action: "identify";
  identifiers: PersonIdentifiers;
  attributes?: Attributes;
  /** Integer Unix seconds; orders attribute updates sent close together. */
  timestamp?: number;
  /** Objects to relate the person to while identifying. */
  cio_relationships?: ObjectRelationship[];
}

export interface PersonEventOp {
  type: "person";
  action: "event";
  identifiers: PersonIdentifiers;
  name: string;
  /** Dedupe id: Customer.io ignores a repeat. Sluice uses the event's messageId. */
  id?: string;
  /** Integer Unix seconds. */
  timestamp?: number;
  attributes?: Attributes;
}

/** A page view: `name` is the page (URL or path). Otherwise shaped like an event. */
export interface PersonPageOp extends Omit<PersonEventOp, "action"> {
  action: "page";
}

/** A mobile screen view: `name` is the screen. Otherwise shaped like an event. */
export interface PersonScreenOp extends Omit<PersonEventOp, "action"> {
  action: "screen";
}

/** `delete` removes the person; `suppress` deletes and suppresses their identifiers; `unsuppress` lifts it. */
export interface PersonLifecycleOp {
  type: "person";
  action: "delete" | "suppress" | "unsuppress";
  identifiers: PersonIdentifiers;
}

export interface PersonRelationshipsOp {
  type: "person";
  action: "add_relationships" | "delete_relationships";
  identifiers: PersonIdentifiers;
  /** At least one. */
  cio_relationships: ObjectRelationship[];
}

export type DevicePlatform = "ios" | "android";

export interface PersonAddDeviceOp {
  type: "person";
  action: "add_device";
  identifiers: PersonIdentifiers;
  device: {
    /** The push token (v2 names it `token`; v1 names it `id`). */
    token: string;
    platform: DevicePlatform;
    /** Integer Unix seconds. */
    last_used?: number;
    /** String values only (`device_os`, `app_version`, `push_enabled: "true"`, custom keys). */
    attributes?: Record<string, string>;
  };
}

export interface PersonDeleteDeviceOp {
  type: "person";
  action: "delete_device";
  identifiers: PersonIdentifiers;
  device: { token: string };
}

/** Merges `secondary` into `primary` (which must exist) and deletes `secondary`. No `identifiers` key. */
export interface PersonMergeOp {
  type: "person";
  action: "merge";
  primary: PersonIdentifiers;
  secondary: PersonIdentifiers;
}

export interface ObjectIdentifyOp {
  type: "object";
  action: "identify";
  identifiers: ObjectIdentifiers;
  /** `null` or `""` removes an attribute. */
  attributes?: Attributes;
  cio_relationships?: PersonRelationship[];
}

export interface ObjectIdentifyAnonymousOp {
  type: "object";
  action: "identify_anonymous";
  identifiers: ObjectIdentifiers;
  attributes?: Attributes;
  cio_relationships?: AnonymousRelationship[];
}

export interface ObjectDeleteOp {
  type: "object";
  action: "delete";
  identifiers: ObjectIdentifiers;
}

export type PersonOp =
  | PersonIdentifyOp
  | PersonEventOp
  | PersonPageOp
  | PersonScreenOp
  | PersonLifecycleOp
  | PersonRelationshipsOp
  | PersonAddDeviceOp
  | PersonDeleteDeviceOp
  | PersonMergeOp;

export type ObjectOp = ObjectIdentifyOp | ObjectIdentifyAnonymousOp | ObjectDeleteOp;

/**
 * The ops the two preset actions build (`preset-actions.ts`). Kept as this pair so code that reads
 * `op.timestamp` after a preset mapping still type-checks; every op is a {@link CustomerioBatchOp}.
 */
export type CustomerioOp = PersonIdentifyOp | PersonEventOp;

/** Any one `/api/v2/batch` item Sluice builds (every action of the catalogue). */
export type CustomerioBatchOp = PersonOp | ObjectOp;

/**
 * `POST /api/v1/events` body: an event for a person known only by `anonymous_id`. Customer.io attaches it
 * (within 30 days) to the person whose identify later carries the same `anonymous_id` attribute.
 */
export interface AnonymousEventBody {
  anonymous_id: string;
  name: string;
  /** Dedupe id. */
  id?: string;
  /** Integer Unix seconds. */
  timestamp?: number;
  data?: Attributes;
}

export const DELIVERY_METRICS = [
  "bounced",
  "clicked",
  "converted",
  "deferred",
  "delivered",
  "dropped",
  "opened",
  "spammed",
] as const;

export type DeliveryMetricName = (typeof DELIVERY_METRICS)[number];

/** `POST /api/v1/metrics` body: a delivery metric for a message Customer.io sent. */
export interface DeliveryMetricBody {
  delivery_id: string;
  metric: DeliveryMetricName;
  /** Integer Unix seconds; Customer.io uses the time of receipt when absent. */
  timestamp?: number;
  recipient?: string;
  reason?: string;
  href?: string;
}
