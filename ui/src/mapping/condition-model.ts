import {
  CONDITION_OPERATORS,
  type ConditionOperator,
  DATE_OPERATORS,
  NUMBER_OPERATORS,
  PRESENCE_OPERATORS,
  SET_OPERATORS,
  TEXT_OPERATORS,
} from "../../../src/mapping/index.js";

/**
 * The trigger builder's form model and its two-way conversion with the mapping language's condition
 * objects (docs/mapping.md#conditions). The builder edits `all`/`any` of leaf conditions; anything it
 * cannot show as rows (`not`, nesting) is edited as JSON, never silently rewritten. Validation is the
 * server's own compiler (run by the editor on the whole action), not this file.
 */

export type ValueType = "text" | "number" | "boolean";

export interface ConditionRow {
  path: string;
  operator: ConditionOperator;
  /** The operand as typed: text, a number, `true`/`false`, a comma-separated list, or JSON. */
  value: string;
  /** For `equals` / `not_equals`: how `value` is read (`5` is not `"5"`). */
  valueType: ValueType;
  ignoreCase: boolean;
}

export type TriggerMode = "always" | "all" | "any" | "json";

export interface TriggerForm {
  mode: TriggerMode;
  rows: ConditionRow[];
  /** The condition as JSON text, for `json` mode. */
  json: string;
}

const TEXT = new Set<string>(TEXT_OPERATORS);
const NUMBER = new Set<string>(NUMBER_OPERATORS);
const SET = new Set<string>(SET_OPERATORS);
const DATE = new Set<string>(DATE_OPERATORS);
const PRESENCE = new Set<string>(PRESENCE_OPERATORS);

/** Operators whose operand is fixed (`true`) or a yes/no choice: no free-text value. */
export function operatorTakesText(operator: ConditionOperator): boolean {
  return !PRESENCE.has(operator);
}

/** `ignore_case` applies to the text operators only. */
export function operatorTakesIgnoreCase(operator: ConditionOperator): boolean {
  return TEXT.has(operator);
}

/** `equals`/`not_equals` compare JSON values: the UI asks how to read the value. */
export function operatorTakesValueType(operator: ConditionOperator): boolean {
  return operator === "equals" || operator === "not_equals";
}

/** A short hint of what the operand should look like. */
export function operandHint(operator: ConditionOperator): string {
  if (SET.has(operator)) return "values separated by commas, or a JSON list";
  if (operator === "between") return "from, to (dates or Unix seconds)";
  if (DATE.has(operator)) return "an ISO 8601 date, date-time or Unix seconds";
  if (NUMBER.has(operator)) return "a number";
  if (operator === "matches") return "an RE2 pattern, e.g. ^Order (Completed|Refunded)$";
  if (operator === "exists") return "true: present; false: missing";
  return "";
}

export function emptyRow(): ConditionRow {
  return { path: "$.", operator: "equals", value: "", valueType: "text", ignoreCase: false };
}

const isOperator = (key: string): key is ConditionOperator =>
  (CONDITION_OPERATORS as readonly string[]).includes(key);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** One leaf as a row, or null when it is not a leaf the rows can show exactly. */
function rowFromLeaf(raw: unknown): ConditionRow | null {
  if (!isRecord(raw) || typeof raw["path"] !== "string") return null;
  const keys = Object.keys(raw).filter((key) => key !== "path" && key !== "ignore_case");
  if (keys.length !== 1) return null;
  const operator = keys[0]!;
  if (!isOperator(operator)) return null;
  const ignoreCase = raw["ignore_case"];
  if (ignoreCase !== undefined && typeof ignoreCase !== "boolean") return null;
  const operand = raw[operator];
  const row: ConditionRow = {
    path: raw["path"],
    operator,
    value: "",
    valueType: "text",
    ignoreCase: ignoreCase === true,
  };
  if (PRESENCE.has(operator)) {
    if (typeof operand !== "boolean") return null;
    if (operator !== "exists" && operand !== true) return null;
    return { ...row, value: String(operand) };
  }
  if (SET.has(operator) || operator === "between") {
    if (!Array.isArray(operand)) return null;
    const plain =
      operand.every((item) => typeof item === "string" && !item.includes(",") && item.trim() === item) &&
      operand.length > 0 &&
      (operator === "between" ? operand.every((item) => !/^-?\d+(\.\d+)?$/.test(item as string)) : true);
    return { ...row, value: plain ? operand.join(", ") : JSON.stringify(operand) };
  }
  if (typeof operand === "number") return { ...row, value: String(operand), valueType: "number" };
  if (typeof operand === "boolean") return { ...row, value: String(operand), valueType: "boolean" };
  if (typeof operand === "string") {
    // A date operand that looks like a number would be read back as Unix seconds.
    if (DATE.has(operator) && /^-?\d+(\.\d+)?$/.test(operand)) return null;
    if (NUMBER.has(operator)) return null;
    return { ...row, value: operand };
  }
  return null;
}

/**
 * The builder's form for a trigger as configured (`undefined`: every event).
 *
 * @example
 * formFromTrigger({ path: "$.type", equals: "track" }).rows[0]?.operator // "equals"
 */
export function formFromTrigger(raw: unknown): TriggerForm {
  const json = raw === undefined ? "" : JSON.stringify(raw, null, 2);
  if (raw === undefined) return { mode: "always", rows: [], json };
  const single = rowFromLeaf(raw);
  if (single) return { mode: "all", rows: [single], json };
  if (isRecord(raw) && Object.keys(raw).length === 1) {
    const mode = "all" in raw ? "all" : "any" in raw ? "any" : null;
    const items = mode ? raw[mode] : null;
    if (mode && Array.isArray(items) && items.length > 0) {
      const rows = items.map(rowFromLeaf);
      if (rows.every((row) => row !== null)) return { mode, rows: rows as ConditionRow[], json };
    }
  }
  return { mode: "json", rows: [], json };
}

/** A number as typed, or the text itself when it is not one (the compiler then names the problem). */
function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}

function listOperand(text: string, numbers: boolean): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // Not JSON after all: read it as a comma-separated list.
    }
  }
  const items = trimmed
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return numbers ? items.map((item) => (/^-?\d+(\.\d+)?$/.test(item) ? Number(item) : item)) : items;
}

/** One row as a leaf condition object. */
export function leafFromRow(row: ConditionRow): Record<string, unknown> {
  const { operator } = row;
  let operand: unknown;
  if (PRESENCE.has(operator)) operand = operator === "exists" ? row.value !== "false" : true;
  else if (SET.has(operator)) operand = listOperand(row.value, false);
  else if (operator === "between") operand = listOperand(row.value, true);
  else if (NUMBER.has(operator)) operand = numberOrText(row.value);
  else if (DATE.has(operator))
    operand = /^-?\d+(\.\d+)?$/.test(row.value.trim()) ? Number(row.value) : row.value;
  else if (operatorTakesValueType(operator) && row.valueType === "number") operand = numberOrText(row.value);
  else if (operatorTakesValueType(operator) && row.valueType === "boolean")
    operand = row.value.trim() === "true";
  else operand = row.value;
  const leaf: Record<string, unknown> = { path: row.path.trim(), [operator]: operand };
  if (row.ignoreCase && TEXT.has(operator)) leaf["ignore_case"] = true;
  return leaf;
}

/**
 * The trigger to configure: `undefined` for every event, a leaf for a single `all` row, otherwise
 * `{ all | any: [...] }`; JSON mode parses the text (a JSON error is returned, not thrown).
 *
 * @example
 * triggerFromForm({ mode: "all", rows: [row], json: "" }) // { ok: true, value: { path: "$.type", equals: "track" } }
 */
export function triggerFromForm(
  form: TriggerForm,
): { ok: true; value: unknown } | { ok: false; error: string } {
  if (form.mode === "always") return { ok: true, value: undefined };
  if (form.mode === "json") {
    if (form.json.trim() === "") return { ok: true, value: undefined };
    try {
      return { ok: true, value: JSON.parse(form.json) };
    } catch (error) {
      return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
  const leaves = form.rows.map(leafFromRow);
  if (form.mode === "all" && leaves.length === 1) return { ok: true, value: leaves[0] };
  return { ok: true, value: { [form.mode]: leaves } };
}

/**
 * A trigger in words, for lists: `$.type equals "track" and $.event equals "Order Completed"`.
 *
 * @example
 * describeCondition({ path: "$.type", equals: "identify" }) // '$.type equals "identify"'
 */
export function describeCondition(raw: unknown): string {
  if (raw === undefined || raw === null) return "every event";
  if (!isRecord(raw)) return JSON.stringify(raw);
  if (Array.isArray(raw["all"])) return raw["all"].map(describeCondition).join(" and ");
  if (Array.isArray(raw["any"])) return `(${raw["any"].map(describeCondition).join(" or ")})`;
  if ("not" in raw) return `not (${describeCondition(raw["not"])})`;
  const operator = Object.keys(raw).find((key) => key !== "path" && key !== "ignore_case");
  if (operator === undefined || typeof raw["path"] !== "string") return JSON.stringify(raw);
  const operand = raw[operator];
  const words = operator.replace(/_/g, " ");
  if (PRESENCE.has(operator)) {
    if (operator === "exists") return `${raw["path"]} ${operand === false ? "is missing" : "exists"}`;
    return `${raw["path"]} ${words}`;
  }
  return `${raw["path"]} ${words} ${JSON.stringify(operand)}${raw["ignore_case"] === true ? " (any case)" : ""}`;
}

/**
 * The event name a trigger selects, when it names exactly one (`$.event equals X` or `in [X]`), to
 * filter the example events.
 */
export function triggerEventName(raw: unknown): string | null {
  const form = formFromTrigger(raw);
  if (form.mode !== "all") return null;
  for (const row of form.rows) {
    if (row.path !== "$.event") continue;
    if (row.operator === "equals" && row.valueType === "text" && !row.ignoreCase) return row.value;
    if (row.operator === "in") {
      const list = listOperand(row.value, false);
      if (Array.isArray(list) && list.length === 1 && typeof list[0] === "string") return list[0];
    }
  }
  return null;
}

/** The event type a trigger selects, when it names exactly one (`$.type equals track`). */
export function triggerEventType(raw: unknown): string | null {
  const form = formFromTrigger(raw);
  if (form.mode !== "all") return null;
  const row = form.rows.find((candidate) => candidate.path === "$.type" && candidate.operator === "equals");
  return row ? row.value : null;
}
