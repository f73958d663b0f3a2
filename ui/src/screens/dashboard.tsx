import { useState } from "preact/hooks";
import { api, query } from "../api.js";
import type { ScreenProps } from "../app.js";
import { bucketLabel, HBar, type Series, TimeBars } from "../charts.js";
import {
  ErrorBanner,
  formatDuration,
  formatNumber,
  formatPercent,
  Loading,
  PageHeader,
  Panel,
  StatusBadge,
  Table,
  Time,
  useInterval,
  useLoad,
} from "../components.js";
import type { Health, Stats } from "../ops-types.js";
import { href } from "../router.js";

const HOUR = 3_600_000;

/** The ranges the dashboard offers, each with a bucket size that gives 12–48 bars. */
const RANGES = [
  { id: "1h", label: "Last hour", spanMs: HOUR, bucketMs: 5 * 60_000 },
  { id: "24h", label: "Last 24 hours", spanMs: 24 * HOUR, bucketMs: HOUR },
  { id: "7d", label: "Last 7 days", spanMs: 7 * 24 * HOUR, bucketMs: 6 * HOUR },
] as const;
type RangeId = (typeof RANGES)[number]["id"];

const SERIES: { key: Series; title: string; verb: string }[] = [
  { key: "received", title: "Events in", verb: "received" },
  { key: "delivered", title: "Delivered", verb: "delivered" },
  { key: "stopped", title: "Stopped", verb: "stopped by Sluice (consent, allow lists, privacy, mapping)" },
  { key: "failed", title: "Failed", verb: "failed (rejected by Customer.io for good)" },
];

const REFRESH_MS = 10_000;

/**
 * What is happening now: events in, delivered, stopped (and why) and failed over time; the queue
 * (depth and oldest waiting event) and each destination's health. Refreshes every 10 s (can be
 * paused: moving content must be stoppable).
 */
export function DashboardScreen(_props: ScreenProps) {
  const [rangeId, setRangeId] = useState<RangeId>("24h");
  const [auto, setAuto] = useState(true);
  const range = RANGES.find((candidate) => candidate.id === rangeId) ?? RANGES[1];

  const [updatedAtMs, setUpdatedAtMs] = useState<number | null>(null);
  const stats = useLoad(async () => {
    // Whole buckets, ending with the current one.
    const to = Math.ceil(Date.now() / range.bucketMs) * range.bucketMs;
    const answer = await api.get<Stats>(
      `/stats${query({ from: to - range.spanMs, to, bucketMs: range.bucketMs })}`,
    );
    setUpdatedAtMs(Date.now());
    return answer;
  }, rangeId);
  const health = useLoad(() => api.get<Health>("/health"), "health");

  const refresh = async () => {
    await Promise.all([stats.reload(), health.reload()]);
  };
  useInterval(() => void refresh(), REFRESH_MS, auto);

  return (
    <section aria-labelledby="dashboard-title">
      <PageHeader
        title="Dashboard"
        description="Events in, what was delivered, stopped or failed, the queue, and each destination's health."
        actions={
          <>
            <fieldset class="segmented">
              <legend class="sr-only">Time range</legend>
              {RANGES.map((candidate) => (
                <button
                  key={candidate.id}
                  type="button"
                  class="small"
                  aria-pressed={candidate.id === rangeId}
                  onClick={() => setRangeId(candidate.id)}
                >
                  {candidate.label}
                </button>
              ))}
            </fieldset>
            <label class="check">
              <input
                type="checkbox"
                checked={auto}
                onChange={(event) => setAuto(event.currentTarget.checked)}
              />
              Refresh every 10 s
            </label>
            <button type="button" class="small" onClick={() => void refresh()}>
              Refresh now
            </button>
          </>
        }
      />
      <p class="muted small-print" aria-live="off">
        {updatedAtMs !== null ? (
          <>
            Updated <Time ms={updatedAtMs} />
          </>
        ) : null}
      </p>
      <ErrorBanner error={stats.error ?? health.error} />
      {stats.data === null ? (
        stats.error === null && <Loading what="statistics" />
      ) : (
        <Traffic stats={stats.data} />
      )}
      <div class="grid-2">
        <QueuePanel health={health.data} />
        <StoppedPanel stats={stats.data} failed={stats.error !== null} />
      </div>
      <HealthPanel health={health.data} />
    </section>
  );
}

function Traffic(props: { stats: Stats }) {
  const { stats } = props;
  const spanText = spanWords(stats.toMs - stats.fromMs);
  const totals = Object.fromEntries(
    SERIES.map((series) => [series.key, stats.buckets.reduce((sum, bucket) => sum + bucket[series.key], 0)]),
  ) as Record<Series, number>;
  const summary = (series: (typeof SERIES)[number]) => {
    const total = totals[series.key];
    if (total === 0) return `None ${series.verb.split(" (")[0]} in the last ${spanText}.`;
    let peak = stats.buckets[0];
    for (const bucket of stats.buckets)
      if (peak === undefined || bucket[series.key] > peak[series.key]) peak = bucket;
    const peakText =
      peak === undefined
        ? ""
        : ` Busiest: ${formatNumber(peak[series.key])} at ${bucketLabel(peak.startMs, stats.bucketMs, stats.toMs - stats.fromMs)}.`;
    return `${formatNumber(total)} ${series.verb} in the last ${spanText}.${peakText}`;
  };
  return (
    <>
      <h2 class="sr-only">Totals</h2>
      <div class="stat-row">
        {SERIES.map((series) => (
          <div key={series.key} class={`stat stat-${series.key}`}>
            <p class="stat-label">{series.title}</p>
            <p class="stat-value">{formatNumber(totals[series.key])}</p>
          </div>
        ))}
      </div>
      <h2 class="sr-only">Over time</h2>
      <div class="charts">
        {SERIES.map((series) => (
          <TimeBars
            key={series.key}
            title={series.title}
            series={series.key}
            bucketMs={stats.bucketMs}
            summary={summary(series)}
            points={stats.buckets.map((bucket) => ({ startMs: bucket.startMs, value: bucket[series.key] }))}
          />
        ))}
      </div>
      <details class="data-table">
        <summary>Show the numbers as a table</summary>
        <Table
          caption={`Events per ${formatDuration(stats.bucketMs)}, last ${spanText}`}
          columns={[
            { header: "From", cell: (bucket) => <Time ms={bucket.startMs} />, class: "nowrap" },
            ...SERIES.map((series) => ({
              header: series.title,
              cell: (bucket: Stats["buckets"][number]) => formatNumber(bucket[series.key]),
              class: "num",
            })),
          ]}
          rows={stats.buckets}
          rowKey={(bucket) => bucket.startMs}
        />
      </details>
    </>
  );
}

function StoppedPanel(props: { stats: Stats | null; failed: boolean }) {
  const rows = props.stats?.stoppedByReason ?? [];
  const max = Math.max(0, ...rows.map((row) => row.count));
  return (
    <Panel title="Stopped, by reason">
      <p class="muted">
        Events Sluice decided not to send (a consent category missing, not on an allow list, PHI found, a
        required field missing…). Nothing was lost: each is in the delivery log with its reason.
      </p>
      {props.stats === null ? (
        props.failed ? (
          <p class="muted">Not available: the statistics could not be loaded (see the error above).</p>
        ) : (
          <Loading />
        )
      ) : (
        <Table
          caption="Stopped events by stage and reason"
          hideCaption
          rows={rows}
          rowKey={(row) => `${row.stage}\u0000${row.reason}`}
          empty="Nothing was stopped in this range."
          columns={[
            { header: "Reason", class: "reason", cell: (row) => <span class="break">{row.reason}</span> },
            { header: "Stage", cell: (row) => row.stage },
            {
              header: "Events",
              class: "num",
              cell: (row) => (
                <>
                  <HBar value={row.count} max={max} /> {formatNumber(row.count)}
                </>
              ),
            },
          ]}
        />
      )}
    </Panel>
  );
}

function QueuePanel(props: { health: Health | null }) {
  const queue = props.health?.queue ?? [];
  const waiting = queue.reduce((sum, row) => sum + row.waiting, 0);
  const oldest = queue.reduce<number | null>(
    (age, row) => (row.oldestAgeMs === null ? age : Math.max(age ?? 0, row.oldestAgeMs)),
    null,
  );
  return (
    <Panel title="Queue">
      {props.health === null ? (
        <Loading />
      ) : (
        <>
          <p>
            {waiting === 0
              ? "Nothing is waiting: every event received has been delivered, stopped or dead-lettered."
              : `${formatNumber(waiting)} ${waiting === 1 ? "delivery is" : "deliveries are"} waiting; the oldest for ${formatDuration(oldest ?? 0)}.`}
          </p>
          <Table
            caption="Queue depth per destination"
            hideCaption
            rows={queue}
            rowKey={(row) => row.destination}
            empty="No destination is configured."
            columns={[
              { header: "Destination", cell: (row) => row.destination },
              { header: "Waiting", class: "num", cell: (row) => formatNumber(row.waiting) },
              { header: "Retrying", class: "num", cell: (row) => formatNumber(row.retrying) },
              {
                header: "Oldest waiting",
                class: "num",
                cell: (row) => (row.oldestAgeMs === null ? "—" : formatDuration(row.oldestAgeMs)),
              },
            ]}
          />
        </>
      )}
    </Panel>
  );
}

function HealthPanel(props: { health: Health | null }) {
  const health = props.health;
  return (
    <Panel title="Destinations">
      {health === null ? (
        <Loading />
      ) : (
        <>
          <p class="muted">
            Outcomes of the last {health.windowHours} hours, pauses and the last credential check.
          </p>
          <Table
            caption="Destination health"
            hideCaption
            rows={health.destinations}
            rowKey={(row) => row.destination}
            empty="No destination is configured yet."
            columns={[
              {
                header: "Destination",
                cell: (row) => <a href={href("destinations", row.destination)}>{row.destination}</a>,
              },
              { header: "Health", cell: (row) => <StatusBadge state={row.status} /> },
              { header: "Success rate", class: "num", cell: (row) => formatPercent(row.successRate) },
              { header: "Delivered", class: "num", cell: (row) => formatNumber(row.delivered) },
              { header: "Stopped", class: "num", cell: (row) => formatNumber(row.stopped) },
              { header: "Failed", class: "num", cell: (row) => formatNumber(row.failed) },
              {
                header: "Sending",
                class: "reason",
                cell: (row) =>
                  row.paused ? (
                    <>
                      <StatusBadge state="paused" tone="bad" />{" "}
                      <span class="break">{row.paused.reason ?? "paused"}</span>
                    </>
                  ) : (
                    <StatusBadge state="running" tone="ok" />
                  ),
              },
              {
                header: "Credentials",
                class: "reason",
                cell: (row) =>
                  row.credentials === null ? (
                    <span class="muted">not checked yet</span>
                  ) : (
                    <>
                      <StatusBadge
                        state={row.credentials.result}
                        tone={row.credentials.result === "ok" ? "ok" : "bad"}
                      />{" "}
                      <span class="break">{row.credentials.message}</span>
                    </>
                  ),
              },
            ]}
          />
        </>
      )}
    </Panel>
  );
}

/** A range's length in words: "hour", "24 hours", "7 days". */
function spanWords(ms: number): string {
  const hours = Math.round(ms / 3_600_000);
  if (hours <= 1) return "hour";
  if (hours <= 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}
