import { useEffect, useRef } from "preact/hooks";
import { api } from "./api.js";
import {
  ErrorBanner,
  formatNumber,
  Loading,
  StatusBadge,
  Table,
  Time,
  type Tone,
  useLoad,
} from "./components.js";
import type { AttemptRecord, EventTrace, TraceResponse } from "./ops-types.js";

const STAGE_TONES: Record<string, Tone> = {
  passed: "ok",
  stopped: "muted",
  failed: "bad",
  pending: "info",
  retrying: "warn",
  "not reached": "muted",
};

const STAGE_NAMES: Record<string, string> = {
  ingest: "Ingest",
  allowlist: "Allow list",
  consent: "Consent",
  mapping: "Mapping",
  privacy: "Privacy",
  limits: "Limits",
  delivery: "Delivery",
};

/**
 * The story of one event (GET /events/{messageId}/trace): for each stored event with that messageId
 * and each destination, every stage it passed or stopped at, and every delivery attempt. No payload
 * values: the trace holds none. The heading takes the focus when it opens.
 */
export function TraceView(props: { messageId: string; closeHref?: string }) {
  const trace = useLoad(
    () => api.get<TraceResponse>(`/events/${encodeURIComponent(props.messageId)}/trace`),
    props.messageId,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [props.messageId]);
  return (
    <section class="panel trace" aria-labelledby="trace-title">
      <div class="panel-head">
        <h2 id="trace-title" tabIndex={-1} ref={heading}>
          Trace of <span class="mono break">{props.messageId}</span>
        </h2>
        <div class="panel-actions">
          <button type="button" class="small" onClick={() => void trace.reload()}>
            Refresh trace
          </button>
          {props.closeHref && (
            <a class="button small" href={props.closeHref}>
              Close trace
            </a>
          )}
        </div>
      </div>
      <ErrorBanner error={trace.error} />
      {trace.data === null
        ? trace.error === null && <Loading what="the trace" />
        : trace.data.events.map((event) => (
            <EventStory
              key={`${event.sourceName}-${event.receivedAtMs}`}
              event={event}
              multiple={trace.data!.events.length > 1}
            />
          ))}
    </section>
  );
}

function EventStory(props: { event: EventTrace; multiple: boolean }) {
  const { event } = props;
  return (
    <article class="trace-event">
      {props.multiple && (
        <h3>
          From {event.sourceName}, <Time ms={event.receivedAtMs} />
        </h3>
      )}
      <dl class="facts">
        <dt>Type</dt>
        <dd>{event.eventType}</dd>
        <dt>Source</dt>
        <dd>{event.sourceName}</dd>
        <dt>Received</dt>
        <dd>
          <Time ms={event.receivedAtMs} />
        </dd>
        <dt>Destinations</dt>
        <dd>
          {event.destinations.length === 0 ? "none (no destination took it)" : event.destinations.length}
        </dd>
      </dl>
      {event.destinations.map((destination) => (
        <div class="trace-destination" key={destination.deliveryId}>
          <h3>
            {destination.destination} <StatusBadge state={destination.state} />
          </h3>
          <ol class="stages" aria-label={`Stages for ${destination.destination}`}>
            {destination.stages.map((stage) => (
              <li key={stage.stage}>
                <span class="stage-name">{STAGE_NAMES[stage.stage] ?? stage.stage}</span>
                <StatusBadge state={stage.status} tone={STAGE_TONES[stage.status] ?? "muted"} />
              </li>
            ))}
          </ol>
          {destination.reason !== null && (
            <p>
              <strong>Why: </strong>
              <span class="break">{destination.reason}</span>
              {destination.field !== null && (
                <>
                  {" "}
                  (field <code>{destination.field}</code>)
                </>
              )}
            </p>
          )}
          <p class="muted">
            Delivery {destination.deliveryId} · {formatNumber(destination.attempts)}{" "}
            {destination.attempts === 1 ? "attempt" : "attempts"}
            {destination.lastStatus !== null && ` · last HTTP status ${destination.lastStatus}`}
            {destination.replays > 0 && ` · replayed ${destination.replays}×`}
          </p>
          <AttemptsTable attempts={destination.history} caption={`Attempts for ${destination.destination}`} />
        </div>
      ))}
    </article>
  );
}

/** Every delivery attempt: when, HTTP status, latency, outcome and reason. */
export function AttemptsTable(props: { attempts: readonly AttemptRecord[]; caption: string }) {
  return (
    <Table
      caption={props.caption}
      hideCaption
      rows={props.attempts}
      rowKey={(attempt) => `${attempt.atMs}-${attempt.state}-${attempt.status ?? ""}`}
      empty="No attempt yet."
      columns={[
        { header: "When", class: "nowrap", cell: (attempt) => <Time ms={attempt.atMs} compact /> },
        { header: "Outcome", cell: (attempt) => <StatusBadge state={attempt.state} /> },
        {
          header: "HTTP status",
          class: "num",
          cell: (attempt) => (attempt.status === null ? "no answer" : attempt.status),
        },
        { header: "Latency", class: "num", cell: (attempt) => `${Math.round(attempt.latencyMs)} ms` },
        { header: "Reason", class: "reason", cell: (attempt) => attempt.reason ?? "—" },
      ]}
    />
  );
}
