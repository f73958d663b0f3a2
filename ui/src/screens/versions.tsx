import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  ConfirmDialog,
  canEdit,
  ErrorBanner,
  Field,
  formatNumber,
  Loading,
  PageHeader,
  Panel,
  StatusBadge,
  StatusMessage,
  Table,
  Time,
  useLoad,
  VIEWER_NOTE,
} from "../components.js";
import type { ConfigDiff, ConfigState, ConfigVersion } from "../ops-types.js";

const PAGE = 100;
/** Unchanged runs longer than this are folded, keeping this many lines of context on each side. */
const CONTEXT = 3;

type Ref = string; // "live", "draft" or a version number as text

/**
 * Configuration versions: every published version (who, when, why), a diff of any two (versions,
 * "live" or the "draft") as a unified diff with + and - lines, and rollback, which publishes a copy
 * of an earlier version as the next one. In file mode there is nothing to roll back to: the screen
 * says why.
 */
export function VersionsScreen(props: ScreenProps) {
  const editor = canEdit(props.session);
  const config = useLoad(() => api.get<ConfigState>("/config"), "config");
  const versions = useLoad(
    () => api.get<{ versions: ConfigVersion[] }>(`/config/versions${query({ limit: PAGE })}`),
    "versions",
  );
  const [older, setOlder] = useState<ConfigVersion[]>([]);
  const [noMore, setNoMore] = useState(false);
  const [from, setFrom] = useState<Ref | null>(null);
  const [to, setTo] = useState<Ref | null>(null);
  const [rollback, setRollback] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);

  const list = [...(versions.data?.versions ?? []), ...older];
  const live = config.data?.live.version ?? null;
  const hasDraft = config.data?.draft != null;
  const fileMode = config.data?.mode === "file";

  // Default comparison: what the draft would change, else what the last publish changed.
  useEffect(() => {
    if (from !== null || config.data === null || versions.data === null) return;
    const latest = versions.data.versions;
    if (hasDraft) {
      setFrom("live");
      setTo("draft");
    } else if (latest.length >= 2) {
      setFrom(String(latest[1]?.version));
      setTo("live");
    }
  }, [config.data, versions.data, hasDraft, from]);

  const loadOlder = async () => {
    const last = list[list.length - 1];
    if (last === undefined) return;
    try {
      const page = await api.get<{ versions: ConfigVersion[] }>(
        `/config/versions${query({ before: last.version, limit: PAGE })}`,
      );
      setOlder((current) => [...current, ...page.versions]);
      if (page.versions.length < PAGE) setNoMore(true);
    } catch (cause) {
      setError(cause);
    }
  };

  const doRollback = async () => {
    if (rollback === null) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<{ version: number }>(`/config/versions/${rollback}/rollback`);
      setStatus(`Version ${result.version} is live: a copy of version ${rollback}.`);
      setRollback(null);
      setOlder([]);
      setNoMore(false);
      await Promise.all([config.reload(), versions.reload()]);
      // What the rollback changed: the version that was live before it, against the new live one.
      setFrom(String(live ?? rollback));
      setTo("live");
    } catch (cause) {
      setError(cause);
      setRollback(null);
    } finally {
      setBusy(false);
    }
  };

  const canRollBack = editor && !fileMode && config.data?.editable !== false;
  const moreToLoad = !noMore && (versions.data?.versions.length ?? 0) === PAGE;

  return (
    <section aria-labelledby="versions-title">
      <PageHeader
        title="Versions"
        description="Each publish makes a numbered, unchangeable version. Compare any two, or roll back: a rollback publishes a copy of the old version as the newest one, so the history is never rewritten."
      />
      <StatusMessage message={status} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <ErrorBanner error={config.error ?? versions.error} />
      {config.data !== null && <ModeBanner config={config.data} />}
      {!editor && (
        <p class="banner banner-info">{VIEWER_NOTE} Rolling back needs the editor or admin role.</p>
      )}
      <div class="stack">
        <Panel title="Published versions">
          {versions.data === null ? (
            versions.error === null && <Loading what="versions" />
          ) : (
            <>
              <Table
                caption="Published versions, newest first"
                hideCaption
                rows={list}
                rowKey={(version) => version.version}
                empty={
                  fileMode
                    ? "No version was published here: the configuration comes from the file."
                    : "Nothing has been published yet. Edit the configuration, then publish the draft."
                }
                columns={[
                  {
                    header: "Version",
                    class: "nowrap",
                    cell: (version) => (
                      <>
                        {version.version} {version.version === live && <StatusBadge state="live" tone="ok" />}
                      </>
                    ),
                  },
                  {
                    header: "Published",
                    class: "nowrap",
                    cell: (version) => <Time ms={version.publishedAtMs} compact />,
                  },
                  { header: "By", cell: (version) => version.publishedBy },
                  {
                    header: "Note",
                    class: "reason",
                    cell: (version) =>
                      version.note ? <span class="break">{version.note}</span> : <span class="muted">—</span>,
                  },
                  {
                    header: <span class="sr-only">Actions</span>,
                    cell: (version) => (
                      <div class="actions">
                        {version.version !== live && (
                          <button
                            type="button"
                            class="small"
                            onClick={() => {
                              setFrom("live");
                              setTo(String(version.version));
                            }}
                          >
                            Compare with live<span class="sr-only"> (version {version.version})</span>
                          </button>
                        )}
                        {canRollBack && version.version !== live && (
                          <button type="button" class="small" onClick={() => setRollback(version.version)}>
                            Roll back to {version.version}…
                          </button>
                        )}
                      </div>
                    ),
                  },
                ]}
              />
              {moreToLoad && (
                <button type="button" onClick={() => void loadOlder()}>
                  Load older versions
                </button>
              )}
            </>
          )}
        </Panel>
        <DiffPanel
          versions={list}
          hasDraft={hasDraft}
          live={live}
          from={from}
          to={to}
          onFrom={setFrom}
          onTo={setTo}
        />
      </div>
      <ConfirmDialog
        open={rollback !== null}
        title={`Roll back to version ${rollback ?? ""}?`}
        confirmLabel={`Roll back to version ${rollback ?? ""}`}
        busy={busy}
        onConfirm={() => void doRollback()}
        onCancel={() => setRollback(null)}
      >
        <p>
          A copy of version {rollback} is published as the next version and applied at once: sources,
          destinations and actions change for every event from now on (queued events are kept). Your draft, if
          any, is kept.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/**
 * How versions work in this mode. In file mode the file decides what runs, so there is nothing to
 * publish or roll back to here; say so plainly. (The draft bar above every screen says how edits
 * relate to the file.)
 */
function ModeBanner(props: { config: ConfigState }) {
  const { config } = props;
  if (config.mode !== "file") {
    return (
      <p class="muted">
        {config.live.version === null ? (
          "Nothing is published yet: the first publish makes version 1."
        ) : (
          <>
            Version {config.live.version} is live
            {config.live.publishedAtMs !== null && (
              <>
                , published <Time ms={config.live.publishedAtMs} />
                {config.live.publishedBy !== null && ` by ${config.live.publishedBy}`}
              </>
            )}
            .
          </>
        )}
        {config.draft !== null && " There is an unpublished draft: compare it with live below."}
      </p>
    );
  }
  return (
    <div class="banner banner-warn">
      <p>
        <strong>Rolling back and publishing are not possible here.</strong> This Sluice runs the configuration
        file
        {config.filePath ? (
          <>
            {" "}
            <code>{config.filePath}</code>
          </>
        ) : null}
        , and the file decides what runs: no version is published in the console. To change the configuration,
        export the draft as YAML into the file and restart Sluice (or start Sluice without{" "}
        <code>SLUICE_CONFIG</code> to manage versions here).
      </p>
    </div>
  );
}

function refLabel(ref: Ref, live: number | null): string {
  if (ref === "draft") return "the draft";
  if (ref === "live") return live === null ? "live" : `live (version ${live})`;
  return `version ${ref}`;
}

function DiffPanel(props: {
  versions: ConfigVersion[];
  hasDraft: boolean;
  live: number | null;
  from: Ref | null;
  to: Ref | null;
  onFrom: (ref: Ref) => void;
  onTo: (ref: Ref) => void;
}) {
  const { from, to } = props;
  const ready = from !== null && to !== null && from !== to;
  const diff = useLoad<ConfigDiff | null>(
    () => (ready ? api.get<ConfigDiff>(`/config/diff${query({ from, to })}`) : Promise.resolve(null)),
    `${from}|${to}`,
  );
  const options: { value: Ref; label: string }[] = [
    ...(props.hasDraft ? [{ value: "draft", label: "Draft (unpublished)" }] : []),
    { value: "live", label: props.live === null ? "Live" : `Live (version ${props.live})` },
    ...props.versions.map((version) => ({
      value: String(version.version),
      label: `Version ${version.version}`,
    })),
  ];
  const picker = (label: string, value: Ref | null, onChange: (ref: Ref) => void) => (
    <Field label={label}>
      {(input) => (
        <select {...input} value={value ?? ""} onChange={(event) => onChange(event.currentTarget.value)}>
          {value === null && <option value="">Choose…</option>}
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  return (
    <Panel title="Compare">
      <div class="filters">
        {picker("From", from, props.onFrom)}
        {picker("To", to, props.onTo)}
        <div class="actions">
          <button
            type="button"
            class="small"
            disabled={from === null || to === null}
            onClick={() => {
              if (from === null || to === null) return;
              props.onFrom(to);
              props.onTo(from);
            }}
          >
            Swap
          </button>
        </div>
      </div>
      {!ready ? (
        <p class="muted">
          {from !== null && from === to
            ? "Pick two different configurations."
            : "Pick two configurations to compare."}
        </p>
      ) : (
        <>
          <ErrorBanner error={diff.error} />
          {diff.data === null ? (
            diff.error === null && <Loading what="the diff" />
          ) : (
            <DiffView
              diff={diff.data}
              fromLabel={refLabel(from, props.live)}
              toLabel={refLabel(to, props.live)}
            />
          )}
        </>
      )}
    </Panel>
  );
}

type Row =
  | { kind: "line"; op: " " | "+" | "-"; text: string; index: number }
  | { kind: "gap"; count: number; start: number };

/** Fold long unchanged runs, keeping `CONTEXT` lines around each change (and everything when unfolded). */
function foldUnchanged(lines: ConfigDiff["lines"], expanded: ReadonlySet<number>): Row[] {
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.op === " ") return;
    for (let k = Math.max(0, index - CONTEXT); k <= Math.min(lines.length - 1, index + CONTEXT); k++)
      near[k] = true;
  });
  const rows: Row[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (line === undefined) break;
    if (line.op !== " " || near[index]) {
      rows.push({ kind: "line", op: line.op, text: line.text, index });
      index++;
      continue;
    }
    const start = index;
    while (index < lines.length && lines[index]?.op === " " && !near[index]) index++;
    if (expanded.has(start) || index - start <= 2) {
      for (let k = start; k < index; k++)
        rows.push({ kind: "line", op: " ", text: lines[k]?.text ?? "", index: k });
    } else {
      rows.push({ kind: "gap", count: index - start, start });
    }
  }
  return rows;
}

const MARKER_WORDS = { "+": "added", "-": "removed", " ": "unchanged" } as const;

function DiffView(props: { diff: ConfigDiff; fromLabel: string; toLabel: string }) {
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const lines = props.diff.lines;
  const added = lines.filter((line) => line.op === "+").length;
  const removed = lines.filter((line) => line.op === "-").length;
  if (added === 0 && removed === 0) {
    return (
      <p class="banner banner-info" role="status">
        No difference: {props.fromLabel} and {props.toLabel} are the same configuration.
      </p>
    );
  }
  const rows = foldUnchanged(lines, expanded);
  return (
    <>
      <p role="status">
        From {props.fromLabel} to {props.toLabel}:{" "}
        <strong>
          {formatNumber(added)} {added === 1 ? "line" : "lines"} added
        </strong>{" "}
        (marked +),{" "}
        <strong>
          {formatNumber(removed)} {removed === 1 ? "line" : "lines"} removed
        </strong>{" "}
        (marked -). Secrets are masked.
      </p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard */}
      <section class="diff" aria-label={`Diff from ${props.fromLabel} to ${props.toLabel}`} tabIndex={0}>
        {rows.map((row) =>
          row.kind === "gap" ? (
            <div class="diff-gap" key={`gap-${row.start}`}>
              <button
                type="button"
                class="link"
                onClick={() => setExpanded((current) => new Set([...current, row.start]))}
              >
                Show {formatNumber(row.count)} unchanged lines
              </button>
            </div>
          ) : (
            <div
              key={row.index}
              class={`diff-line ${row.op === "+" ? "diff-add" : row.op === "-" ? "diff-del" : ""}`}
            >
              <span class="diff-marker">
                <span aria-hidden="true">{row.op}</span>
                {row.op !== " " && <span class="sr-only">{MARKER_WORDS[row.op]}:</span>}
              </span>
              <span>{row.text === "" ? " " : row.text}</span>
            </div>
          ),
        )}
      </section>
    </>
  );
}
