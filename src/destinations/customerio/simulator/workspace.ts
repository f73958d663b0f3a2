/**
 * The simulated workspace: people, events, devices, suppressions, objects and delivery metrics, and
 * how each {@link Operation} changes them (track-api.md §2.2–§2.7, §3).
 *
 * Failures the real API answers with 200 (identifier conflicts, an unknown `cio_id`, merge with a
 * missing primary, `_update` on a missing person, a suppressed identifier) change nothing and are
 * written to {@link Workspace.activity}, like the workspace activity log.
 */
import { describePersonKey, type ObjectKey, type PersonKey } from "./identifiers.js";
import { setOwn } from "./limits.js";
import { mergeAttributes, ObjectGraph, type PersonRef, type SimObject } from "./object-graph.js";
import type {
  DeviceInput,
  EventOperation,
  IdentifyOperation,
  MergeOperation,
  ObjectLink,
  Operation,
} from "./operations.js";
import type {
  ActivityEntry,
  ActivityKind,
  DeliveryMetric,
  ReceivedEvent,
  RecordEventsMode,
  SimDevice,
  SimPerson,
} from "./records.js";

export type {
  ActivityEntry,
  ActivityKind,
  DeliveryMetric,
  ReceivedEvent,
  RecordEventsMode,
  SimDevice,
  SimPerson,
} from "./records.js";

interface MutablePerson {
  cioId: string;
  id: string | undefined;
  email: string | undefined;
  attributes: Record<string, unknown>;
  anonymousIds: string[];
  devices: Map<string, SimDevice>;
  createdAtMs: number;
  updatedAtMs: number;
}

type MutableEvent = { -readonly [K in keyof ReceivedEvent]: ReceivedEvent[K] };

/** Events this recent move to the primary person on merge, and attach on identify (§2.5, §2.7). */
const THIRTY_DAYS_SECONDS = 30 * 24 * 3600;
const ACTIVITY_CAP = 10_000;

const suppressionKey = (kind: "id" | "email", value: string) =>
  kind === "email" ? `email:${value.toLowerCase()}` : `id:${value}`;

export interface WorkspaceOptions {
  recordEvents: RecordEventsMode;
  /** Milliseconds since the epoch; injectable so tests control time. */
  clock: () => number;
}

/**
 * The state of one simulated workspace. Mutated only through {@link Workspace.apply}.
 *
 * @example
 * const ws = new Workspace({ recordEvents: "full", clock: Date.now });
 * ws.apply({ op: "identify", person: { kind: "id", value: "42" }, attributes: { plan: "pro" },
 *   updateOnly: false, links: [], linkAction: "add" }, "v2");
 * ws.findPerson({ kind: "id", value: "42" })?.attributes.plan; // "pro"
 */
export class Workspace {
  readonly #options: WorkspaceOptions;
  readonly #people = new Map<string, MutablePerson>();
  readonly #byId = new Map<string, MutablePerson>();
  readonly #byEmail = new Map<string, MutablePerson>();
  readonly #byAnonymousId = new Map<string, MutablePerson>();
  readonly #deviceOwner = new Map<string, MutablePerson>();
  /** Suppressed identifier → the group suppressed with it (an email and an id suppress together). */
  readonly #suppressed = new Map<string, readonly string[]>();
  readonly #events: MutableEvent[] = [];
  readonly #eventIds = new Set<string>();
  readonly #activity: ActivityEntry[] = [];
  readonly #metrics: DeliveryMetric[] = [];
  readonly graph = new ObjectGraph();
  #nextCioId = 1;
  #eventsRecorded = 0;
  #duplicatesIgnored = 0;
  #metricsRecorded = 0;
  #activityTotal = 0;

  constructor(options: WorkspaceOptions) {
    this.#options = options;
  }

  get people(): ReadonlyMap<string, SimPerson> {
    return this.#people;
  }
  /** Every event received, in order; empty when recording only ids. */
  get events(): readonly ReceivedEvent[] {
    return this.#events;
  }
  /** Ids of every accepted event, in order of arrival (kept in both recording modes). */
  get eventIds(): ReadonlySet<string> {
    return this.#eventIds;
  }
  get activity(): readonly ActivityEntry[] {
    return this.#activity;
  }
  get deliveryMetrics(): readonly DeliveryMetric[] {
    return this.#metrics;
  }
  /** Suppressed identifiers, as `id:<id>` or `email:<lowercased email>`. */
  get suppressedIdentifiers(): readonly string[] {
    return [...this.#suppressed.keys()];
  }
  get counters() {
    return {
      people: this.#people.size,
      eventsRecorded: this.#eventsRecorded,
      duplicatesIgnored: this.#duplicatesIgnored,
      deliveryMetrics: this.#metricsRecorded,
      activity: this.#activityTotal,
      objects: this.graph.objects.length,
    };
  }

  /** Finds a person by `id`, `email` (any case) or `cio_id`. */
  findPerson(key: PersonKey): SimPerson | undefined {
    return this.#find(key);
  }

  /** True when the identifier was suppressed and not unsuppressed since. */
  isSuppressed(key: PersonKey): boolean {
    return (
      (key.kind === "id" || key.kind === "email") && this.#suppressed.has(suppressionKey(key.kind, key.value))
    );
  }

  reset(): void {
    for (const map of [this.#people, this.#byId, this.#byEmail, this.#byAnonymousId, this.#deviceOwner])
      map.clear();
    this.#suppressed.clear();
    this.#eventIds.clear();
    this.#events.length = 0;
    this.#activity.length = 0;
    this.#metrics.length = 0;
    this.graph.clear();
    this.#nextCioId = 1;
    this.#eventsRecorded = this.#duplicatesIgnored = this.#metricsRecorded = this.#activityTotal = 0;
  }

  /** Applies one validated operation. */
  apply(operation: Operation, api: "v1" | "v2"): void {
    switch (operation.op) {
      case "identify":
        this.#identify(operation);
        break;
      case "event":
        this.#event(operation, api);
        break;
      case "delete":
        this.#withPerson(operation.person, false, (person) => this.#remove(person));
        break;
      case "suppress":
        this.#suppress(operation.person);
        break;
      case "unsuppress":
        this.#unsuppress(operation.person);
        break;
      case "add_relationships":
      case "delete_relationships": {
        const add = operation.op === "add_relationships";
        this.#withPerson(operation.person, add, (person) => this.#applyLinks(person, operation.links, add));
        break;
      }
      case "add_device":
        this.#withPerson(operation.person, true, (person) => this.#addDevice(person, operation.device));
        break;
      case "delete_device":
        this.#withPerson(operation.person, false, (person) => {
          if (person.devices.delete(operation.token)) this.#deviceOwner.delete(operation.token);
        });
        break;
      case "merge":
        this.#merge(operation);
        break;
      case "object_identify":
      case "object_add_relationships":
      case "object_delete_relationships":
      case "object_delete":
        this.#objectOperation(operation);
        break;
      case "delivery_metric":
        this.#recordMetric(operation, api);
        break;
    }
  }

  #recordMetric(operation: Extract<Operation, { op: "delivery_metric" }>, api: "v1" | "v2"): void {
    this.#metricsRecorded++;
    if (this.#options.recordEvents === "ids") return;
    const { deliveryId, metric, timestamp, deviceToken, recipient } = operation;
    this.#metrics.push({ api, deliveryId, metric, timestamp, deviceToken, recipient });
  }

  #log(kind: ActivityKind, detail: string): void {
    this.#activityTotal++;
    if (this.#activity.length < ACTIVITY_CAP)
      this.#activity.push({ kind, detail, atMs: this.#options.clock() });
  }

  #find(key: PersonKey): MutablePerson | undefined {
    switch (key.kind) {
      case "id":
        return this.#byId.get(key.value);
      case "email":
        return this.#byEmail.get(key.value.toLowerCase());
      case "cio_id":
        return this.#people.get(key.value);
      case "anonymous_id":
        return this.#byAnonymousId.get(key.value);
    }
  }

  /**
   * Runs `action` on the addressed person. A suppressed identifier is ignored, an unknown `cio_id` is
   * dropped, and an unknown `id`/`email` creates the person when `create` is set.
   */
  #withPerson(key: PersonKey, create: boolean, action: (person: MutablePerson) => void): void {
    if (this.isSuppressed(key)) {
      this.#log("suppressed-identifier-ignored", describePersonKey(key));
      return;
    }
    let person = this.#find(key);
    if (!person && key.kind === "cio_id") {
      this.#log("unknown-cio-id-dropped", describePersonKey(key));
      return;
    }
    if (!person && create) person = this.#create(key);
    if (person) action(person);
  }

  #create(key: PersonKey): MutablePerson {
    const now = this.#options.clock();
    const person: MutablePerson = {
      cioId: (0x10000000 + this.#nextCioId++).toString(16),
      id: undefined,
      email: undefined,
      attributes: {},
      anonymousIds: [],
      devices: new Map(),
      createdAtMs: now,
      updatedAtMs: now,
    };
    this.#people.set(person.cioId, person);
    if (key.kind === "id" || key.kind === "email") this.#setIdentifier(person, key.kind, key.value);
    return person;
  }

  #setIdentifier(person: MutablePerson, kind: "id" | "email", value: string): void {
    if (kind === "id") {
      if (person.id !== undefined) this.#byId.delete(person.id);
      person.id = value;
      this.#byId.set(value, person);
    } else {
      if (person.email !== undefined) this.#byEmail.delete(person.email.toLowerCase());
      person.email = value;
      this.#byEmail.set(value.toLowerCase(), person);
    }
  }

  #identify(op: IdentifyOperation): void {
    const bodyId = typeof op.attributes["id"] === "string" ? op.attributes["id"] : undefined;
    const bodyEmail = typeof op.attributes["email"] === "string" ? op.attributes["email"] : undefined;
    const keys: PersonKey[] = [op.person];
    if (bodyId !== undefined) keys.push({ kind: "id", value: bodyId });
    if (bodyEmail !== undefined) keys.push({ kind: "email", value: bodyEmail });
    const suppressed = keys.find((key) => this.isSuppressed(key));
    if (suppressed) {
      this.#log("suppressed-identifier-ignored", describePersonKey(suppressed));
      return;
    }

    // Addressed by cio_id the person must exist, and may change its id or email (§2.2).
    if (op.person.kind === "cio_id") {
      const person = this.#people.get(op.person.value);
      if (!person) {
        this.#log("unknown-cio-id-dropped", describePersonKey(op.person));
        return;
      }
      this.#update(person, op, true);
      return;
    }
    const owners = new Set(keys.map((key) => this.#find(key)).filter((p) => p !== undefined));
    if (owners.size > 1) {
      this.#log(
        "attribute-update-failure",
        `${keys.map(describePersonKey).join(", ")} belong to different people`,
      );
      return;
    }
    let person = [...owners][0];
    if (!person) {
      if (op.updateOnly) {
        this.#log("update-only-person-missing", describePersonKey(op.person));
        return;
      }
      person = this.#create(op.person);
    }
    // An unknown path identifier is given to the person the body identifies (§2.2).
    const pathKey = op.person;
    if (pathKey.kind === "id" || pathKey.kind === "email") {
      if (this.#conflicts(person, pathKey.kind, pathKey.value)) {
        this.#log(
          "attribute-update-failure",
          `${describePersonKey(pathKey)} would replace an identifier already set`,
        );
        return;
      }
      if (person[pathKey.kind] === undefined) this.#setIdentifier(person, pathKey.kind, pathKey.value);
    }
    this.#update(person, op, false);
  }

  /** True when the person already has a different value for this identifier. */
  #conflicts(person: MutablePerson, kind: "id" | "email", value: string): boolean {
    const current = person[kind];
    if (current === undefined) return false;
    return kind === "email" ? current.toLowerCase() !== value.toLowerCase() : current !== value;
  }

  #update(person: MutablePerson, op: IdentifyOperation, mayChangeIdentifiers: boolean): void {
    const changes: Array<["id" | "email", string]> = [];
    for (const kind of ["id", "email"] as const) {
      const value = op.attributes[kind];
      if (typeof value !== "string") continue;
      const owner = this.#find({ kind, value });
      if (owner && owner !== person) {
        this.#log("attribute-update-failure", `${kind} ${value} already belongs to another person`);
        return;
      }
      if (this.#conflicts(person, kind, value) && !mayChangeIdentifiers) {
        this.#log(
          "attribute-update-failure",
          `cannot change ${kind} of ${describePersonKey(op.person)} unless addressed by cio_id`,
        );
        return;
      }
      changes.push([kind, value]);
    }
    for (const [kind, value] of changes) this.#setIdentifier(person, kind, value);
    const anonymousId = op.attributes["anonymous_id"];
    if (typeof anonymousId === "string" && anonymousId !== "") this.#claimAnonymousId(person, anonymousId);
    if (this.#options.recordEvents === "full") mergeAttributes(person.attributes, op.attributes);
    person.updatedAtMs = this.#options.clock();
    this.#applyLinks(person, op.links, op.linkAction === "add");
  }

  /** Attaches earlier anonymous events (within 30 days) and relationships to the person (§2.5). */
  #claimAnonymousId(person: MutablePerson, anonymousId: string): void {
    if (!person.anonymousIds.includes(anonymousId)) person.anonymousIds.push(anonymousId);
    this.#byAnonymousId.set(anonymousId, person);
    const oldest = this.#options.clock() / 1000 - THIRTY_DAYS_SECONDS;
    for (const event of this.#events) {
      if (event.anonymousId === anonymousId && event.personCioId === undefined && event.timestamp >= oldest) {
        event.personCioId = person.cioId;
      }
    }
    this.graph.reassign({ anonymousId }, { personCioId: person.cioId });
  }

  #applyLinks(person: MutablePerson, links: readonly ObjectLink[], add: boolean): void {
    for (const link of links) {
      const object = this.#resolveObject(link.object, add);
      if (!object) continue;
      if (add) this.graph.link({ personCioId: person.cioId }, object, link.attributes);
      else this.graph.unlink({ personCioId: person.cioId }, object);
    }
  }

  #resolveObject(key: ObjectKey, create: boolean): SimObject | undefined {
    const object = this.graph.resolve(key, create);
    if (!object && "cioObjectId" in key) this.#log("unknown-object", `cio_object_id ${key.cioObjectId}`);
    return object;
  }

  #event(op: EventOperation, api: "v1" | "v2"): void {
    if (op.id !== undefined && this.#eventIds.has(op.id)) {
      this.#duplicatesIgnored++;
      return;
    }
    let person: MutablePerson | undefined;
    if (op.person) {
      let found: MutablePerson | undefined;
      this.#withPerson(op.person, true, (p) => {
        found = p;
      });
      if (!found) return;
      person = found;
    } else if (op.anonymousId !== undefined) {
      person = this.#byAnonymousId.get(op.anonymousId);
    }
    if (op.id !== undefined) this.#eventIds.add(op.id);
    this.#eventsRecorded++;
    if (this.#options.recordEvents === "ids") return;
    this.#events.push({
      api,
      action: op.action,
      name: op.name,
      id: op.id,
      timestamp: op.timestamp,
      identifier: op.person,
      anonymousId: op.anonymousId,
      personCioId: person?.cioId,
      attributes: op.attributes,
      receivedAtMs: this.#options.clock(),
    });
  }

  #remove(person: MutablePerson): void {
    this.#people.delete(person.cioId);
    if (person.id !== undefined) this.#byId.delete(person.id);
    if (person.email !== undefined) this.#byEmail.delete(person.email.toLowerCase());
    for (const anonymousId of person.anonymousIds) this.#byAnonymousId.delete(anonymousId);
    for (const token of person.devices.keys()) this.#deviceOwner.delete(token);
    this.graph.forgetPerson({ personCioId: person.cioId });
  }

  /** Deletes the profile and suppresses its identifiers; an email and an id suppress together (§2.3). */
  #suppress(key: PersonKey): void {
    const person = this.#find(key);
    if (!person && key.kind === "cio_id") {
      this.#log("unknown-cio-id-dropped", describePersonKey(key));
      return;
    }
    const group: string[] = [];
    if (person?.id !== undefined) group.push(suppressionKey("id", person.id));
    if (person?.email !== undefined) group.push(suppressionKey("email", person.email));
    if (!person && (key.kind === "id" || key.kind === "email"))
      group.push(suppressionKey(key.kind, key.value));
    for (const entry of group) this.#suppressed.set(entry, group);
    if (person) this.#remove(person);
  }

  #unsuppress(key: PersonKey): void {
    if (key.kind !== "id" && key.kind !== "email") return;
    const group = this.#suppressed.get(suppressionKey(key.kind, key.value));
    for (const entry of group ?? []) this.#suppressed.delete(entry);
  }

  #addDevice(person: MutablePerson, device: DeviceInput | SimDevice): void {
    const previous = this.#deviceOwner.get(device.token);
    if (previous && previous !== person) previous.devices.delete(device.token);
    person.devices.set(device.token, {
      token: device.token,
      platform: device.platform,
      lastUsed: device.lastUsed,
      attributes: device.attributes,
    });
    this.#deviceOwner.set(device.token, person);
  }

  /**
   * Merges the secondary into the primary (§2.7): a missing primary is a no-op; attributes empty on
   * the primary, devices, relationships and the last 30 days of events move; the secondary is deleted.
   */
  #merge(op: MergeOperation): void {
    const suppressed = [op.primary, op.secondary].find((key) => this.isSuppressed(key));
    if (suppressed) {
      this.#log("suppressed-identifier-ignored", describePersonKey(suppressed));
      return;
    }
    const primary = this.#find(op.primary);
    if (!primary) {
      this.#log("merge-primary-missing", describePersonKey(op.primary));
      return;
    }
    const secondary = this.#find(op.secondary);
    if (!secondary) {
      this.#log("merge-secondary-missing", describePersonKey(op.secondary));
      return;
    }
    if (primary === secondary) return;
    this.#remove(secondary);
    for (const [key, value] of Object.entries(secondary.attributes)) {
      const current = Object.hasOwn(primary.attributes, key) ? primary.attributes[key] : undefined;
      if (current === undefined || current === null || current === "") setOwn(primary.attributes, key, value);
    }
    if (primary.id === undefined && secondary.id !== undefined)
      this.#setIdentifier(primary, "id", secondary.id);
    if (primary.email === undefined && secondary.email !== undefined) {
      this.#setIdentifier(primary, "email", secondary.email);
    }
    for (const anonymousId of secondary.anonymousIds) this.#claimAnonymousId(primary, anonymousId);
    for (const device of secondary.devices.values()) this.#addDevice(primary, device);
    this.graph.reassign({ personCioId: secondary.cioId }, { personCioId: primary.cioId });
    const oldest = this.#options.clock() / 1000 - THIRTY_DAYS_SECONDS;
    for (const event of this.#events) {
      if (event.personCioId === secondary.cioId && event.timestamp >= oldest)
        event.personCioId = primary.cioId;
    }
    primary.updatedAtMs = this.#options.clock();
  }

  #objectOperation(
    op: Extract<
      Operation,
      { op: "object_identify" | "object_add_relationships" | "object_delete_relationships" | "object_delete" }
    >,
  ): void {
    const create = op.op === "object_identify" || op.op === "object_add_relationships";
    const object = this.#resolveObject(op.object, create);
    if (!object) return;
    if (op.op === "object_delete") {
      this.graph.deleteObject(object);
      return;
    }
    if (op.op === "object_identify" && this.#options.recordEvents === "full") {
      this.graph.updateAttributes(object, op.attributes);
    }
    const add = op.op !== "object_delete_relationships";
    for (const link of op.links) {
      if (link.person.kind === "anonymous_id") {
        const owner = this.#byAnonymousId.get(link.person.value);
        const ref: PersonRef = owner ? { personCioId: owner.cioId } : { anonymousId: link.person.value };
        this.graph.link(ref, object, link.attributes);
        continue;
      }
      this.#withPerson(link.person, add, (person) => {
        if (add) this.graph.link({ personCioId: person.cioId }, object, link.attributes);
        else this.graph.unlink({ personCioId: person.cioId }, object);
      });
    }
  }
}
