import { useState } from "preact/hooks";
import { CONDITION_OPERATORS, type ConditionOperator } from "../../../src/mapping/index.js";
import { FieldIssues } from "../config-widgets.js";
import {
  type ConditionRow,
  emptyRow,
  formFromTrigger,
  operandHint,
  operatorTakesIgnoreCase,
  operatorTakesText,
  operatorTakesValueType,
  type TriggerForm,
  type TriggerMode,
  triggerFromForm,
} from "./condition-model.js";

/**
 * Which events an action handles: every event, all or any of a list of conditions (path, operator
 * from the language's list, value), or a condition written as JSON for what rows cannot say (`not`,
 * nesting). Produces the mapping language's condition objects (docs/mapping.md#conditions).
 */
export function TriggerBuilder(props: {
  form: TriggerForm;
  editor: boolean;
  datalistId: string;
  issues: string[];
  onChange: (form: TriggerForm) => void;
}) {
  const { form, editor, onChange } = props;
  const [modeProblem, setModeProblem] = useState<string | null>(null);
  const setMode = (mode: TriggerMode) => {
    setModeProblem(null);
    if (mode === form.mode) return;
    if (mode === "json") {
      const current = triggerFromForm(form);
      onChange({
        ...form,
        mode,
        json: current.ok && current.value !== undefined ? JSON.stringify(current.value, null, 2) : "",
      });
      return;
    }
    if (mode === "always") {
      onChange({ ...form, mode });
      return;
    }
    if (form.mode === "json" && form.json.trim() !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(form.json);
      } catch {
        setModeProblem("The JSON is not valid: fix it or clear it before switching to the builder.");
        return;
      }
      const rows = formFromTrigger(parsed);
      if (rows.mode === "json") {
        setModeProblem(
          "This condition uses more than a list of conditions (not, nesting): keep editing it as JSON.",
        );
        return;
      }
      onChange({ ...rows, mode });
      return;
    }
    onChange({ ...form, mode, rows: form.rows.length > 0 ? form.rows : [emptyRow()] });
  };
  const updateRow = (index: number, patch: Partial<ConditionRow>) =>
    onChange({ ...form, rows: form.rows.map((row, i) => (i === index ? { ...row, ...patch } : row)) });

  return (
    <fieldset class="cfg-trigger-builder">
      <legend>Trigger: which events this action handles</legend>
      <div class="cfg-field">
        <label for="trigger-mode">Run for</label>
        <select
          id="trigger-mode"
          value={form.mode}
          disabled={!editor}
          aria-describedby="trigger-mode-problem"
          onChange={(event) => setMode(event.currentTarget.value as TriggerMode)}
        >
          <option value="always">Every event</option>
          <option value="all">Events matching all of these conditions</option>
          <option value="any">Events matching any of these conditions</option>
          <option value="json">A condition written as JSON (advanced)</option>
        </select>
        <FieldIssues id="trigger-mode-problem" issues={modeProblem ? [modeProblem] : []} />
      </div>
      {(form.mode === "all" || form.mode === "any") && (
        <ol class="cfg-conditions">
          {form.rows.map((row, index) => (
            <li key={index} class="cfg-condition">
              <ConditionInputs
                row={row}
                index={index}
                editor={editor}
                datalistId={props.datalistId}
                onChange={(patch) => updateRow(index, patch)}
              />
              {editor && (
                <button
                  type="button"
                  class="small"
                  disabled={form.rows.length === 1}
                  aria-label={`Remove condition ${index + 1}`}
                  onClick={() => onChange({ ...form, rows: form.rows.filter((_, i) => i !== index) })}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {(form.mode === "all" || form.mode === "any") && editor && (
        <button
          type="button"
          class="small"
          onClick={() => onChange({ ...form, rows: [...form.rows, emptyRow()] })}
        >
          Add condition
        </button>
      )}
      {form.mode === "json" && (
        <div class="cfg-field">
          <label for="trigger-json">Condition (JSON)</label>
          <textarea
            id="trigger-json"
            class="cfg-mono"
            rows={6}
            spellcheck={false}
            disabled={!editor}
            value={form.json}
            aria-describedby="trigger-issues"
            onInput={(event) => onChange({ ...form, json: event.currentTarget.value })}
          />
        </div>
      )}
      <FieldIssues id="trigger-issues" issues={props.issues} />
    </fieldset>
  );
}

const OPERATOR_LABELS: Partial<Record<ConditionOperator, string>> = {
  equals: "equals",
  not_equals: "does not equal",
  contains: "contains",
  starts_with: "starts with",
  ends_with: "ends with",
  matches: "matches (RE2)",
  gt: "greater than",
  gte: "at least",
  lt: "less than",
  lte: "at most",
  in: "is one of",
  not_in: "is none of",
  before: "is before",
  after: "is after",
  between: "is between",
  exists: "exists",
  is_null: "is null",
  is_true: "is true",
  is_false: "is false",
};

function ConditionInputs(props: {
  row: ConditionRow;
  index: number;
  editor: boolean;
  datalistId: string;
  onChange: (patch: Partial<ConditionRow>) => void;
}) {
  const { row, editor, onChange } = props;
  const id = `condition-${props.index}`;
  const n = props.index + 1;
  const hint = operandHint(row.operator);
  return (
    <div class="cfg-condition-inputs">
      <div class="cfg-field">
        <label for={`${id}-path`}>
          Path<span class="cfg-visually-hidden"> of condition {n}</span>
        </label>
        <input
          id={`${id}-path`}
          class="cfg-mono"
          list={props.datalistId}
          value={row.path}
          disabled={!editor}
          spellcheck={false}
          autoComplete="off"
          onInput={(event) => onChange({ path: event.currentTarget.value })}
        />
      </div>
      <div class="cfg-field">
        <label for={`${id}-operator`}>
          Operator<span class="cfg-visually-hidden"> of condition {n}</span>
        </label>
        <select
          id={`${id}-operator`}
          value={row.operator}
          disabled={!editor}
          onChange={(event) => {
            const operator = event.currentTarget.value as ConditionOperator;
            onChange({
              operator,
              ...(operator === "exists" ? { value: "true" } : {}),
              ...(operatorTakesIgnoreCase(operator) ? {} : { ignoreCase: false }),
            });
          }}
        >
          {CONDITION_OPERATORS.map((operator) => (
            <option key={operator} value={operator}>
              {OPERATOR_LABELS[operator] ?? operator} ({operator})
            </option>
          ))}
        </select>
      </div>
      {row.operator === "exists" && (
        <div class="cfg-field">
          <label for={`${id}-value`}>
            Present<span class="cfg-visually-hidden"> (condition {n})</span>
          </label>
          <select
            id={`${id}-value`}
            value={row.value === "false" ? "false" : "true"}
            disabled={!editor}
            onChange={(event) => onChange({ value: event.currentTarget.value })}
          >
            <option value="true">yes: the value is present</option>
            <option value="false">no: the value is missing</option>
          </select>
        </div>
      )}
      {operatorTakesText(row.operator) && (
        <div class="cfg-field">
          <label for={`${id}-value`}>
            Value<span class="cfg-visually-hidden"> of condition {n}</span>
          </label>
          <input
            id={`${id}-value`}
            value={row.value}
            disabled={!editor}
            spellcheck={false}
            placeholder={hint}
            aria-describedby={hint ? `${id}-hint` : undefined}
            onInput={(event) => onChange({ value: event.currentTarget.value })}
          />
          {hint && (
            <span class="cfg-visually-hidden" id={`${id}-hint`}>
              {hint}
            </span>
          )}
        </div>
      )}
      {operatorTakesValueType(row.operator) && (
        <div class="cfg-field">
          <label for={`${id}-type`}>
            Compare as<span class="cfg-visually-hidden"> (condition {n})</span>
          </label>
          <select
            id={`${id}-type`}
            value={row.valueType}
            disabled={!editor}
            onChange={(event) =>
              onChange({ valueType: event.currentTarget.value as ConditionRow["valueType"] })
            }
          >
            <option value="text">text</option>
            <option value="number">number</option>
            <option value="boolean">true/false</option>
          </select>
        </div>
      )}
      {operatorTakesIgnoreCase(row.operator) && (
        <label class="cfg-check">
          <input
            type="checkbox"
            checked={row.ignoreCase}
            disabled={!editor}
            onChange={(event) => onChange({ ignoreCase: event.currentTarget.checked })}
          />{" "}
          Ignore case<span class="cfg-visually-hidden"> (condition {n})</span>
        </label>
      )}
    </div>
  );
}
