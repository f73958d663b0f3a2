import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  type ActionDoc,
  type ActionsAnswer,
  type CatalogueAction,
  type ConfigIssue,
  canEdit,
  notifyConfigChanged,
  roleOf,
  useConfigChanged,
} from "../config-state.js";
import { ConfirmDialog, errorMessage, FieldIssues, Notice, ReadOnlyNote } from "../config-widgets.js";
import { describeCondition } from "../mapping/condition-model.js";
import { href, navigate } from "../router.js";

/**
 * A destination's actions, in priority order: add one from the Customer.io catalogue, enable or
 * disable, move up or down, delete, and choose whether an event runs the first matching action or all
 * of them. Every change is a PUT of the edited list to the draft.
 */
export function ActionsScreen(props: ScreenProps & { destination: string }) {
  const editor = canEdit(roleOf(props.session));
  const base = `/destinations/${encodeURIComponent(props.destination)}`;
  const [data, setData] = useState<ActionsAnswer | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [focusAfterMove, setFocusAfterMove] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setData(await api.get<ActionsAnswer>(`${base}/actions`));
      setLoadError(null);
    } catch (cause) {
      setLoadError(errorMessage(cause));
    }
  }, [base]);
  useEffect(() => {
    void load();
  }, [load]);
  useConfigChanged(load);
  useEffect(() => {
    if (focusAfterMove) document.getElementById(focusAfterMove)?.focus();
  }, [focusAfterMove, data]);

  const save = async (actions: ActionDoc[], match: "first" | "all", done: string) => {
    if (!data) return false;
    const previous = data;
    setData({ ...data, actions, match, preset: false });
    try {
      const answer = await api.put<{ actions: ActionDoc[]; issues: ConfigIssue[] }>(`${base}/actions`, {
        actions,
        match,
      });
      setIssues(answer.issues ?? []);
      setResult({
        kind: "ok",
        text: `${done}${(answer.issues ?? []).length > 0 ? " The draft has problems to fix before publishing (shown below)." : ""}`,
      });
      notifyConfigChanged();
      return true;
    } catch (cause) {
      setData(previous);
      setResult({ kind: "error", text: errorMessage(cause) });
      return false;
    }
  };

  const title = (type: string) => data?.catalogue.find((entry) => entry.type === type)?.title ?? type;

  return (
    <section class="cfg-screen">
      <p class="cfg-crumbs">
        <a href={href("destinations")}>Destinations</a> ›{" "}
        <a href={href("destinations", props.destination)}>{props.destination}</a> › Actions
      </p>
      <h1>Actions of {props.destination}</h1>
      <p class="cfg-lead">
        Each action sends one kind of Customer.io request for the events its trigger matches. The order is the
        priority. Open an action to map its fields and see the exact request for a real event.
      </p>
      {!editor && <ReadOnlyNote />}
      {loadError && <Notice kind="error">Could not load the actions: {loadError}</Notice>}
      {!data && !loadError && <p aria-busy="true">Loading…</p>}
      <div aria-live="polite">{result && <Notice kind={result.kind}>{result.text}</Notice>}</div>
      {data && (
        <>
          {data.preset && (
            <Notice kind="info">
              This destination runs the presets: Identify for identify calls and Event for track calls,
              sending only what its allow lists name. Any change here turns them into actions you edit.
            </Notice>
          )}
          <fieldset class="cfg-match" disabled={!editor}>
            <legend>When several actions match an event</legend>
            <label class="cfg-check">
              <input
                type="radio"
                name="match"
                value="first"
                checked={data.match === "first"}
                onChange={() => void save(data.actions, "first", "Events now run the first matching action.")}
              />{" "}
              Run the first matching action only (one operation per event; default)
            </label>
            <label class="cfg-check">
              <input
                type="radio"
                name="match"
                value="all"
                checked={data.match === "all"}
                onChange={() => void save(data.actions, "all", "Events now run every matching action.")}
              />{" "}
              Run every matching action, in this order
            </label>
          </fieldset>
          {data.actions.length === 0 && <p>No actions: this destination sends nothing.</p>}
          <ol class="cfg-action-list">
            {data.actions.map((action, index) => (
              <ActionItem
                key={action.name}
                action={action}
                index={index}
                count={data.actions.length}
                title={title(action.type)}
                destination={props.destination}
                editor={editor}
                issues={issues.filter((issue) => new RegExp(`actions\\[${index}\\]`).test(issue.path))}
                onToggle={(enabled) =>
                  void save(
                    data.actions.map((item, i) => (i === index ? { ...item, enabled } : item)),
                    data.match,
                    `${action.name} is ${enabled ? "enabled" : "disabled"} in the draft.`,
                  )
                }
                onMove={(delta) => {
                  const next = [...data.actions];
                  const [moved] = next.splice(index, 1);
                  next.splice(index + delta, 0, moved!);
                  const to = index + delta;
                  const edge = to === 0 ? "down" : to === next.length - 1 ? "up" : delta < 0 ? "up" : "down";
                  setFocusAfterMove(`move-${edge}-${action.name}`);
                  void save(next, data.match, `Moved ${action.name} to position ${to + 1}.`);
                }}
                onDelete={() =>
                  void save(
                    data.actions.filter((_, i) => i !== index),
                    data.match,
                    `Deleted ${action.name} from the draft.`,
                  )
                }
              />
            ))}
          </ol>
          {editor && (
            <AddAction
              catalogue={data.catalogue}
              taken={data.actions.map((action) => action.name)}
              onAdd={async (action) => {
                const ok = await save([...data.actions, action], data.match, `Added ${action.name}.`);
                if (ok)
                  navigate(
                    `/destinations/${encodeURIComponent(props.destination)}/actions/${encodeURIComponent(action.name)}`,
                  );
              }}
            />
          )}
        </>
      )}
    </section>
  );
}

function ActionItem(props: {
  action: ActionDoc;
  index: number;
  count: number;
  title: string;
  destination: string;
  editor: boolean;
  issues: ConfigIssue[];
  onToggle: (enabled: boolean) => void;
  onMove: (delta: -1 | 1) => void;
  onDelete: () => void;
}) {
  const { action, index, count, editor } = props;
  const [confirming, setConfirming] = useState(false);
  const enabled = action.enabled !== false;
  const id = `action-${index}`;
  return (
    <li class={`cfg-card cfg-action${enabled ? "" : " cfg-disabled"}`} aria-labelledby={`${id}-name`}>
      <div class="cfg-action-head">
        <h2 id={`${id}-name`}>
          <span class="cfg-position">{index + 1}.</span>{" "}
          <a href={href("destinations", props.destination, "actions", action.name)}>{action.name}</a>
        </h2>
        <span class="cfg-badge">{props.title}</span>
        {!enabled && <span class="cfg-badge cfg-badge-off">Disabled</span>}
      </div>
      <p class="cfg-trigger">
        <span class="cfg-hint">Runs for:</span> <code>{describeCondition(action.trigger)}</code>
      </p>
      <FieldIssues
        id={`${id}-issues`}
        issues={props.issues.map((issue) => `${issue.path}: ${issue.message}`)}
      />
      <div class="cfg-buttons">
        <a class="cfg-button-link" href={href("destinations", props.destination, "actions", action.name)}>
          {editor ? "Edit mapping" : "View mapping"}
          <span class="cfg-visually-hidden"> of {action.name}</span>
        </a>
        {editor && (
          <>
            <label class="cfg-check">
              <input
                type="checkbox"
                checked={enabled}
                onChange={(event) => props.onToggle(event.currentTarget.checked)}
              />{" "}
              Enabled<span class="cfg-visually-hidden">: {action.name}</span>
            </label>
            <button
              type="button"
              id={`move-up-${action.name}`}
              class="small"
              disabled={index === 0}
              onClick={() => props.onMove(-1)}
            >
              Move up
              <span class="cfg-visually-hidden">: {action.name}</span>
            </button>
            <button
              type="button"
              id={`move-down-${action.name}`}
              class="small"
              disabled={index === count - 1}
              onClick={() => props.onMove(1)}
            >
              Move down
              <span class="cfg-visually-hidden">: {action.name}</span>
            </button>
            <button
              type="button"
              class="small danger"
              aria-label={`Delete ${action.name}`}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Delete the action ${action.name}`}
        confirmLabel="Delete action"
        danger
        onConfirm={() => {
          setConfirming(false);
          props.onDelete();
        }}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Its mapping is removed from the draft. Events it would have sent are no longer sent once you
          publish.
        </p>
      </ConfirmDialog>
    </li>
  );
}

function AddAction(props: {
  catalogue: CatalogueAction[];
  taken: string[];
  onAdd: (action: ActionDoc) => Promise<void>;
}) {
  const [type, setType] = useState(props.catalogue[0]?.type ?? "");
  const entry = props.catalogue.find((candidate) => candidate.type === type);
  const [name, setName] = useState("");
  const proposed = name.trim() === "" ? uniqueName(entry?.title ?? type, props.taken) : name.trim();
  const problem = props.taken.includes(proposed)
    ? `an action named "${proposed}" already exists`
    : proposed.length > 100
      ? "use at most 100 characters"
      : null;
  return (
    <form
      class="cfg-card cfg-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (problem || !entry) return;
        const action: ActionDoc = { name: proposed, type, enabled: true, fields: {} };
        if (entry.presetTrigger !== undefined && entry.presetTrigger !== null)
          action.trigger = entry.presetTrigger;
        void props.onAdd(action).then(() => setName(""));
      }}
    >
      <h2>Add an action</h2>
      <div class="cfg-field">
        <label for="new-action-type">Action type</label>
        <select
          id="new-action-type"
          value={type}
          aria-describedby="new-action-description"
          onChange={(event) => setType(event.currentTarget.value)}
        >
          {props.catalogue.map((candidate) => (
            <option key={candidate.type} value={candidate.type}>
              {candidate.title} ({candidate.type})
            </option>
          ))}
        </select>
        <p class="cfg-hint" id="new-action-description">
          {entry?.description}
          {entry && (
            <>
              {" "}
              Preset trigger: <code>{describeCondition(entry.presetTrigger ?? undefined)}</code> (you can
              change it in the editor).
            </>
          )}
        </p>
      </div>
      <div class="cfg-field">
        <label for="new-action-name">Action name</label>
        <input
          id="new-action-name"
          value={name}
          placeholder={proposed}
          aria-invalid={problem !== null}
          aria-describedby="new-action-name-issues"
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <FieldIssues id="new-action-name-issues" issues={problem ? [problem] : []} />
      </div>
      <button type="submit" class="primary" disabled={problem !== null || !entry}>
        Add action
      </button>
    </form>
  );
}

function uniqueName(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.includes(`${base} ${n}`)) return `${base} ${n}`;
}
