/**
 * The records the simulated workspace holds, as tests and the control endpoints read them.
 */
import type { PersonKey } from "./identifiers.js";
import type { EventAction } from "./operations.js";

/** What the simulator keeps of each event: everything, or only ids and counters (benchmarks). */
export type RecordEventsMode = "full" | "ids";

export interface SimDevice {
  readonly token: string;
  readonly platform: "ios" | "android";
  readonly lastUsed: number | string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SimPerson {
  /** The workspace's own id for the person (address it in v1 paths as `cio_<cioId>`). */
  readonly cioId: string;
  readonly id: string | undefined;
  /** As first sent; lookups ignore case. */
  readonly email: string | undefined;
  /**
   * Attributes as sent (including `email`, `id` or `anonymous_id` when they were sent as attributes),
   * merged over time; directives such as `_update` are not kept. Empty when recording only ids.
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly anonymousIds: readonly string[];
  readonly devices: ReadonlyMap<string, SimDevice>;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface ReceivedEvent {
  readonly api: "v1" | "v2";
  readonly action: EventAction;
  readonly name: string;
  readonly id: string | undefined;
  /** Unix seconds (an invalid value was already replaced with the time of receipt). */
  readonly timestamp: number;
  /** The identifier as sent; null for anonymous events. */
  readonly identifier: PersonKey | null;
  readonly anonymousId: string | undefined;
  /** The person the event belongs to now (after merges and anonymous-event attachment). */
  readonly personCioId: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly receivedAtMs: number;
}

export type ActivityKind =
  | "attribute-update-failure"
  | "unknown-cio-id-dropped"
  | "suppressed-identifier-ignored"
  | "update-only-person-missing"
  | "merge-primary-missing"
  | "merge-secondary-missing"
  | "unknown-object";

/** A failure the API answered with 200 but the workspace activity log would show. */
export interface ActivityEntry {
  readonly kind: ActivityKind;
  readonly detail: string;
  readonly atMs: number;
}

export interface DeliveryMetric {
  readonly api: "v1" | "v2";
  readonly deliveryId: string;
  readonly metric: string;
  readonly deviceToken: string | undefined;
  readonly recipient: string | undefined;
  readonly timestamp: number;
}
