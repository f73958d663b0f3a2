import type { PersonIdentifiers } from "../ops.js";
import { NO_IDENTIFIER_REASON } from "../preset-actions.js";
import type { ActionField, ActionOptionSpec, ActionOptions } from "./action-definition.js";
import { type FieldReader, StopSignal } from "./field-reader.js";
import { ifMapping } from "./mapping-defaults.js";

/**
 * Person identifier fields and the rules that pick the one identifier Customer.io receives:
 * `cio_id` > `id` > `email` (exactly one is sent; the others are ignored, never sent as attributes).
 *
 * - `cio_id` is Customer.io's own id. A value written with the `cio_` prefix (how v1 paths and Segment
 *   `userId`s carry it) is accepted and the prefix removed, because v2 bodies carry it bare; a value that
 *   is only the prefix stops the event. It must be letters and digits.
 * - `id` that looks like an email (contains `@`) follows the `email_shaped_id` option: `as_id` (default)
 *   sends it as `id`, `as_email` sends it as `email`, `stop` stops the event. Never guessed silently.
 * - `email` must have the shape `local@domain`.
 * Values are trimmed; blank values count as absent.
 */

export const CIO_ID_PREFIX = "cio_";

/** `$.userId` when it starts with `cio_`: how the preset actions have always read a cio_id. */
export const USER_CIO_ID_MAPPING = ifMapping({ path: "$.userId", starts_with: CIO_ID_PREFIX }, "$.userId");
export const USER_ID_MAPPING = "$.userId";
export const USER_EMAIL_MAPPING = { coalesce: ["$.traits.email", "$.context.traits.email"] };

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const CIO_ID_SHAPE = /^[A-Za-z0-9]+$/;

/**
 * The three identifier fields, `prefix`ed for merge sides (`primary_id`), with their default mappings.
 *
 * @example
 * personIdentifierFields("", { cio_id: USER_CIO_ID_MAPPING, id: "$.userId", email: USER_EMAIL_MAPPING });
 */
export function personIdentifierFields(
  prefix: string,
  defaults: { cio_id?: unknown; id?: unknown; email?: unknown },
  who = "the person",
): ActionField[] {
  const withDefault = (field: ActionField, value: unknown): ActionField =>
    value === undefined ? field : { ...field, default: value };
  return [
    withDefault(
      {
        name: `${prefix}cio_id`,
        kind: "text",
        description: `Customer.io's id of ${who} (a leading cio_ is removed); wins over id and email.`,
      },
      defaults.cio_id,
    ),
    withDefault(
      {
        name: `${prefix}id`,
        kind: "text",
        description: `Your id of ${who}; wins over email. Email-shaped values follow option email_shaped_id.`,
      },
      defaults.id,
    ),
    withDefault(
      {
        name: `${prefix}email`,
        kind: "text",
        description: `Email address of ${who}; used when no id is set.`,
      },
      defaults.email,
    ),
  ];
}

/** The identifier fields of a person action, with the default mappings every person action uses. */
export const PERSON_IDENTIFIER_FIELDS: readonly ActionField[] = personIdentifierFields("", {
  cio_id: USER_CIO_ID_MAPPING,
  id: USER_ID_MAPPING,
  email: USER_EMAIL_MAPPING,
});

export const PERSON_ONE_OF: readonly (readonly string[])[] = [["cio_id", "id", "email"]];

export const EMAIL_SHAPED_ID_OPTION: ActionOptionSpec = {
  name: "email_shaped_id",
  values: ["as_id", "as_email", "stop"],
  default: "as_id",
  description: "An id containing @: send it as id (as_id), as email (as_email), or stop the event (stop).",
};

/**
 * Picks the identifier to send from `<prefix>cio_id`, `<prefix>id`, `<prefix>email`, or null when none
 * is set. Throws a StopSignal for a malformed chosen value or an email-shaped id under `stop`.
 *
 * @example
 * resolvePersonIdentifiers(read, "", { email_shaped_id: "as_id" }); // { id: "u1" } when id is "u1"
 */
export function resolvePersonIdentifiers(
  read: FieldReader,
  prefix: string,
  options: Pick<Required<ActionOptions>, "email_shaped_id">,
): PersonIdentifiers | null {
  const cioIdField = `${prefix}cio_id`;
  const cioId = read.text(cioIdField)?.trim();
  if (cioId !== undefined) {
    const bare = cioId.startsWith(CIO_ID_PREFIX) ? cioId.slice(CIO_ID_PREFIX.length) : cioId;
    if (bare === "") throw new StopSignal(`${cioIdField} is only the cio_ prefix`, cioIdField);
    if (!CIO_ID_SHAPE.test(bare)) {
      throw new StopSignal(`${cioIdField} must contain only letters and digits`, cioIdField);
    }
    return { cio_id: bare };
  }
  const idField = `${prefix}id`;
  const id = read.text(idField)?.trim();
  if (id !== undefined) {
    if (!id.includes("@") || options.email_shaped_id === "as_id") return { id };
    if (options.email_shaped_id === "stop") {
      throw new StopSignal(
        `${idField} looks like an email address (option email_shaped_id is stop)`,
        idField,
      );
    }
    return { email: checkedEmail(id, idField) };
  }
  const emailField = `${prefix}email`;
  const email = read.text(emailField)?.trim();
  return email === undefined ? null : { email: checkedEmail(email, emailField) };
}

function checkedEmail(value: string, field: string): string {
  if (!EMAIL_SHAPE.test(value)) throw new StopSignal(`${field} is not an email address`, field);
  return value;
}

/**
 * Like {@link resolvePersonIdentifiers} for a field set whose one-of group already guaranteed a value.
 *
 * @example
 * requirePersonIdentifiers(read, "primary_", { email_shaped_id: "as_id" }); // { id: "u-42" }
 */
export function requirePersonIdentifiers(
  read: FieldReader,
  prefix: string,
  options: Pick<Required<ActionOptions>, "email_shaped_id">,
): PersonIdentifiers {
  const identifiers = resolvePersonIdentifiers(read, prefix, options);
  if (!identifiers)
    throw new StopSignal(
      prefix === "" ? NO_IDENTIFIER_REASON : `no ${prefix.replace(/_$/, "")} id, email or cio_id`,
    );
  return identifiers;
}

/**
 * A text value trimmed, for identifiers that are not person identifiers (anonymous id, token).
 *
 * @example
 * trimmedText(read, "token"); // "tok-1" when the field is " tok-1 "
 */
export function trimmedText(read: FieldReader, name: string): string | undefined {
  const value = read.text(name)?.trim();
  return value === "" ? undefined : value;
}

/**
 * A required trimmed text value.
 *
 * @example
 * requiredTrimmedText(read, "anonymous_id"); // throws StopSignal("anonymous_id is required") when absent
 */
export function requiredTrimmedText(read: FieldReader, name: string): string {
  const value = trimmedText(read, name);
  if (value === undefined) throw new StopSignal(`${name} is required`, name);
  return value;
}
