import { useState } from "preact/hooks";
import { ApiError, api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  type ConfigIssue,
  type ConfigState,
  canEdit,
  notifyConfigChanged,
  roleOf,
  useConfigState,
} from "../config-state.js";
import { ConfirmDialog, errorMessage, formatTime, Notice } from "../config-widgets.js";
import { href, useRoute } from "../router.js";

/**
 * Shown above every screen: "Unpublished changes" with Diff, Discard and Publish while a draft exists;
 * in file mode a banner saying that edits here are drafts only, with Export YAML; and Import YAML.
 */
export function DraftBar(props: ScreenProps) {
  const { state, error } = useConfigState();
  const route = useRoute();
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string; issues?: ConfigIssue[] } | null>(
    null,
  );
  if (error && !(error instanceof ApiError && (error.status === 404 || error.status === 403))) {
    return (
      <div class="cfg-draftbar">
        <Notice kind="error">Could not read the configuration: {errorMessage(error)}</Notice>
      </div>
    );
  }
  if (!state) return null;
  const editor = canEdit(roleOf(props.session));
  const configScreen = ["sources", "destinations", "versions"].includes(route[0] ?? "");
  const fileMode = state.mode === "file";
  if (!fileMode && !state.draft && !configScreen && !result) return null;
  return (
    <section
      class={`cfg-draftbar${state.draft ? " cfg-draftbar-pending" : ""}`}
      aria-label="Configuration changes"
    >
      {fileMode && (
        <div class="cfg-filebanner">
          <p>
            <strong>Sluice runs from {state.filePath ?? "a configuration file"}:</strong> changes here are
            drafts only. Export them as YAML and put them in the file.
          </p>
          <details>
            <summary>How edits relate to the file</summary>
            <p>{state.message}</p>
          </details>
        </div>
      )}
      <div class="cfg-draftbar-row">
        {state.draft ? (
          <DraftSummary state={state} />
        ) : (
          !fileMode && (
            <p class="cfg-draftbar-status">
              No unpublished changes
              {state.live.version === null ? "." : ` (live: version ${state.live.version}).`}
            </p>
          )
        )}
        {editor ? (
          <DraftButtons state={state} onResult={setResult} />
        ) : (
          state.draft && <p class="cfg-hint">Viewers cannot publish or discard changes.</p>
        )}
      </div>
      <div aria-live="polite">
        {result && (
          <Notice kind={result.kind}>
            {result.text}
            {result.issues && result.issues.length > 0 && <IssueList issues={result.issues} />}
          </Notice>
        )}
      </div>
    </section>
  );
}

function DraftSummary(props: { state: ConfigState }) {
  const draft = props.state.draft!;
  return (
    <div class="cfg-draftbar-status">
      <strong>Unpublished changes</strong>{" "}
      <span class="cfg-hint">
        edited {formatTime(draft.updatedAtMs)}
        {draft.updatedBy ? ` by ${draft.updatedBy}` : ""}, based on{" "}
        {draft.basedOn === null ? "an empty configuration" : `version ${draft.basedOn}`}
      </span>{" "}
      <a href={href("versions")}>Diff</a>
      {draft.issues.length > 0 && (
        <details class="cfg-draft-issues">
          <summary>
            {draft.issues.length} {draft.issues.length === 1 ? "problem" : "problems"} to fix before
            publishing
          </summary>
          <IssueList issues={draft.issues} />
        </details>
      )}
    </div>
  );
}

function IssueList(props: { issues: readonly ConfigIssue[] }) {
  return (
    <ul class="cfg-issue-list">
      {props.issues.map((issue) => (
        <li key={`${issue.path}:${issue.message}`}>
          <code>{issue.path || "(configuration)"}</code>: {issue.message}
        </li>
      ))}
    </ul>
  );
}

type ResultSetter = (result: { kind: "ok" | "error"; text: string; issues?: ConfigIssue[] } | null) => void;

function DraftButtons(props: { state: ConfigState; onResult: ResultSetter }) {
  const { state, onResult } = props;
  const [dialog, setDialog] = useState<"publish" | "discard" | "import" | null>(null);
  const [note, setNote] = useState("");
  const [yaml, setYaml] = useState("");
  const [busy, setBusy] = useState(false);
  const fileMode = state.mode === "file";

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
      setDialog(null);
    } catch (cause) {
      onResult({ kind: "error", text: errorMessage(cause) });
      setDialog(null);
    } finally {
      setBusy(false);
      notifyConfigChanged();
    }
  };
  const publish = () =>
    run(async () => {
      const answer = await api.post<{ version: number }>(
        "/config/publish",
        note.trim() === "" ? {} : { note: note.trim() },
      );
      setNote("");
      onResult({ kind: "ok", text: `Published version ${answer.version}: Sluice runs it now.` });
    });
  const discard = () =>
    run(async () => {
      await api.delete("/config/draft");
      onResult({ kind: "ok", text: "Discarded the unpublished changes." });
    });
  const importYaml = () =>
    run(async () => {
      const answer = await api.post<{ issues: ConfigIssue[] }>("/config/import", { yaml });
      setYaml("");
      onResult(
        answer.issues.length === 0
          ? { kind: "ok", text: "Imported the YAML as the draft. Review it, then publish." }
          : {
              kind: "error",
              text: "Imported the YAML as the draft, but it has problems to fix before publishing:",
              issues: answer.issues,
            },
      );
    });
  const exportYaml = async () => {
    try {
      const version = state.draft ? "draft" : "live";
      const answer = await api.get<{ yaml: string }>(`/config/export${query({ version })}`);
      const url = URL.createObjectURL(new Blob([answer.yaml], { type: "application/yaml" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = "sluice.yaml";
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      onResult({
        kind: "ok",
        text: `Downloaded sluice.yaml (the ${version} configuration). Secrets are written as \${SLUICE_…} environment references, never values.`,
      });
    } catch (cause) {
      onResult({ kind: "error", text: errorMessage(cause) });
    }
  };
  const readFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file) setYaml(await file.text());
  };

  return (
    <div class="cfg-buttons">
      {state.draft && !fileMode && (
        <button
          type="button"
          class="primary"
          onClick={() => setDialog("publish")}
          disabled={state.draft.issues.length > 0}
          title={state.draft.issues.length > 0 ? "Fix the problems first" : undefined}
        >
          Publish
        </button>
      )}
      {state.draft && (
        <button type="button" onClick={() => setDialog("discard")}>
          Discard
        </button>
      )}
      <button type="button" onClick={() => void exportYaml()}>
        Export YAML
      </button>
      <button type="button" onClick={() => setDialog("import")}>
        Import YAML
      </button>

      <ConfirmDialog
        open={dialog === "publish"}
        title="Publish the changes"
        confirmLabel="Publish now"
        busy={busy}
        onConfirm={() => void publish()}
        onCancel={() => setDialog(null)}
      >
        <p>
          Publishing makes the draft a new version and the running Sluice applies it at once (delivery of
          changed destinations restarts; queued events are kept).{" "}
          <a href={href("versions")}>Review the diff</a> first if you are unsure.
        </p>
        <label>
          Note (optional)
          <input
            type="text"
            value={note}
            maxLength={500}
            onInput={(event) => setNote(event.currentTarget.value)}
          />
        </label>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "discard"}
        title="Discard the unpublished changes"
        confirmLabel="Discard changes"
        danger
        busy={busy}
        onConfirm={() => void discard()}
        onCancel={() => setDialog(null)}
      >
        <p>
          Every change since{" "}
          {state.draft?.basedOn === null || state.draft === null
            ? "the start"
            : `version ${state.draft.basedOn}`}{" "}
          is lost. The live configuration is not affected.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "import"}
        title="Import YAML"
        confirmLabel="Import as draft"
        busy={busy}
        confirmDisabled={yaml.trim() === ""}
        onConfirm={() => void importYaml()}
        onCancel={() => setDialog(null)}
      >
        <p>
          The YAML replaces the draft (nothing goes live until you publish). A secret written as{" "}
          <code>{"${VARIABLE}"}</code> whose variable is not set on the server keeps the current secret of the
          same destination.
        </p>
        <label>
          YAML file
          <input
            type="file"
            accept=".yaml,.yml,.json,text/yaml,application/json"
            onChange={(event) => void readFile(event.currentTarget)}
          />
        </label>
        <label>
          YAML
          <textarea
            rows={10}
            spellcheck={false}
            value={yaml}
            onInput={(event) => setYaml(event.currentTarget.value)}
          />
        </label>
      </ConfirmDialog>
    </div>
  );
}
