import { useState } from "preact/hooks";
import { TRANSFORM_NAMES, type TransformItem, transformOptions } from "./field-model.js";

/**
 * A field's transform chain: transforms run in order on the value (docs/mapping.md#transforms). Add
 * from the language's own list, set options (JSON) where a transform takes them, move, remove.
 */
export function TransformChain(props: {
  id: string;
  field: string;
  items: TransformItem[];
  editor: boolean;
  onChange: (items: TransformItem[]) => void;
}) {
  const { items, editor, onChange, id, field } = props;
  const update = (index: number, patch: Partial<TransformItem>) =>
    onChange(items.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  const move = (index: number, delta: -1 | 1) => {
    const next = [...items];
    const [moved] = next.splice(index, 1);
    next.splice(index + delta, 0, moved!);
    onChange(next);
  };
  return (
    <fieldset class="cfg-transforms cfg-plain">
      <legend class="cfg-visually-hidden">Transforms of {field}</legend>
      {items.length > 0 && (
        <ol class="cfg-transform-list">
          {items.map((item, index) => {
            const options = transformOptions(item.name);
            const itemId = `${id}-t${index}`;
            return (
              <li key={index} class="cfg-transform">
                <label for={`${itemId}-name`} class="cfg-visually-hidden">
                  Transform {index + 1} of {field}
                </label>
                <select
                  id={`${itemId}-name`}
                  value={item.name}
                  disabled={!editor}
                  onChange={(event) => update(index, { name: event.currentTarget.value, options: "" })}
                >
                  {!TRANSFORM_NAMES.includes(item.name as never) && (
                    <option value={item.name}>{item.name}</option>
                  )}
                  {TRANSFORM_NAMES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
                {(options.takes || item.options !== "") && (
                  <>
                    <label for={`${itemId}-options`} class="cfg-visually-hidden">
                      Options of transform {index + 1} ({item.name}) of {field}
                    </label>
                    <input
                      id={`${itemId}-options`}
                      class="cfg-mono"
                      value={item.options}
                      disabled={!editor}
                      spellcheck={false}
                      placeholder={options.example + (options.required ? "" : " (optional)")}
                      onInput={(event) => update(index, { options: event.currentTarget.value })}
                    />
                  </>
                )}
                {editor && (
                  <span class="cfg-transform-buttons">
                    <button
                      type="button"
                      class="small"
                      disabled={index === 0}
                      aria-label={`Move transform ${index + 1} (${item.name}) of ${field} earlier`}
                      onClick={() => move(index, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      class="small"
                      disabled={index === items.length - 1}
                      aria-label={`Move transform ${index + 1} (${item.name}) of ${field} later`}
                      onClick={() => move(index, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      class="small"
                      aria-label={`Remove transform ${index + 1} (${item.name}) of ${field}`}
                      onClick={() => onChange(items.filter((_, i) => i !== index))}
                    >
                      ✕
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {editor && (
        <AddTransform id={id} field={field} onAdd={(name) => onChange([...items, { name, options: "" }])} />
      )}
    </fieldset>
  );
}

/** A picker and a button (a select that adds on change would add while arrowing through it). */
function AddTransform(props: { id: string; field: string; onAdd: (name: string) => void }) {
  const [name, setName] = useState<string>(TRANSFORM_NAMES[0]);
  return (
    <span class="cfg-add-transform">
      <label for={`${props.id}-add`} class="cfg-visually-hidden">
        Transform to add to {props.field}
      </label>
      <select id={`${props.id}-add`} value={name} onChange={(event) => setName(event.currentTarget.value)}>
        {TRANSFORM_NAMES.map((candidate) => (
          <option key={candidate} value={candidate}>
            {candidate}
          </option>
        ))}
      </select>
      <button type="button" class="small" onClick={() => props.onAdd(name)}>
        Add transform<span class="cfg-visually-hidden"> to {props.field}</span>
      </button>
    </span>
  );
}
