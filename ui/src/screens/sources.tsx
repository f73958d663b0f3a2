import { useCallback, useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  canEdit,
  MASKED,
  notifyConfigChanged,
  roleOf,
  type SourceDoc,
  useConfigChanged,
} from "../config-state.js";
import {
  ConfirmDialog,
  CopyButton,
  errorMessage,
  FieldIssues,
  formatTime,
  Notice,
  ReadOnlyNote,
} from "../config-widgets.js";

/**
 * Sources: the apps and sites that send events, each with its write key (live events) and test write
 * key (validated and kept as samples, never delivered). Add, rotate a key, keep or drop the request
 * context, delete. Every change goes to the draft.
 */
export function SourcesScreen(props: ScreenProps) {
  const editor = canEdit(roleOf(props.session));
  const [sources, setSources] = useState<SourceDoc[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setSources((await api.get<{ sources: SourceDoc[] }>("/sources")).sources);
      setLoadError(null);
    } catch (cause) {
      setLoadError(errorMessage(cause));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useConfigChanged(load);

  const change = async (work: () => Promise<string>) => {
    try {
      setResult({ kind: "ok", text: await work() });
    } catch (cause) {
      setResult({ kind: "error", text: errorMessage(cause) });
    }
    notifyConfigChanged();
  };

  return (
    <section class="cfg-screen">
      <h1>Sources</h1>
      <p class="cfg-lead">
        A source is a website or app sending Segment-format events. Clients send its{" "}
        <strong>write key</strong> (as the HTTP Basic user name, or <code>writeKey</code> in the body). Events
        sent with the <strong>test write key</strong> are checked and kept as samples for the mapping editor,
        but never delivered. Changes go to the draft until published.
      </p>
      {!editor && <ReadOnlyNote />}
      <div aria-live="polite">{result && <Notice kind={result.kind}>{result.text}</Notice>}</div>
      {loadError && <Notice kind="error">Could not load the sources: {loadError}</Notice>}
      {sources === null && !loadError && <p aria-busy="true">Loading…</p>}
      {sources?.length === 0 && <p>No sources yet. Add one to get a write key.</p>}
      <div class="cfg-cards">
        {sources?.map((source) => (
          <SourceCard key={source.name} source={source} editor={editor} onChange={change} />
        ))}
      </div>
      {editor && <AddSource onChange={change} />}
    </section>
  );
}

function SourceCard(props: {
  source: SourceDoc;
  editor: boolean;
  onChange: (work: () => Promise<string>) => Promise<void>;
}) {
  const { source, editor, onChange } = props;
  const [dialog, setDialog] = useState<"live" | "test" | "delete" | null>(null);
  const path = `/sources/${encodeURIComponent(source.name)}`;
  const context = source.requestContext ?? "drop";
  const id = `source-${source.name}`;

  const rotate = (which: "live" | "test") =>
    onChange(async () => {
      setDialog(null);
      await api.post(`${path}/rotate-key`, { which });
      return `New ${which === "live" ? "write key" : "test write key"} for ${source.name} in the draft. Publish, then update your clients within 24 hours.`;
    });
  const setContext = (requestContext: "keep" | "drop") =>
    onChange(async () => {
      await api.put(path, { source: { ...source, requestContext } });
      return `${source.name} now ${requestContext === "keep" ? "keeps" : "drops"} the request context (in the draft).`;
    });
  const remove = () =>
    onChange(async () => {
      setDialog(null);
      await api.delete(path);
      return `Deleted ${source.name} from the draft. Its keys stop working once you publish.`;
    });

  return (
    <article class="cfg-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{source.name}</h2>
      <dl class="cfg-keys">
        <KeyRow label="Write key" sourceName={source.name} value={source.writeKey} />
        <KeyRow label="Test write key" sourceName={source.name} value={source.testWriteKey ?? null} />
        {source.previousWriteKey !== undefined && (
          <>
            <dt>Previous write key</dt>
            <dd>
              {source.previousWriteKeyExpiresAtMs
                ? `still accepted until ${formatTime(source.previousWriteKeyExpiresAtMs)}`
                : "still accepted for 24 hours after you publish"}
            </dd>
          </>
        )}
      </dl>
      <div class="cfg-field">
        <label for={`${id}-context`}>Request context</label>
        <select
          id={`${id}-context`}
          aria-describedby={`${id}-context-help`}
          value={context}
          disabled={!editor}
          onChange={(event) => void setContext(event.currentTarget.value as "keep" | "drop")}
        >
          <option value="drop">Drop (default)</option>
          <option value="keep">Keep</option>
        </select>
        <p class="cfg-hint" id={`${id}-context-help`}>
          {context === "drop"
            ? "The IP address, user agent and client hints are never stored."
            : "The IP address and user agent are stored with each event (an IP next to a health event is PHI)."}
        </p>
      </div>
      {editor && (
        <div class="cfg-buttons">
          <button type="button" onClick={() => setDialog("live")}>
            Rotate write key
          </button>
          <button type="button" onClick={() => setDialog("test")}>
            Rotate test key
          </button>
          <button type="button" class="danger" onClick={() => setDialog("delete")}>
            Delete
          </button>
        </div>
      )}
      <ConfirmDialog
        open={dialog === "live" || dialog === "test"}
        title={`Rotate the ${dialog === "test" ? "test write key" : "write key"} of ${source.name}`}
        confirmLabel="Rotate key"
        onConfirm={() => void rotate(dialog === "test" ? "test" : "live")}
        onCancel={() => setDialog(null)}
      >
        <p>
          A new key is generated in the draft. After you publish, the old key keeps working for 24 hours so
          you can update your clients; then it is refused.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "delete"}
        title={`Delete the source ${source.name}`}
        confirmLabel="Delete source"
        danger
        onConfirm={() => void remove()}
        onCancel={() => setDialog(null)}
      >
        <p>
          Once you publish, events sent with its keys are refused. Its delivery history and samples are kept
          until they expire.
        </p>
      </ConfirmDialog>
    </article>
  );
}

function KeyRow(props: { label: string; sourceName: string; value: string | null }) {
  const masked = props.value === MASKED;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        {props.value === null ? (
          <span class="cfg-hint">none</span>
        ) : (
          <>
            <code class="cfg-secret">{props.value}</code>
            {masked ? (
              <span class="cfg-hint"> (hidden from viewers)</span>
            ) : (
              <CopyButton
                value={props.value}
                label={`Copy ${props.label.toLowerCase()} of ${props.sourceName}`}
              />
            )}
          </>
        )}
      </dd>
    </>
  );
}

function AddSource(props: { onChange: (work: () => Promise<string>) => Promise<void> }) {
  const [name, setName] = useState("");
  const [requestContext, setRequestContext] = useState<"keep" | "drop">("drop");
  const [error, setError] = useState<string | null>(null);
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!valid) {
      setError("Use 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit.");
      return;
    }
    setError(null);
    await props.onChange(async () => {
      await api.post("/sources", { name, requestContext });
      setName("");
      return `Added ${name} to the draft with a new write key and test write key.`;
    });
  };
  return (
    <form class="cfg-card cfg-form" onSubmit={(event) => void submit(event)}>
      <h2>Add a source</h2>
      <div class="cfg-field">
        <label for="new-source-name">Source name</label>
        <input
          id="new-source-name"
          value={name}
          autoComplete="off"
          aria-invalid={error !== null}
          aria-describedby="new-source-name-issues"
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <FieldIssues id="new-source-name-issues" issues={error ? [error] : []} />
      </div>
      <div class="cfg-field">
        <label for="new-source-context">Request context</label>
        <select
          id="new-source-context"
          value={requestContext}
          onChange={(event) => setRequestContext(event.currentTarget.value as "keep" | "drop")}
        >
          <option value="drop">Drop (default)</option>
          <option value="keep">Keep</option>
        </select>
        <p class="cfg-hint">
          {requestContext === "drop"
            ? "The IP address, user agent and client hints are never stored."
            : "The IP address and user agent are stored with each event (an IP next to a health event is PHI)."}
        </p>
      </div>
      <button type="submit" class="primary">
        Add source
      </button>
    </form>
  );
}
