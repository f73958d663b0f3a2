import type { PersonIdentifiers, PersonMergeOp } from "../ops.js";
import type { ActionDefinition } from "./action-definition.js";
import { defineAction } from "./action-definition.js";
import { StopSignal } from "./field-reader.js";
import { ifMapping, typeTrigger } from "./mapping-defaults.js";
import {
  CIO_ID_PREFIX,
  EMAIL_SHAPED_ID_OPTION,
  personIdentifierFields,
  requirePersonIdentifiers,
} from "./person-identifiers.js";

/**
 * `merge_people` (Segment alias): merges the secondary person into the primary, then deletes the
 * secondary. The item has `primary` and `secondary` (one identifier each) and no `identifiers` key.
 * The primary must already exist, or Customer.io does nothing (still answering 200).
 */

const startsWithCio = (path: string) => ifMapping({ path, starts_with: CIO_ID_PREFIX }, path);

/** Same kind and value (emails compare without case, as Customer.io looks them up). */
function samePerson(a: PersonIdentifiers, b: PersonIdentifiers): boolean {
  if ("email" in a && "email" in b) return a.email.toLowerCase() === b.email.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

export const MERGE_PEOPLE_ACTION: ActionDefinition = defineAction({
  type: "merge_people",
  title: "Merge people",
  description:
    "Merge the secondary person into the primary (Segment alias) and delete the secondary; the primary " +
    "must already exist. Not reversible.",
  endpoint: "track-v2-batch",
  fields: [
    ...personIdentifierFields(
      "primary_",
      { cio_id: startsWithCio("$.userId"), id: "$.userId" },
      "the person who remains",
    ),
    ...personIdentifierFields(
      "secondary_",
      { cio_id: startsWithCio("$.previousId"), id: "$.previousId" },
      "the person merged and deleted",
    ),
  ],
  oneOf: [
    ["primary_cio_id", "primary_id", "primary_email"],
    ["secondary_cio_id", "secondary_id", "secondary_email"],
  ],
  presetTrigger: typeTrigger("alias"),
  options: [EMAIL_SHAPED_ID_OPTION],
  example: { fields: { primary_id: "u-42", secondary_email: "jane.old@example.com" } },
  build(read, options) {
    const primary = requirePersonIdentifiers(read, "primary_", options);
    const secondary = requirePersonIdentifiers(read, "secondary_", options);
    if (samePerson(primary, secondary)) {
      throw new StopSignal("primary and secondary are the same person");
    }
    const op: PersonMergeOp = { type: "person", action: "merge", primary, secondary };
    return { kind: "op", op };
  },
});
