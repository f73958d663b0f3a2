/**
 * Objects (companies, accounts, ...) and their relationships to people, as the simulated workspace
 * holds them (track-api.md §3 "object", §8.4).
 */
import type { ObjectKey } from "./identifiers.js";
import { setOwn } from "./limits.js";

/** One object in the workspace. */
export interface SimObject {
  readonly cioObjectId: string;
  readonly objectTypeId: string;
  readonly objectId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** One person–object relationship. Exactly one of `personCioId` and `anonymousId` is set. */
export interface SimRelationship {
  readonly personCioId: string | undefined;
  /** Set by `identify_anonymous` until an identify carrying this `anonymous_id` claims it. */
  readonly anonymousId: string | undefined;
  readonly objectTypeId: string;
  readonly objectId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface MutableObject {
  cioObjectId: string;
  objectTypeId: string;
  objectId: string;
  attributes: Record<string, unknown>;
}

interface MutableRelationship {
  personCioId: string | undefined;
  anonymousId: string | undefined;
  objectTypeId: string;
  objectId: string;
  attributes: Record<string, unknown>;
}

/** Who is on the person side of a relationship. */
export type PersonRef = { personCioId: string } | { anonymousId: string };

const objectKeyOf = (typeId: string, objectId: string) => `${typeId}\u0000${objectId}`;
const personRefKey = (ref: PersonRef) =>
  "personCioId" in ref ? `p\u0000${ref.personCioId}` : `a\u0000${ref.anonymousId}`;

/**
 * Sets attributes the way the Track API does: `null` or `""` removes an attribute (§3, §8.4).
 *
 * @example
 * const target = { a: 1, b: 2 };
 * mergeAttributes(target, { a: null, c: 3 }); // target is { b: 2, c: 3 }
 */
export function mergeAttributes(target: Record<string, unknown>, changes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") delete target[key];
    else setOwn(target, key, value);
  }
}

/**
 * Objects keyed by type and id, and the relationships between them and people.
 *
 * @example
 * const graph = new ObjectGraph();
 * const acme = graph.resolve({ objectTypeId: "1", objectId: "acme" }, true);
 * if (acme) graph.link({ personCioId: "10000001" }, acme, { role: "admin" });
 */
export class ObjectGraph {
  readonly #objects = new Map<string, MutableObject>();
  readonly #byCioObjectId = new Map<string, MutableObject>();
  /** Keyed by person ref, then object key. */
  readonly #relationships = new Map<string, MutableRelationship>();
  #nextId = 1;

  get objects(): readonly SimObject[] {
    return [...this.#objects.values()];
  }

  get relationships(): readonly SimRelationship[] {
    return [...this.#relationships.values()];
  }

  /** Finds an object; with `create`, a missing `{object_type_id, object_id}` object is created. */
  resolve(key: ObjectKey, create: boolean): SimObject | undefined {
    if ("cioObjectId" in key) return this.#byCioObjectId.get(key.cioObjectId);
    const mapKey = objectKeyOf(key.objectTypeId, key.objectId);
    const found = this.#objects.get(mapKey);
    if (found || !create) return found;
    const created: MutableObject = {
      cioObjectId: `obj${(this.#nextId++).toString(16).padStart(6, "0")}`,
      objectTypeId: key.objectTypeId,
      objectId: key.objectId,
      attributes: {},
    };
    this.#objects.set(mapKey, created);
    this.#byCioObjectId.set(created.cioObjectId, created);
    return created;
  }

  updateAttributes(object: SimObject, attributes: Record<string, unknown>): void {
    const target = this.#objects.get(objectKeyOf(object.objectTypeId, object.objectId));
    if (target) mergeAttributes(target.attributes, attributes);
  }

  deleteObject(object: SimObject): void {
    this.#objects.delete(objectKeyOf(object.objectTypeId, object.objectId));
    this.#byCioObjectId.delete(object.cioObjectId);
    for (const [key, rel] of this.#relationships) {
      if (rel.objectTypeId === object.objectTypeId && rel.objectId === object.objectId) {
        this.#relationships.delete(key);
      }
    }
  }

  /** Adds (or updates the attributes of) a relationship. */
  link(ref: PersonRef, object: SimObject, attributes: Record<string, unknown>): void {
    const key = `${personRefKey(ref)}\u0000${objectKeyOf(object.objectTypeId, object.objectId)}`;
    const existing = this.#relationships.get(key);
    if (existing) {
      mergeAttributes(existing.attributes, attributes);
      return;
    }
    const rel: MutableRelationship = {
      personCioId: "personCioId" in ref ? ref.personCioId : undefined,
      anonymousId: "anonymousId" in ref ? ref.anonymousId : undefined,
      objectTypeId: object.objectTypeId,
      objectId: object.objectId,
      attributes: {},
    };
    mergeAttributes(rel.attributes, attributes);
    this.#relationships.set(key, rel);
  }

  unlink(ref: PersonRef, object: SimObject): void {
    this.#relationships.delete(
      `${personRefKey(ref)}\u0000${objectKeyOf(object.objectTypeId, object.objectId)}`,
    );
  }

  /** Moves every relationship of `from` to `to` (merge, or an identify claiming an anonymous id). */
  reassign(from: PersonRef, to: PersonRef): void {
    const prefix = `${personRefKey(from)}\u0000`;
    for (const [key, rel] of [...this.#relationships]) {
      if (!key.startsWith(prefix)) continue;
      this.#relationships.delete(key);
      const object = this.#objects.get(objectKeyOf(rel.objectTypeId, rel.objectId));
      if (object) this.link(to, object, rel.attributes);
    }
  }

  /** Removes every relationship of a deleted person. */
  forgetPerson(ref: PersonRef): void {
    const prefix = `${personRefKey(ref)}\u0000`;
    for (const key of [...this.#relationships.keys()]) {
      if (key.startsWith(prefix)) this.#relationships.delete(key);
    }
  }

  clear(): void {
    this.#objects.clear();
    this.#byCioObjectId.clear();
    this.#relationships.clear();
    this.#nextId = 1;
  }
}
