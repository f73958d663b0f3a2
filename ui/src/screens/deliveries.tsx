import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import {
  DestinationOptions,
  ErrorBanner,
  Field,
  fieldError,
  formatNumber,
  Loading,
  PageHeader,
  rangeBounds,
  StatusBadge,
  StatusMessage,
  Table,
  Time,
  TimeRangeFields,
  type TimeRangeId,
  useDebounced,
  useInterval,
  useLoad,
} from "../components.js";
import type { DeliveryLogEntry, DeliveryPage, Health } from "../ops-types.js";
import { href } from "../router.js";
import { TraceView } from "../trace-view.js";

const STATES = ["queued", "retrying", "delivered", "stopped", "failed"] as const;
const LIVE_MS = 2000;
const PAGE = 50;

interface Filters {
  eventName: string;
  source: string;
  destination: string;
  state: string;
  messageId: string;
  range: TimeRangeId;
  custom: { from: string; to: string };
}

const NO_FILTERS: Filters = {
  eventName: "",
  source: "",
  destination: "",
  state: "",
  messageId: "",
  range: "24h",
  custom: { from: "", to: "" },
};

/**
 * Live events and the delivery log: one row per event × destination, newest first, filtered by event
 * name, source, destination, state and time. "Live" polls every 2 s. A row's event opens its trace
 * (`#/events/<messageId>`). Rows never hold payload values.
 */
export function DeliveriesScreen(props: ScreenProps & { messageId: string | null }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [live, setLive] = useState(true);
  const [older, setOlder] = useState<DeliveryLogEntry[]>([]);
  const [olderNext, setOlderNext] = useState<number | null | undefined>(undefined);
  const [olderError, setOlderError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [updatedAtMs, setUpdatedAtMs] = useState<number | null>(null);
  const settled = useDebounced(filters);

  const params = (before?: number) => ({
    eventName: settled.eventName.trim(),
    source: settled.source.trim(),
    destination: settled.destination,
    state: settled.state,
    messageId: settled.messageId.trim(),
    ...rangeBounds(settled.range, settled.custom),
    before,
    limit: PAGE,
  });

  const first = useLoad(async () => {
    const page = await api.get<DeliveryPage>(`/deliveries${query(params())}`);
    setUpdatedAtMs(Date.now());
    return page;
  }, JSON.stringify(settled));
  const destinations = useLoad(() => api.get<Health>("/health"), "destinations");

  // New filters start again from the newest rows.
  useEffect(() => {
    setOlder([]);
    setOlderNext(undefined);
    setOlderError(null);
  }, [JSON.stringify(settled)]);

  useInterval(() => void first.reload(), LIVE_MS, live);

  const rows = [...(first.data?.deliveries ?? []), ...older];
  const next = olderNext === undefined ? (first.data?.nextBefore ?? null) : olderNext;

  const loadOlder = async () => {
    if (next === null) return;
    if (live) {
      setLive(false);
      setStatus("Live updates paused while you look at older events.");
    }
    try {
      const page = await api.get<DeliveryPage>(`/deliveries${query(params(next))}`);
      setOlder((current) => [...current, ...page.deliveries]);
      setOlderNext(page.nextBefore);
      setOlderError(null);
    } catch (cause) {
      setOlderError(cause);
    }
  };

  const toggleLive = () => {
    const next = !live;
    setLive(next);
    if (next) {
      setOlder([]);
      setOlderNext(undefined);
    }
    setStatus(next ? "Live: the list updates every 2 seconds." : "Live updates paused.");
  };

  const set = (patch: Partial<Filters>) => setFilters((current) => ({ ...current, ...patch }));
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const closeHref = href("events");

  return (
    <section aria-labelledby="events-title">
      <PageHeader
        title="Live events"
        description="Every event × destination: delivered, waiting, stopped by Sluice (with the reason) or failed. Open an event to see its trace. No payload values are shown here."
        actions={
          <>
            <button type="button" aria-pressed={live} onClick={toggleLive}>
              <span aria-hidden="true">{live ? "●" : "○"}</span> Live
            </button>
            <button type="button" onClick={() => void first.reload()}>
              Refresh
            </button>
          </>
        }
      />
      <StatusMessage message={status} kind="info" />
      <form class="panel filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="Event name" error={fieldError(first.error, "eventName")}>
          {(input) => (
            <input
              {...input}
              type="search"
              placeholder="Order Completed"
              value={filters.eventName}
              onInput={(event) => set({ eventName: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="Source" error={fieldError(first.error, "source")}>
          {(input) => (
            <input
              {...input}
              type="search"
              value={filters.source}
              onInput={(event) => set({ source: event.currentTarget.value })}
            />
          )}
        </Field>
        <Field label="Destination">
          {(input) => (
            <select
              {...input}
              value={filters.destination}
              onChange={(event) => set({ destination: event.currentTarget.value })}
            >
              <DestinationOptions health={destinations.data} />
            </select>
          )}
        </Field>
        <Field label="State">
          {(input) => (
            <select
              {...input}
              value={filters.state}
              onChange={(event) => set({ state: event.currentTarget.value })}
            >
              <option value="">Any state</option>
              {STATES.map((state) => (
                <option key={state} value={state}>
                  {state}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Message ID" error={fieldError(first.error, "messageId")}>
          {(input) => (
            <input
              {...input}
              type="search"
              spellcheck={false}
              value={filters.messageId}
              onInput={(event) => set({ messageId: event.currentTarget.value })}
            />
          )}
        </Field>
        <TimeRangeFields
          range={filters.range}
          custom={filters.custom}
          error={first.error}
          onRange={(range) => set({ range })}
          onCustom={(custom) => set({ custom })}
        />
        {filtered && (
          <div class="actions">
            <button type="button" class="link" onClick={() => setFilters(NO_FILTERS)}>
              Clear filters
            </button>
          </div>
        )}
      </form>
      <div class={props.messageId ? "split trace-open" : ""}>
        <div>
          <ErrorBanner error={first.error} />
          {first.data === null ? (
            first.error === null && <Loading what="events" />
          ) : (
            <>
              <p class="muted small-print">
                {formatNumber(rows.length)} {rows.length === 1 ? "row" : "rows"}
                {live ? " · live" : ""}
                {updatedAtMs !== null && (
                  <>
                    {" "}
                    · updated <Time ms={updatedAtMs} />
                  </>
                )}
              </p>
              <DeliveryTable rows={rows} selected={props.messageId} />
              <ErrorBanner error={olderError} />
              {next !== null && (
                <div class="pager">
                  <button type="button" onClick={() => void loadOlder()}>
                    Load older events
                  </button>
                </div>
              )}
            </>
          )}
        </div>
        {props.messageId && <TraceView messageId={props.messageId} closeHref={closeHref} />}
      </div>
    </section>
  );
}

function DeliveryTable(props: { rows: DeliveryLogEntry[]; selected: string | null }) {
  return (
    <Table
      caption="Delivery log, newest first"
      hideCaption
      rows={props.rows}
      rowKey={(row) => row.deliveryId}
      rowClass={(row) => (row.messageId === props.selected ? "selected" : "")}
      empty="No events match. Send one to the ingest API, or widen the filters."
      columns={[
        {
          header: "Event",
          cell: (row) => (
            <a
              href={href("events", row.messageId)}
              aria-current={row.messageId === props.selected ? "true" : undefined}
              title={`Trace of ${row.messageId}`}
            >
              {row.eventName ?? row.eventType}
            </a>
          ),
        },
        { header: "State", cell: (row) => <StatusBadge state={row.state} /> },
        { header: "Destination", cell: (row) => row.destination },
        { header: "When", class: "nowrap", cell: (row) => <Time ms={row.updatedAtMs} compact /> },
        {
          header: "Why",
          class: "reason",
          cell: (row) =>
            row.reason === null ? (
              <span class="muted">—</span>
            ) : (
              <span class="break">
                {row.stage !== null && <strong>{row.stage}: </strong>}
                {row.reason}
                {row.field !== null && (
                  <>
                    {" "}
                    (<code>{row.field}</code>)
                  </>
                )}
              </span>
            ),
        },
        { header: "Source", cell: (row) => row.sourceName },
        { header: "Attempts", class: "num", cell: (row) => row.attempts },
        { header: "HTTP", class: "num", cell: (row) => row.lastStatus ?? "—" },
        { header: "Type", cell: (row) => row.eventType },
      ]}
    />
  );
}
