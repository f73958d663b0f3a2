import {
  TRANSFORM_NAMES,
  TRANSFORMS_WITH_OPTIONAL_OPTIONS,
  TRANSFORMS_WITH_REQUIRED_OPTIONS,
} from "../../../src/mapping/index.js";

/**
 * The mapping editor's form model of one destination field, and its two-way conversion with the
 * mapping language (docs/mapping.md#expressions). A field's source is a path, a template or a static
 * value, with a transform chain; anything richer (coalesce, if, object, each) is edited as JSON rather
 * than rewritten. The action's default mapping is used when the field is left out of `fields`.
 */

export type SourceKind = "default" | "path" | "template" | "static" | "expression" | "none";

export type StaticType = "text" | "number" | "boolean" | "json";

export interface TransformItem {
  name: string;
  /** The transform's options as JSON text (`{"bytes": 100}`), "" for none. */
  options: string;
}

export interface FieldForm {
  kind: SourceKind;
  path: string;
  template: string;
  staticValue: string;
  staticType: StaticType;
  /** The whole mapping as JSON, for `expression`. */
  expression: string;
  transforms: TransformItem[];
}

export { TRANSFORM_NAMES };

const WITH_OPTIONS = new Set<string>([
  ...TRANSFORMS_WITH_REQUIRED_OPTIONS,
  ...TRANSFORMS_WITH_OPTIONAL_OPTIONS,
]);
const REQUIRED_OPTIONS = new Set<string>(TRANSFORMS_WITH_REQUIRED_OPTIONS);

/** Whether a transform takes options, and an example of them. */
export function transformOptions(name: string): { takes: boolean; required: boolean; example: string } {
  const examples: Record<string, string> = {
    truncate: '{"bytes": 100}',
    pick: '["email", "plan"]',
    omit: '["ssn"]',
    hash_phone: '{"default_country_code": "44"}',
    e164: '{"default_country_code": "44"}',
  };
  return {
    takes: WITH_OPTIONS.has(name),
    required: REQUIRED_OPTIONS.has(name),
    example: examples[name] ?? "",
  };
}

export function emptyForm(kind: SourceKind): FieldForm {
  return {
    kind,
    path: "",
    template: "",
    staticValue: "",
    staticType: "text",
    expression: "",
    transforms: [],
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const looksLikePath = (text: string) => text.startsWith("$") || text.startsWith("@");

/** A `transforms` list as items, or null when it is not a list of names / one-key objects. */
function transformItems(raw: unknown): TransformItem[] | null {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return null;
  const items: TransformItem[] = [];
  for (const item of raw) {
    if (typeof item === "string") items.push({ name: item, options: "" });
    else if (isRecord(item) && Object.keys(item).length === 1) {
      const [name, options] = Object.entries(item)[0]!;
      items.push({ name, options: JSON.stringify(options) });
    } else return null;
  }
  return items;
}

function staticForm(value: unknown, transforms: TransformItem[]): FieldForm {
  const base = { ...emptyForm("static"), transforms };
  if (typeof value === "string") return { ...base, staticValue: value, staticType: "text" };
  if (typeof value === "number") return { ...base, staticValue: String(value), staticType: "number" };
  if (typeof value === "boolean") return { ...base, staticValue: String(value), staticType: "boolean" };
  return { ...base, staticValue: JSON.stringify(value), staticType: "json" };
}

/**
 * The form of a field as configured. `configured` is false when the field is not in `fields` (it
 * then uses the action's default mapping, if it has one).
 *
 * @example
 * formFromMapping({ path: "$.traits.email", transforms: ["trim"] }, true, true).kind // "path"
 */
export function formFromMapping(raw: unknown, configured: boolean, hasDefault: boolean): FieldForm {
  if (!configured) return emptyForm(hasDefault ? "default" : "none");
  if (raw === null) return emptyForm("none");
  const asExpression = { ...emptyForm("expression"), expression: JSON.stringify(raw, null, 2) };
  if (typeof raw === "string") {
    if (looksLikePath(raw)) return { ...emptyForm("path"), path: raw };
    if (raw.includes("{{")) return { ...emptyForm("template"), template: raw };
    return staticForm(raw, []);
  }
  if (typeof raw === "number" || typeof raw === "boolean") return staticForm(raw, []);
  if (!isRecord(raw)) return asExpression;
  const keys = Object.keys(raw).filter((key) => key !== "transforms");
  if (keys.length !== 1) return asExpression;
  const transforms = transformItems(raw["transforms"]);
  if (transforms === null) return asExpression;
  const [directive] = keys;
  const value = raw[directive!];
  if (directive === "path" && typeof value === "string")
    return { ...emptyForm("path"), path: value, transforms };
  if (directive === "template" && typeof value === "string")
    return { ...emptyForm("template"), template: value, transforms };
  if (directive === "literal") {
    if (value === null && transforms.length === 0) return emptyForm("none");
    return staticForm(value, transforms);
  }
  return asExpression;
}

export type MappingResult =
  /** Leave the field out of `fields` (the default mapping applies, or nothing is sent). */
  { ok: true; omit: true } | { ok: true; omit: false; value: unknown } | { ok: false; error: string };

function transformsValue(
  items: readonly TransformItem[],
): { ok: true; value: unknown[] } | { ok: false; error: string } {
  const value: unknown[] = [];
  for (const [index, item] of items.entries()) {
    if (item.options.trim() === "") {
      value.push(item.name);
      continue;
    }
    try {
      value.push({ [item.name]: JSON.parse(item.options) });
    } catch {
      return { ok: false, error: `transform ${index + 1} (${item.name}): options are not valid JSON` };
    }
  }
  return { ok: true, value };
}

/**
 * The mapping to configure for a form (the short forms when they say the same thing), or a local
 * error (bad JSON) — everything else is checked by the mapping compiler, as on the server.
 *
 * @example
 * mappingFromForm({ ...emptyForm("path"), path: "$.userId" }, true) // { ok: true, omit: false, value: "$.userId" }
 */
export function mappingFromForm(form: FieldForm, hasDefault: boolean): MappingResult {
  if (form.kind === "default") return { ok: true, omit: true };
  if (form.kind === "none")
    return hasDefault ? { ok: true, omit: false, value: null } : { ok: true, omit: true };
  if (form.kind === "expression") {
    try {
      return { ok: true, omit: false, value: JSON.parse(form.expression) };
    } catch (error) {
      return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
  const transforms = transformsValue(form.transforms);
  if (!transforms.ok) return transforms;
  const withTransforms = (directive: string, value: unknown): MappingResult => ({
    ok: true,
    omit: false,
    value:
      transforms.value.length === 0
        ? { [directive]: value }
        : { [directive]: value, transforms: transforms.value },
  });
  if (form.kind === "path") {
    const path = form.path.trim();
    if (transforms.value.length === 0 && looksLikePath(path)) return { ok: true, omit: false, value: path };
    return withTransforms("path", path);
  }
  if (form.kind === "template") {
    if (transforms.value.length === 0 && form.template.includes("{{") && !looksLikePath(form.template))
      return { ok: true, omit: false, value: form.template };
    return withTransforms("template", form.template);
  }
  let literal: unknown;
  switch (form.staticType) {
    case "number": {
      const number = Number(form.staticValue.trim());
      if (form.staticValue.trim() === "" || !Number.isFinite(number))
        return { ok: false, error: "not a number" };
      literal = number;
      break;
    }
    case "boolean":
      literal = form.staticValue === "true";
      break;
    case "json":
      try {
        literal = JSON.parse(form.staticValue);
      } catch (error) {
        return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
      }
      break;
    default:
      literal = form.staticValue;
  }
  const plain =
    transforms.value.length === 0 &&
    (typeof literal === "number" ||
      typeof literal === "boolean" ||
      (typeof literal === "string" && literal !== "" && !looksLikePath(literal) && !literal.includes("{{")));
  return plain ? { ok: true, omit: false, value: literal } : withTransforms("literal", literal);
}

/**
 * `properties.products[].sku` (a seen path, as GET /events/paths answers) → `$.properties.products[0].sku`
 * (a mapping path; `[]` reads the first element).
 */
export function mappingPathOf(seenPath: string): string {
  const path = seenPath.replace(/\[\]/g, "[0]");
  return path.startsWith("[") ? `$${path}` : `$.${path}`;
}
