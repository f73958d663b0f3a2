import { useEffect, useRef, useState } from "preact/hooks";
import { api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  ConfirmDialog,
  canEdit,
  DestinationOptions,
  ErrorBanner,
  Field,
  fieldError,
  formatNumber,
  isAdmin,
  JsonBlock,
  Loading,
  MaskedBadge,
  PageHeader,
  rangeBounds,
  StatusBadge,
  StatusMessage,
  Table,
  Time,
  TimeRangeFields,
  type TimeRangeId,
  useLoad,
  VIEWER_NOTE,
} from "../components.js";
import type { DeadLetter, DeadLetterPage, DeliveryLogEntry, Health, ReplayResult } from "../ops-types.js";
import { href } from "../router.js";
import { AttemptsTable } from "../trace-view.js";

const PAGE = 100;

interface Filters {
  destination: string;
  range: TimeRangeId;
  custom: { from: string; to: string };
}

type Ask =
  | { kind: "selected"; ids: number[] }
  | { kind: "filter"; matched: number | null; body: Record<string, unknown> }
  | null;

/**
 * Dead letters: deliveries Customer.io rejected for good. List and filter them, open one (its
 * attempts and its payload, masked; an admin may reveal the values after a confirmation, which is
 * audited), and replay the selected ones or every one matching the filters (a dry run counts them
 * first). Viewers see the list without replay controls and never a value.
 */
export function DeadLettersScreen(props: ScreenProps) {
  const editor = canEdit(props.session);
  const [filters, setFilters] = useState<Filters>({
    destination: "",
    range: "all",
    custom: { from: "", to: "" },
  });
  const [pages, setPages] = useState<DeadLetterPage[]>([]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [openId, setOpenId] = useState<number | null>(null);
  const [ask, setAsk] = useState<Ask>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);

  const bounds = () => rangeBounds(filters.range, filters.custom);
  const list = useLoad(
    () =>
      api.get<DeadLetterPage>(
        `/dead-letters${query({ destination: filters.destination, ...bounds(), limit: PAGE })}`,
      ),
    JSON.stringify(filters),
  );
  const destinations = useLoad(() => api.get<Health>("/health"), "destinations");
  useEffect(() => {
    setPages([]);
    setSelected(new Set());
  }, [list.data]);

  const rows = [...(list.data?.deadLetters ?? []), ...pages.flatMap((page) => page.deadLetters)];
  const nextBefore =
    pages.length > 0 ? (pages[pages.length - 1]?.nextBefore ?? null) : (list.data?.nextBefore ?? null);

  const loadOlder = async () => {
    if (nextBefore === null) return;
    try {
      const page = await api.get<DeadLetterPage>(
        `/dead-letters${query({ destination: filters.destination, ...bounds(), before: nextBefore, limit: PAGE })}`,
      );
      setPages((current) => [...current, page]);
    } catch (cause) {
      setError(cause);
    }
  };

  const filterBody = (): Record<string, unknown> => {
    const body: Record<string, unknown> = { ...bounds() };
    if (filters.destination !== "") body["destination"] = filters.destination;
    if (Object.keys(body).length === 0) body["all"] = true;
    return body;
  };

  const askReplayByFilter = async () => {
    setError(null);
    const body = filterBody();
    setAsk({ kind: "filter", matched: null, body });
    try {
      const dry = await api.post<ReplayResult>("/dead-letters/replay", { ...body, dryRun: true });
      setAsk({ kind: "filter", matched: dry.matched, body });
    } catch (cause) {
      setAsk(null);
      setError(cause);
    }
  };

  const replay = async () => {
    if (ask === null) return;
    setBusy(true);
    setError(null);
    try {
      const body = ask.kind === "selected" ? { deliveryIds: ask.ids } : ask.body;
      const result = await api.post<ReplayResult>("/dead-letters/replay", body);
      const skipped = result.matched - result.replayed;
      setStatus(
        `${formatNumber(result.replayed)} ${result.replayed === 1 ? "dead letter was" : "dead letters were"} put back in the queue` +
          (skipped > 0
            ? ` (${formatNumber(skipped)} could not be: changed meanwhile or their event body is gone).`
            : "."),
      );
      setAsk(null);
      setOpenId(null);
      await list.reload();
    } catch (cause) {
      setError(cause);
      setAsk(null);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: number, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const allSelected = rows.length > 0 && rows.every((row) => selected.has(row.deliveryId));

  return (
    <section aria-labelledby="dead-letters-title">
      <PageHeader
        title="Dead letters"
        description="Events Customer.io rejected for good, or that kept failing until their retry time ran out. Fix the cause (a mapping, the credentials), then replay them: they keep their messageId, so Customer.io drops one it already has."
      />
      {!editor && <p class="banner banner-info">{VIEWER_NOTE} Replaying needs the editor or admin role.</p>}
      <StatusMessage message={status} />
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <form class="panel filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="Destination" error={fieldError(list.error, "destination")}>
          {(input) => (
            <select
              {...input}
              value={filters.destination}
              onChange={(event) => setFilters({ ...filters, destination: event.currentTarget.value })}
            >
              <DestinationOptions health={destinations.data} />
            </select>
          )}
        </Field>
        <TimeRangeFields
          range={filters.range}
          custom={filters.custom}
          error={list.error}
          onRange={(range) => setFilters({ ...filters, range })}
          onCustom={(custom) => setFilters({ ...filters, custom })}
        />
        {editor && (
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={selected.size === 0}
              onClick={() => setAsk({ kind: "selected", ids: [...selected] })}
            >
              Replay selected ({formatNumber(selected.size)})
            </button>
            <button type="button" onClick={() => void askReplayByFilter()} disabled={rows.length === 0}>
              Replay all matching…
            </button>
          </div>
        )}
      </form>
      <div class={openId !== null ? "split" : ""}>
        <div>
          <ErrorBanner error={list.error} />
          {list.data === null ? (
            list.error === null && <Loading what="dead letters" />
          ) : (
            <>
              <Table
                caption="Dead letters, newest first"
                hideCaption
                rows={rows}
                rowKey={(row) => row.deliveryId}
                rowClass={(row) => (row.deliveryId === openId ? "selected" : "")}
                rowHeaders={!editor}
                empty="No dead letters. Everything was delivered, is waiting, or was stopped on purpose."
                columns={[
                  ...(editor
                    ? [
                        {
                          header: (
                            <label class="check">
                              <input
                                type="checkbox"
                                checked={allSelected}
                                onChange={(event) =>
                                  setSelected(
                                    event.currentTarget.checked
                                      ? new Set(rows.map((row) => row.deliveryId))
                                      : new Set(),
                                  )
                                }
                              />
                              <span class="sr-only">Select all shown</span>
                            </label>
                          ),
                          cell: (row: DeliveryLogEntry) => (
                            <label class="check">
                              <input
                                type="checkbox"
                                checked={selected.has(row.deliveryId)}
                                onChange={(event) => toggle(row.deliveryId, event.currentTarget.checked)}
                              />
                              <span class="sr-only">Select dead letter {row.deliveryId}</span>
                            </label>
                          ),
                        },
                      ]
                    : []),
                  {
                    header: "Delivery",
                    cell: (row: DeliveryLogEntry) => (
                      <button
                        type="button"
                        class="link"
                        aria-pressed={row.deliveryId === openId}
                        onClick={() => setOpenId(row.deliveryId === openId ? null : row.deliveryId)}
                      >
                        Open {row.deliveryId}
                      </button>
                    ),
                  },
                  {
                    header: "Failed",
                    class: "nowrap",
                    cell: (row: DeliveryLogEntry) => <Time ms={row.updatedAtMs} compact />,
                  },
                  { header: "Destination", cell: (row: DeliveryLogEntry) => row.destination },
                  {
                    header: "Event",
                    cell: (row: DeliveryLogEntry) => (
                      <a href={href("events", row.messageId)}>{row.eventName ?? row.eventType}</a>
                    ),
                  },
                  { header: "Source", cell: (row: DeliveryLogEntry) => row.sourceName },
                  {
                    header: "Why",
                    class: "reason",
                    cell: (row: DeliveryLogEntry) => (
                      <span class="break">
                        {row.reason ?? "—"}
                        {row.field !== null && (
                          <>
                            {" "}
                            (<code>{row.field}</code>)
                          </>
                        )}
                      </span>
                    ),
                  },
                  { header: "Attempts", class: "num", cell: (row: DeliveryLogEntry) => row.attempts },
                  { header: "HTTP", class: "num", cell: (row: DeliveryLogEntry) => row.lastStatus ?? "—" },
                  { header: "Replays", class: "num", cell: (row: DeliveryLogEntry) => row.replays },
                ]}
              />
              {nextBefore !== null && (
                <div class="pager">
                  <button type="button" onClick={() => void loadOlder()}>
                    Load older dead letters
                  </button>
                </div>
              )}
            </>
          )}
        </div>
        {openId !== null && (
          <DeadLetterDetail
            key={openId}
            deliveryId={openId}
            admin={isAdmin(props.session)}
            editor={editor}
            onClose={() => setOpenId(null)}
            onReplay={() => setAsk({ kind: "selected", ids: [openId] })}
          />
        )}
      </div>
      <ConfirmDialog
        open={ask !== null}
        title={
          ask?.kind === "selected"
            ? `Replay ${ask.ids.length === 1 ? "this dead letter" : `${formatNumber(ask.ids.length)} dead letters`}?`
            : "Replay every matching dead letter?"
        }
        confirmLabel={
          ask?.kind === "filter"
            ? ask.matched === null
              ? "Counting…"
              : `Replay ${formatNumber(ask.matched)}`
            : "Replay"
        }
        busy={busy}
        confirmDisabled={ask?.kind === "filter" && (ask.matched === null || ask.matched === 0)}
        onConfirm={() => void replay()}
        onCancel={() => setAsk(null)}
      >
        {ask?.kind === "filter" ? (
          <p role="status">
            {ask.matched === null
              ? "Counting the dead letters that match…"
              : ask.matched === 0
                ? "No dead letter matches these filters."
                : `${formatNumber(ask.matched)} ${ask.matched === 1 ? "dead letter matches" : "dead letters match"} ${
                    ask.body["all"] === true ? "(no filter: every dead letter)" : "the filters"
                  }. They go back in the queue, oldest first.`}
          </p>
        ) : (
          <p>They go back in the queue and are sent again with their original messageId.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function DeadLetterDetail(props: {
  deliveryId: number;
  admin: boolean;
  editor: boolean;
  onClose: () => void;
  onReplay: () => void;
}) {
  const [reveal, setReveal] = useState(false);
  const [asking, setAsking] = useState(false);
  const detail = useLoad(
    () =>
      api.get<DeadLetter>(
        `/dead-letters/${props.deliveryId}${query({ reveal: reveal ? "true" : undefined })}`,
      ),
    `${props.deliveryId}-${reveal}`,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const letter = detail.data;
  return (
    <section class="panel" aria-labelledby="dead-letter-title">
      <div class="panel-head">
        <h2 id="dead-letter-title" tabIndex={-1} ref={heading}>
          Dead letter {props.deliveryId}
        </h2>
        <div class="panel-actions">
          {props.editor && (
            <button type="button" class="small primary" onClick={props.onReplay}>
              Replay this one
            </button>
          )}
          <button type="button" class="small" onClick={props.onClose}>
            Close
          </button>
        </div>
      </div>
      <ErrorBanner error={detail.error} />
      {letter === null ? (
        detail.error === null && <Loading />
      ) : (
        <>
          <dl class="facts">
            <dt>Destination</dt>
            <dd>{letter.delivery.destination}</dd>
            <dt>Event</dt>
            <dd>
              <a href={href("events", letter.delivery.messageId)}>{letter.delivery.eventType}</a>{" "}
              <span class="mono break">{letter.delivery.messageId}</span>
            </dd>
            <dt>Source</dt>
            <dd>{letter.delivery.sourceName}</dd>
            <dt>Received</dt>
            <dd>
              <Time ms={letter.delivery.receivedAtMs} />
            </dd>
            <dt>State</dt>
            <dd>
              <StatusBadge state={letter.delivery.state} />
            </dd>
            <dt>Why</dt>
            <dd>
              {letter.delivery.reason ?? "—"}
              {letter.delivery.field !== null && (
                <>
                  {" "}
                  (field <code>{letter.delivery.field}</code>)
                </>
              )}
            </dd>
          </dl>
          <h3>Attempts</h3>
          <AttemptsTable attempts={letter.attempts} caption={`Attempts of dead letter ${props.deliveryId}`} />
          <div class="panel-head">
            <h3>
              Payload <MaskedBadge revealed={letter.revealed} />
            </h3>
            {letter.payload.state !== "deleted" &&
              letter.payload.state !== "unreadable" &&
              (letter.revealed ? (
                <button type="button" class="small" onClick={() => setReveal(false)}>
                  Mask values again
                </button>
              ) : props.admin ? (
                <button type="button" class="small" onClick={() => setAsking(true)}>
                  Reveal values…
                </button>
              ) : (
                <span class="muted">Only an admin may reveal values.</span>
              ))}
          </div>
          {letter.payload.state === "masked" || letter.payload.state === "revealed" ? (
            <JsonBlock value={letter.payload.value} label={`Payload of dead letter ${props.deliveryId}`} />
          ) : letter.payload.state === "deleted" ? (
            <p class="muted">
              The event's body is no longer stored (removed by erasure or the retention period).
            </p>
          ) : (
            <p class="muted">
              The stored body ({formatNumber(letter.payload.chars)} characters) is not valid JSON, so it
              cannot be shown.
            </p>
          )}
        </>
      )}
      <ConfirmDialog
        open={asking}
        title="Reveal this event's values?"
        confirmLabel="Reveal values"
        danger
        onConfirm={() => {
          setAsking(false);
          setReveal(true);
        }}
        onCancel={() => setAsking(false)}
      >
        <p>
          The payload may hold personal or health information. Revealing it is recorded in the audit log under
          your name. Only reveal it when you need the values to fix the problem.
        </p>
      </ConfirmDialog>
    </section>
  );
}
