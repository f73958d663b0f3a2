/**
 * Customer.io Track API v2 entity operations that Sluice sends (`POST /api/v2/batch`), as the official
 * OpenAPI spec names them (`identify_person`, `person_event`). Exactly one identifier per person.
 */
export type PersonIdentifiers = { id: string } | { email: string } | { cio_id: string };

export type Attributes = Record<string, unknown>;

export interface PersonIdentifyOp {
  type: "person";
  action: "identify";
  identifiers: PersonIdentifiers;
  attributes?: Attributes;
  /** Integer Unix seconds; orders attribute updates sent close together. */
  timestamp?: number;
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

export type CustomerioOp = PersonIdentifyOp | PersonEventOp;
