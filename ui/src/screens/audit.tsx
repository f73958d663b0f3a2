import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  ErrorBanner,
  Field,
  fieldError,
  formatNumber,
  isAdmin,
  Loading,
  PageHeader,
  Panel,
  StatusBadge,
  Table,
  Time,
  useDebounced,
  useLoad,
} from "../components.js";
import type { AuditEntry, AuditPage, AuditVerify } from "../ops-types.js";

const PAGE = 100;

/**
 * The audit log (admin only): who did what, to what, with what outcome, newest first and paged, and
 * a check of its hash chain (GET /audit/verify) that says whether any entry was changed or removed.
 */
export function AuditScreen(props: ScreenProps) {
  if (!isAdmin(props.session)) {
    return (
      <section>
        <PageHeader title="Audit log" />
        <p class="banner banner-info">Only an admin can read the audit log.</p>
      </section>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const [action, setAction] = useState("");
  const settled = useDebounced(action.trim());
  const first = useLoad(
    () => api.get<AuditPage>(`/audit${query({ action: settled, limit: PAGE })}`),
    settled,
  );
  const [more, setMore] = useState<AuditPage[]>([]);
  const [moreError, setMoreError] = useState<unknown>(null);
  useEffect(() => setMore([]), [first.data]);

  const entries = [...(first.data?.entries ?? []), ...more.flatMap((page) => page.entries)];
  const last = more[more.length - 1];
  const nextBefore = last !== undefined ? last.nextBefore : (first.data?.nextBefore ?? null);

  const loadOlder = async () => {
    if (nextBefore === null) return;
    try {
      const page = await api.get<AuditPage>(
        `/audit${query({ action: settled, before: nextBefore, limit: PAGE })}`,
      );
      setMore((current) => [...current, page]);
      setMoreError(null);
    } catch (cause) {
      setMoreError(cause);
    }
  };

  return (
    <section aria-labelledby="audit-title">
      <PageHeader
        title="Audit log"
        description="Every sign-in, change, replay, reveal of a payload and refused request, in a hash chain: changing or deleting an entry breaks the chain, and Verify finds it."
      />
      <VerifyPanel />
      <form class="panel filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="Action" hint="e.g. config.publish" error={fieldError(first.error, "action")}>
          {(input) => (
            <input
              {...input}
              type="search"
              list="audit-actions"
              spellcheck={false}
              value={action}
              onInput={(event) => setAction(event.currentTarget.value)}
            />
          )}
        </Field>
        <datalist id="audit-actions">
          {[...new Set(entries.map((entry) => entry.action))].sort().map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <div class="actions">
          <button type="button" onClick={() => void first.reload()}>
            Refresh
          </button>
        </div>
      </form>
      <ErrorBanner error={first.error} />
      {first.data === null ? (
        first.error === null && <Loading what="the audit log" />
      ) : (
        <>
          <Table
            caption="Audit entries, newest first"
            hideCaption
            rows={entries}
            rowKey={(entry) => entry.seq}
            empty={settled === "" ? "The audit log is empty." : "No entry has this action."}
            columns={[
              { header: "#", class: "num", cell: (entry: AuditEntry) => entry.seq },
              {
                header: "When",
                class: "nowrap",
                cell: (entry: AuditEntry) => <Time ms={entry.atMs} compact />,
              },
              { header: "Actor", cell: (entry: AuditEntry) => <span class="break">{entry.actor}</span> },
              { header: "Action", cell: (entry: AuditEntry) => <code>{entry.action}</code> },
              {
                header: "Target",
                cell: (entry: AuditEntry) => <span class="break">{entry.target ?? "—"}</span>,
              },
              {
                header: "Outcome",
                cell: (entry: AuditEntry) => (
                  <StatusBadge state={entry.outcome} tone={entry.outcome === "ok" ? "ok" : "bad"} />
                ),
              },
              {
                header: "Detail",
                class: "reason",
                cell: (entry: AuditEntry) => <Detail value={entry.detail} />,
              },
            ]}
          />
          <ErrorBanner error={moreError} />
          <div class="pager">
            <span class="muted">{formatNumber(entries.length)} entries shown</span>
            {nextBefore !== null && (
              <button type="button" onClick={() => void loadOlder()}>
                Load older entries
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** An entry's detail: `key: value` pairs on one line each (the server never puts payload values here). */
function Detail(props: { value: unknown }) {
  const value = props.value;
  if (value === null || value === undefined) return <span class="muted">—</span>;
  if (typeof value !== "object") return <span class="break">{String(value)}</span>;
  const pairs = Object.entries(value as Record<string, unknown>);
  if (pairs.length === 0) return <span class="muted">—</span>;
  return (
    <span class="break mono">
      {pairs.map(([key, item], index) => (
        <span key={key}>
          {index > 0 && ", "}
          {key}={typeof item === "string" ? item : JSON.stringify(item)}
        </span>
      ))}
    </span>
  );
}

function VerifyPanel() {
  const [result, setResult] = useState<AuditVerify | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.get<AuditVerify>("/audit/verify"));
    } catch (cause) {
      setResult(null);
      setError(cause);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Panel
      title="Integrity"
      actions={
        <button type="button" class="primary" onClick={() => void verify()} disabled={busy}>
          {busy ? "Verifying…" : "Verify the chain"}
        </button>
      }
    >
      <div role="status" aria-live="polite">
        {result === null ? (
          error === null && <p class="muted">Checks every entry's hash against the one before it.</p>
        ) : result.ok ? (
          <p class="banner banner-ok">
            <span>
              <strong>Intact.</strong> {formatNumber(result.checked)} entries checked; none was changed or
              removed.
            </span>
          </p>
        ) : (
          <p class="banner banner-error">
            <span>
              <strong>The chain is broken.</strong> {result.problem ?? "An entry was changed or removed."} (
              {formatNumber(result.checked)} entries checked)
            </span>
          </p>
        )}
      </div>
      <ErrorBanner error={error} />
    </Panel>
  );
}
