import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { DestinationDocument } from "../../../src/contracts/config-document.js";
import { type Preview, previewEvent } from "../../../src/destinations/customerio/preview.js";
import { api } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  type ActionDoc,
  type ActionsAnswer,
  type CatalogueAction,
  type ConfigIssue,
  type ConfigState,
  canEdit,
  editedConfig,
  notifyConfigChanged,
  roleOf,
  useConfigChanged,
} from "../config-state.js";
import { errorMessage, FieldIssues, Notice, ReadOnlyNote } from "../config-widgets.js";
import {
  formFromTrigger,
  type TriggerForm,
  triggerEventName,
  triggerEventType,
  triggerFromForm,
} from "../mapping/condition-model.js";
import { checkDestination, resolvedFields, storedEventFrom } from "../mapping/draft-preview.js";
import { EventPicker, type ExampleEvent, exampleEventJson } from "../mapping/event-picker.js";
import { ExampleResult } from "../mapping/example-result.js";
import { type FieldForm, formFromMapping, mappingFromForm } from "../mapping/field-model.js";
import { FieldRow, type FieldSpec } from "../mapping/field-row.js";
import { PathDatalist, useSeenPaths } from "../mapping/path-options.js";
import { SendTest } from "../mapping/send-test.js";
import { TriggerBuilder } from "../mapping/trigger-builder.js";
import { href, navigate } from "../router.js";

/**
 * The mapping editor of one action, beside the live example: every field of the action type with its
 * source and transforms, the trigger, validated as you type by the server's own checks; the example
 * event's resolved fields, PHI detections and exact request computed in the browser by the preview
 * function delivery uses; "Send test"; and Save (to the draft).
 */

interface Loaded {
  config: ConfigState;
  destination: DestinationDocument;
  actions: ActionDoc[];
  catalogue: CatalogueAction[];
  index: number;
  /** The destination runs the presets: saving turns them into configured actions. */
  preset: boolean;
  match: "first" | "all";
}

interface Editor {
  name: string;
  type: string;
  enabled: boolean;
  options: Record<string, unknown>;
  trigger: TriggerForm;
  fields: Record<string, FieldForm>;
  /** Configured fields the catalogue does not know (kept as they are; the checks report them). */
  unknownFields: Record<string, unknown>;
}

/** The fields of an action type, from the API's catalogue (default mappings and one-of groups included). */
function fieldSpecs(type: string, catalogue: readonly CatalogueAction[]): FieldSpec[] {
  const entry = catalogue.find((candidate) => candidate.type === type);
  if (!entry) return [];
  return entry.fields.map((field) => {
    const group = entry.oneOf.find((names) => names.includes(field.name));
    return {
      name: field.name,
      required: field.required,
      description: field.description,
      type: field.type,
      ...(field.default === undefined ? {} : { default: field.default }),
      ...(group ? { oneOf: group } : {}),
    };
  });
}

function editorFrom(action: ActionDoc, specs: readonly FieldSpec[]): Editor {
  const configured = action.fields ?? {};
  const known = new Set(specs.map((spec) => spec.name));
  return {
    name: action.name,
    type: action.type,
    enabled: action.enabled !== false,
    options: { ...(action.options ?? {}) },
    trigger: formFromTrigger(action.trigger),
    fields: Object.fromEntries(
      specs.map((spec) => [
        spec.name,
        formFromMapping(
          configured[spec.name],
          Object.hasOwn(configured, spec.name),
          spec.default !== undefined,
        ),
      ]),
    ),
    unknownFields: Object.fromEntries(Object.entries(configured).filter(([name]) => !known.has(name))),
  };
}

/** The action the editor describes, and the problems that stop it from being written (bad JSON). */
function actionFrom(
  editor: Editor,
  specs: readonly FieldSpec[],
): { action: ActionDoc; local: Record<string, string> } {
  const local: Record<string, string> = {};
  const fields: Record<string, unknown> = { ...editor.unknownFields };
  for (const spec of specs) {
    const form = editor.fields[spec.name];
    if (!form) continue;
    const mapping = mappingFromForm(form, spec.default !== undefined);
    if (!mapping.ok) local[spec.name] = mapping.error;
    else if (!mapping.omit) fields[spec.name] = mapping.value;
  }
  const action: ActionDoc = { name: editor.name, type: editor.type };
  if (!editor.enabled) action.enabled = false;
  const trigger = triggerFromForm(editor.trigger);
  if (!trigger.ok) local["trigger"] = trigger.error;
  else if (trigger.value !== undefined) action.trigger = trigger.value;
  if (Object.keys(fields).length > 0) action.fields = fields;
  if (Object.keys(editor.options).length > 0) action.options = editor.options;
  return { action, local };
}

export function MappingScreen(props: ScreenProps & { destination: string; action: string }) {
  const role = roleOf(props.session);
  const mayEdit = canEdit(role);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [baseline, setBaseline] = useState<string>("");
  const [saved, setSaved] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  const [example, setExample] = useState<ExampleEvent | null>(null);

  const load = useCallback(async () => {
    try {
      const base = `/destinations/${encodeURIComponent(props.destination)}`;
      const [config, answer] = await Promise.all([
        api.get<ConfigState>("/config"),
        api.get<ActionsAnswer>(`${base}/actions`),
      ]);
      const destination = (editedConfig(config).destinations ?? []).find(
        (candidate) => candidate.name === props.destination,
      ) as DestinationDocument | undefined;
      if (!destination) throw new Error(`no destination named ${props.destination} in the configuration`);
      const index = answer.actions.findIndex((action) => action.name === props.action);
      if (index < 0) throw new Error(`${props.destination} has no action named ${props.action}`);
      const action = answer.actions[index]!;
      const specs = fieldSpecs(action.type, answer.catalogue);
      const next = editorFrom(action, specs);
      setLoaded({
        config,
        destination,
        actions: answer.actions,
        catalogue: answer.catalogue,
        index,
        preset: answer.preset,
        match: answer.match,
      });
      setEditor(next);
      setBaseline(JSON.stringify(actionFrom(next, specs).action));
      setLoadError(null);
    } catch (cause) {
      setLoadError(errorMessage(cause));
    }
  }, [props.destination, props.action]);
  useEffect(() => {
    void load();
  }, [load]);

  const specs = useMemo(
    () => (loaded && editor ? fieldSpecs(editor.type, loaded.catalogue) : []),
    [loaded, editor?.type],
  );
  const built = useMemo(() => (editor ? actionFrom(editor, specs) : null), [editor, specs]);
  const dirty = built !== null && JSON.stringify(built.action) !== baseline;

  // Another screen changed the configuration (the draft bar's Discard, an import): reload, unless the
  // editor holds unsaved edits, which are never thrown away silently.
  const dirtyRef = useRef(false);
  dirtyRef.current = dirty;
  const reloadIfClean = useCallback(() => {
    if (!dirtyRef.current) void load();
  }, [load]);
  useConfigChanged(reloadIfClean);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, [dirty]);

  // The destination as edited: the action list with this action replaced, checked as a file would be.
  const editedDestination = useMemo((): DestinationDocument | null => {
    if (!loaded || !built) return null;
    // Unchanged presets preview as the presets run (with the allowlist of event names); an edit makes
    // them configured actions, as saving does.
    if (loaded.preset && !dirty) return loaded.destination;
    const actions = loaded.actions.map((action, i) => (i === loaded.index ? built.action : action));
    return { ...loaded.destination, actions } as DestinationDocument;
  }, [loaded, built, dirty]);
  const checked = useMemo(
    () => (editedDestination ? checkDestination(editedDestination) : null),
    [editedDestination],
  );

  const stored = useMemo(
    () =>
      example?.raw == null
        ? null
        : storedEventFrom(example.raw, example.receivedAtMs, { masked: !example.revealed }),
    [example],
  );
  const lastPreview = useRef<Preview | null>(null);
  const preview = useMemo(() => {
    if (!checked?.config || !stored?.ok) return null;
    return previewEvent(stored.event, checked.config);
  }, [checked, stored]);
  if (preview) lastPreview.current = preview;
  const resolved = useMemo(
    () =>
      checked?.config && stored?.ok && built
        ? resolvedFields(stored.event, checked.config, built.action.name)
        : null,
    [checked, stored, built],
  );

  const triggerValue = built?.action.trigger;
  const filter = useMemo(
    () => ({ type: triggerEventType(triggerValue), name: triggerEventName(triggerValue) }),
    [JSON.stringify(triggerValue ?? null)],
  );
  const seen = useSeenPaths(filter);
  const onEvent = useCallback((next: ExampleEvent) => setExample(next), []);

  const save = async (): Promise<boolean> => {
    if (!loaded || !built || !editor) return false;
    setSaved(null);
    if (Object.keys(built.local).length > 0) {
      setSaved({ kind: "error", text: "Fix the fields marked as not valid JSON first." });
      return false;
    }
    const actions = loaded.actions.map((action, i) => (i === loaded.index ? built.action : action));
    try {
      const answer = await api.put<{ actions: ActionDoc[]; issues: ConfigIssue[] }>(
        `/destinations/${encodeURIComponent(props.destination)}/actions`,
        { actions, match: loaded.match },
      );
      setServerIssues(answer.issues ?? []);
      setBaseline(JSON.stringify(built.action));
      setLoaded({ ...loaded, actions, preset: false });
      const count = (answer.issues ?? []).length;
      setSaved(
        count === 0
          ? { kind: "ok", text: "Saved to the draft. Publish to make it live." }
          : {
              kind: "error",
              text: `Saved to the draft with ${count} ${count === 1 ? "problem" : "problems"} to fix before publishing.`,
            },
      );
      notifyConfigChanged();
      if (built.action.name !== props.action) {
        navigate(
          `/destinations/${encodeURIComponent(props.destination)}/actions/${encodeURIComponent(built.action.name)}`,
        );
      }
      return true;
    } catch (cause) {
      setSaved({ kind: "error", text: errorMessage(cause) });
      return false;
    }
  };

  const crumbs = (
    <p class="cfg-crumbs">
      <a href={href("destinations")}>Destinations</a> ›{" "}
      <a href={href("destinations", props.destination)}>{props.destination}</a> ›{" "}
      <a href={href("destinations", props.destination, "actions")}>Actions</a> › {props.action}
    </p>
  );
  if (loadError) {
    return (
      <section class="cfg-screen">
        {crumbs}
        <h1>{props.action}</h1>
        <Notice kind="error">Could not open this action: {loadError}</Notice>
      </section>
    );
  }
  if (!loaded || !editor || !built || !checked) {
    return (
      <section class="cfg-screen">
        {crumbs}
        <h1>{props.action}</h1>
        <p aria-busy="true">Loading…</p>
      </section>
    );
  }

  // Problems by place: this action's fields, the one-of group, the trigger; the rest of the destination.
  const prefix = `actions[${loaded.index}]`;
  const issues = checked.issues;
  const fieldIssues = (name: string) => [
    ...(built.local[name] ? [built.local[name]!] : []),
    ...issues
      .filter(
        (issue) =>
          issue.path === `${prefix}.fields.${name}` ||
          issue.path.startsWith(`${prefix}.fields.${name}.`) ||
          issue.path.startsWith(`${prefix}.fields.${name}[`),
      )
      .map((issue) => issue.message),
  ];
  const groupIssues = issues
    .filter((issue) => issue.path === `${prefix}.fields`)
    .map((issue) => issue.message);
  const triggerIssues = [
    ...(built.local["trigger"] ? [built.local["trigger"]] : []),
    ...issues.filter((issue) => issue.path.startsWith(`${prefix}.trigger`)).map((issue) => issue.message),
  ];
  const nameIssues = issues.filter((issue) => issue.path === `${prefix}.name`).map((issue) => issue.message);
  const optionIssues = issues
    .filter((issue) => issue.path.startsWith(`${prefix}.options`))
    .map((issue) => issue.message);
  const placed = (path: string) =>
    path === `${prefix}.name` ||
    path === `${prefix}.fields` ||
    path.startsWith(`${prefix}.fields.`) ||
    path.startsWith(`${prefix}.trigger`) ||
    path.startsWith(`${prefix}.options`);
  const elsewhere = issues.filter((issue) => !placed(issue.path));
  const problemCount = issues.length + Object.keys(built.local).length;
  const entry = loaded.catalogue.find((candidate) => candidate.type === editor.type);
  const shownPreview = preview ?? lastPreview.current;
  const report = shownPreview?.actions.find((action) => action.name === built.action.name);

  const setField = (name: string, form: FieldForm) =>
    setEditor((current) => (current ? { ...current, fields: { ...current.fields, [name]: form } } : current));

  return (
    <section class="cfg-screen cfg-mapping">
      {crumbs}
      <h1>
        {editor.name} <span class="cfg-badge">{entry?.title ?? editor.type}</span>
      </h1>
      {entry ? (
        <p class="cfg-lead">{entry.description}</p>
      ) : (
        <Notice kind="error">
          Unknown action type "{editor.type}": it has no fields to map. Delete this action or fix its type in
          YAML.
        </Notice>
      )}
      {!mayEdit && <ReadOnlyNote />}
      {loaded.preset && (
        <Notice kind="info">
          {props.destination} runs the preset actions. Saving here turns them into configured actions you edit
          (the presets' mappings, with the allow lists baked in, are the starting point).
        </Notice>
      )}
      <PathDatalist id="seen-paths" paths={seen.paths ?? []} />
      <div class="cfg-mapping-grid">
        <div class="cfg-mapping-editor">
          <form
            aria-label="Mapping"
            onSubmit={(event) => {
              event.preventDefault();
              void save();
            }}
          >
            <div class="cfg-savebar">
              <span role="status" class="cfg-validity">
                {problemCount === 0
                  ? "✓ No problems"
                  : `⚠ ${problemCount} ${problemCount === 1 ? "problem" : "problems"}`}
                {dirty ? " · unsaved changes" : ""}
              </span>
              <span class="cfg-buttons">
                <button
                  type="button"
                  class="small cfg-narrow-only"
                  onClick={() => {
                    const heading = document.getElementById("example-heading");
                    heading?.scrollIntoView();
                    heading?.focus();
                  }}
                >
                  Go to the example
                </button>
                {mayEdit && (
                  <button type="submit" class="primary" disabled={!dirty}>
                    Save
                  </button>
                )}
              </span>
            </div>
            <div aria-live="polite">{saved && <Notice kind={saved.kind}>{saved.text}</Notice>}</div>
            {serverIssues.length > 0 && (
              <Notice kind="warn">
                The saved draft has problems:
                <ul>
                  {serverIssues.map((issue) => (
                    <li key={`${issue.path}:${issue.message}`}>
                      <code>{issue.path}</code>: {issue.message}
                    </li>
                  ))}
                </ul>
              </Notice>
            )}
            <fieldset class="cfg-action-settings">
              <legend>Action</legend>
              <div class="cfg-row">
                <div class="cfg-field cfg-grow">
                  <label for="action-name">Action name</label>
                  <input
                    id="action-name"
                    value={editor.name}
                    disabled={!mayEdit}
                    aria-invalid={nameIssues.length > 0}
                    aria-describedby="action-name-issues"
                    onInput={(event) => setEditor({ ...editor, name: event.currentTarget.value })}
                  />
                  <FieldIssues id="action-name-issues" issues={nameIssues} />
                </div>
                <label class="cfg-check">
                  <input
                    type="checkbox"
                    checked={editor.enabled}
                    disabled={!mayEdit}
                    onChange={(event) => setEditor({ ...editor, enabled: event.currentTarget.checked })}
                  />{" "}
                  Enabled
                </label>
              </div>
              {(entry?.options ?? []).map((option) => (
                <div class="cfg-field" key={option.name}>
                  <label for={`option-${option.name}`}>Option {option.name}</label>
                  <select
                    id={`option-${option.name}`}
                    disabled={!mayEdit}
                    aria-describedby={`option-${option.name}-help`}
                    value={option.name in editor.options ? JSON.stringify(editor.options[option.name]) : ""}
                    onChange={(event) => {
                      const { [option.name]: _removed, ...rest } = editor.options;
                      const value = event.currentTarget.value;
                      setEditor({
                        ...editor,
                        options: value === "" ? rest : { ...rest, [option.name]: JSON.parse(value) },
                      });
                    }}
                  >
                    <option value="">Default ({String(option.default)})</option>
                    {option.values.map((value) => (
                      <option key={String(value)} value={JSON.stringify(value)}>
                        {String(value)}
                      </option>
                    ))}
                  </select>
                  <p class="cfg-hint" id={`option-${option.name}-help`}>
                    {option.description}
                  </p>
                </div>
              ))}
              <FieldIssues id="action-option-issues" issues={optionIssues} />
            </fieldset>

            <TriggerBuilder
              form={editor.trigger}
              editor={mayEdit}
              datalistId="seen-paths"
              issues={triggerIssues}
              onChange={(trigger) => setEditor({ ...editor, trigger })}
            />

            <h2 id="fields-title">Fields</h2>
            <p class="cfg-hint">
              One row per Customer.io field. Paths autocomplete from events Sluice has seen
              {seen.paths && seen.paths.length > 0 ? ` (${seen.paths.length} paths)` : ""}: names and types
              only, never values.
              {(entry?.oneOf ?? []).map((group) => ` At least one of ${group.join(", ")} must have a value.`)}
            </p>
            <FieldIssues id="oneof-issues" issues={groupIssues} />
            {report && !report.matched && stored?.ok && (
              <p class="cfg-hint">
                The example event does not run this action; the values below show what each field would be.
              </p>
            )}
            <ul class="cfg-field-rows" aria-labelledby="fields-title">
              {specs.map((spec) => (
                <FieldRow
                  key={spec.name}
                  spec={spec}
                  form={editor.fields[spec.name]!}
                  editor={mayEdit}
                  datalistId="seen-paths"
                  issues={fieldIssues(spec.name)}
                  example={
                    resolved
                      ? { resolved: resolved.get(spec.name), revealed: example?.revealed ?? true }
                      : null
                  }
                  onChange={(form) => setField(spec.name, form)}
                />
              ))}
            </ul>
            {Object.keys(editor.unknownFields).length > 0 && (
              <Notice kind="warn">
                This action also maps fields its type does not have:{" "}
                {Object.keys(editor.unknownFields).join(", ")}. Remove them in YAML (Export / Import) or they
                keep the draft from publishing.
              </Notice>
            )}
            {elsewhere.length > 0 && (
              <Notice kind="warn">
                Elsewhere in {props.destination}:
                <ul>
                  {elsewhere.map((issue) => (
                    <li key={`${issue.path}:${issue.message}`}>
                      <code>{issue.path || "(destination)"}</code>: {issue.message}
                    </li>
                  ))}
                </ul>
              </Notice>
            )}
          </form>
        </div>

        <section class="cfg-example" aria-labelledby="example-heading">
          <h2 id="example-heading" tabIndex={-1}>
            Example mapping
          </h2>
          <EventPicker
            filter={filter}
            mayReveal={mayEdit}
            initialJson={exampleEventJson(filter)}
            onEvent={onEvent}
          />
          <div aria-live="polite" class="cfg-example-status">
            {example?.problem && <p class="cfg-hint">{example.problem}</p>}
            {stored && !stored.ok && (
              <Notice kind="error" live={false}>
                This is not an event Sluice accepts: {stored.message}
              </Notice>
            )}
            {!checked.config && (
              <Notice kind="warn" live={false}>
                The mapping has problems (shown beside the fields).
                {lastPreview.current ? " The example shows the last valid version." : ""}
              </Notice>
            )}
            {checked.saltStandIn && (
              <p class="cfg-hint">
                The hashing salt is secret and stays on the server: hashes here use a stand-in, so their
                values differ from what Sluice sends. Send test uses the real salt.
              </p>
            )}
          </div>
          {shownPreview && stored?.ok && (
            <ExampleResult
              preview={shownPreview}
              actionName={built.action.name}
              revealed={example?.revealed ?? true}
            />
          )}
          {mayEdit && (
            <SendTest
              destination={props.destination}
              siteId={loaded.destination.settings.siteId}
              event={stored?.ok ? example?.raw : null}
              revealed={example?.revealed ?? false}
              dirty={dirty}
              saveFirst={save}
            />
          )}
        </section>
      </div>
    </section>
  );
}
