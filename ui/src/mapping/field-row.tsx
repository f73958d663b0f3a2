import type { FieldTrace } from "../../../src/mapping/index.js";
import { FieldIssues } from "../config-widgets.js";
import type { ResolvedField } from "./draft-preview.js";
import { emptyForm, type FieldForm, type SourceKind, type StaticType } from "./field-model.js";
import { TransformChain } from "./transform-chain.js";

/**
 * One destination field of an action: where its value comes from (a path, a template, a static value,
 * JSON for richer expressions, the action's default, or nothing), its transform chain, its problems as
 * you type, and — from the example event — the value it resolves to and how.
 */

export interface FieldSpec {
  name: string;
  required: boolean;
  description: string;
  type: string;
  /** The action's default mapping, when it has one. */
  default?: unknown;
  /** The one-of group this field belongs to (`["cio_id", "id", "email"]`). */
  oneOf?: readonly string[];
}

export interface FieldExample {
  /** Undefined when the field has no mapping (nothing is evaluated). */
  resolved: ResolvedField | undefined;
  /** False when the event's values are masked (the value shown is the mask). */
  revealed: boolean;
}

const KIND_LABELS: Record<SourceKind, string> = {
  default: "Default mapping",
  path: "Path",
  template: "Template",
  static: "Static value",
  expression: "Expression (JSON)",
  none: "Not mapped",
};

export function FieldRow(props: {
  spec: FieldSpec;
  form: FieldForm;
  editor: boolean;
  datalistId: string;
  issues: string[];
  example: FieldExample | null;
  onChange: (form: FieldForm) => void;
}) {
  const { spec, form, editor, onChange } = props;
  const id = `field-${spec.name}`;
  const hasDefault = spec.default !== undefined;
  const kinds: SourceKind[] = [
    ...(hasDefault ? (["default"] as const) : []),
    "path",
    "template",
    "static",
    "expression",
    "none",
  ];
  const setKind = (kind: SourceKind) => {
    if (kind === form.kind) return;
    // Keep what was typed when switching between kinds that share it.
    const next = {
      ...emptyForm(kind),
      path: form.path,
      template: form.template,
      staticValue: form.staticValue,
    };
    if (kind === "expression") {
      next.expression = form.expression || (hasDefault ? JSON.stringify(spec.default, null, 2) : "");
    }
    if (kind === "path" && next.path === "" && typeof spec.default === "string") next.path = spec.default;
    if (kind === "path" || kind === "template" || kind === "static") next.transforms = form.transforms;
    onChange(next);
  };
  const invalid = props.issues.length > 0;
  const describedBy = `${id}-desc ${id}-issues`;
  return (
    <li class={`cfg-field-row${invalid ? " cfg-invalid" : ""}`} aria-labelledby={`${id}-title`}>
      <div class="cfg-field-head">
        <h3 id={`${id}-title`} class="cfg-field-name">
          <code>{spec.name}</code>
        </h3>
        <span class="cfg-hint">{spec.type}</span>
        {spec.required && <span class="cfg-badge cfg-badge-required">Required</span>}
        {spec.oneOf && (
          <span class="cfg-badge cfg-badge-oneof" title="At least one of these must have a value">
            One of {spec.oneOf.join(" / ")}
          </span>
        )}
      </div>
      <p class="cfg-hint" id={`${id}-desc`}>
        {spec.description}
      </p>
      <div class="cfg-field-source">
        <div class="cfg-field">
          <label for={`${id}-kind`}>
            Source<span class="cfg-visually-hidden"> of {spec.name}</span>
          </label>
          <select
            id={`${id}-kind`}
            value={form.kind}
            disabled={!editor}
            aria-describedby={describedBy}
            onChange={(event) => setKind(event.currentTarget.value as SourceKind)}
          >
            {kinds.map((kind) => (
              <option key={kind} value={kind}>
                {KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </div>
        <SourceInput {...props} id={id} describedBy={describedBy} invalid={invalid} />
      </div>
      {(form.kind === "path" || form.kind === "template" || form.kind === "static") && (
        <TransformChain
          id={id}
          field={spec.name}
          items={form.transforms}
          editor={editor}
          onChange={(transforms) => onChange({ ...form, transforms })}
        />
      )}
      <FieldIssues id={`${id}-issues`} issues={props.issues} />
      {props.example && <ExampleValue example={props.example} fieldId={id} />}
    </li>
  );
}

function SourceInput(props: {
  spec: FieldSpec;
  form: FieldForm;
  editor: boolean;
  datalistId: string;
  id: string;
  describedBy: string;
  invalid: boolean;
  onChange: (form: FieldForm) => void;
}) {
  const { form, spec, editor, id, onChange } = props;
  const common = {
    disabled: !editor,
    "aria-describedby": props.describedBy,
    "aria-invalid": props.invalid,
    spellcheck: false,
  };
  const hidden = <span class="cfg-visually-hidden"> of {spec.name}</span>;
  switch (form.kind) {
    case "default":
      return (
        <p class="cfg-default">
          <span class="cfg-hint">Default: </span>
          <code>{JSON.stringify(spec.default)}</code>
        </p>
      );
    case "none":
      return (
        <p class="cfg-hint cfg-default">Not sent{spec.required ? " (but this field is required)" : ""}.</p>
      );
    case "path":
      return (
        <div class="cfg-field cfg-grow">
          <label for={`${id}-path`}>Path{hidden}</label>
          <input
            id={`${id}-path`}
            class="cfg-mono"
            list={props.datalistId}
            autoComplete="off"
            placeholder="$.properties.order_id"
            value={form.path}
            {...common}
            onInput={(event) => onChange({ ...form, path: event.currentTarget.value })}
          />
        </div>
      );
    case "template":
      return (
        <div class="cfg-field cfg-grow">
          <label for={`${id}-template`}>Template{hidden}</label>
          <input
            id={`${id}-template`}
            class="cfg-mono"
            placeholder="{{traits.first_name}} {{traits.last_name}}"
            value={form.template}
            {...common}
            onInput={(event) => onChange({ ...form, template: event.currentTarget.value })}
          />
        </div>
      );
    case "static":
      return (
        <>
          <div class="cfg-field">
            <label for={`${id}-static-type`}>Type{hidden}</label>
            <select
              id={`${id}-static-type`}
              value={form.staticType}
              disabled={!editor}
              onChange={(event) =>
                onChange({
                  ...form,
                  staticType: event.currentTarget.value as StaticType,
                  staticValue: event.currentTarget.value === "boolean" ? "true" : form.staticValue,
                })
              }
            >
              <option value="text">text</option>
              <option value="number">number</option>
              <option value="boolean">true/false</option>
              <option value="json">JSON (object or list)</option>
            </select>
          </div>
          <div class="cfg-field cfg-grow">
            <label for={`${id}-static`}>Value{hidden}</label>
            {form.staticType === "boolean" ? (
              <select
                id={`${id}-static`}
                value={form.staticValue === "false" ? "false" : "true"}
                {...common}
                onChange={(event) => onChange({ ...form, staticValue: event.currentTarget.value })}
              >
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input
                id={`${id}-static`}
                class={form.staticType === "json" ? "cfg-mono" : ""}
                inputMode={form.staticType === "number" ? "decimal" : undefined}
                value={form.staticValue}
                {...common}
                onInput={(event) => onChange({ ...form, staticValue: event.currentTarget.value })}
              />
            )}
          </div>
        </>
      );
    case "expression":
      return (
        <div class="cfg-field cfg-grow">
          <label for={`${id}-expression`}>Expression (JSON){hidden}</label>
          <textarea
            id={`${id}-expression`}
            class="cfg-mono"
            rows={Math.min(12, Math.max(3, form.expression.split("\n").length))}
            value={form.expression}
            {...common}
            onInput={(event) => onChange({ ...form, expression: event.currentTarget.value })}
          />
        </div>
      );
  }
}

/** The field's value for the example event, and how it was found (paths, chosen option, transforms). */
function ExampleValue(props: { example: FieldExample; fieldId: string }) {
  const { resolved } = props.example;
  const trace = resolved?.trace;
  return (
    <div class="cfg-example-value">
      <span class="cfg-hint">Example: </span>
      {resolved === undefined ? (
        <span class="cfg-hint">no mapping: not sent</span>
      ) : resolved.present ? (
        <code class="cfg-value">
          {short(resolved.value)}
          {!props.example.revealed && <span class="cfg-hint"> (masked)</span>}
        </code>
      ) : (
        <span class="cfg-missing">missing{trace?.missing ? `: ${trace.missing}` : ""}</span>
      )}
      {trace && <TraceLine trace={trace} />}
    </div>
  );
}

function short(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** A trace in words: never a value (the trace holds none). */
export function TraceLine(props: { trace: FieldTrace }) {
  const { trace } = props;
  const parts: string[] = [];
  if (trace.kind === "literal") parts.push("static value");
  else if (trace.paths.length > 0) parts.push(`${trace.kind} of ${trace.paths.join(", ")}`);
  else parts.push(trace.kind);
  if (trace.chosen !== undefined) parts.push(`option ${trace.chosen + 1} chosen`);
  if (trace.transforms.length > 0)
    parts.push(
      `then ${trace.transforms.map((step) => (step.note ? `${step.name} (${step.note})` : step.name)).join(" → ")}`,
    );
  return <span class="cfg-trace"> · {parts.join("; ")}</span>;
}
