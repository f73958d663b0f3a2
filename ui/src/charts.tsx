import { useId } from "preact/hooks";
import { formatNumber } from "./components.js";

/**
 * Charts as inline SVG, no library: a bar chart over time and a small horizontal bar. Each chart has
 * a text summary (its accessible name and caption); the numbers themselves are in a table next to
 * it, so nothing is told by the picture alone.
 */

export type Series = "received" | "delivered" | "stopped" | "failed";

/** A round upper bound for an axis (1, 2, 2.5, 5 × 10^n), at least 1. */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** A bucket's start as a short label: a time of day for buckets under a day, else a date. */
export function bucketLabel(startMs: number, bucketMs: number, spanMs: number): string {
  const date = new Date(startMs);
  if (spanMs <= 24 * 3_600_000 && bucketMs < 24 * 3_600_000) {
    return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }
  if (bucketMs < 24 * 3_600_000) {
    return date.toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
  }
  return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

const BAR_SLOT = 10;
const HEIGHT = 100;

/**
 * Bars over time for one series, with a y axis (0, half, max) and the first, middle and last bucket's
 * time under it. Hovering a bar shows its time and count.
 *
 * @example
 * <TimeBars title="Delivered" series="delivered" points={[{ startMs, value: 3 }]} bucketMs={3_600_000} />
 */
export function TimeBars(props: {
  title: string;
  series: Series;
  points: { startMs: number; value: number }[];
  bucketMs: number;
  /** One sentence saying what the numbers mean in this range. */
  summary: string;
}) {
  const titleId = useId();
  const captionId = useId();
  const points = props.points;
  const max = niceMax(Math.max(0, ...points.map((point) => point.value)));
  const width = Math.max(1, points.length) * BAR_SLOT;
  const span = points.length === 0 ? 0 : props.bucketMs * points.length;
  const label = (index: number) => {
    const point = points[index];
    return point === undefined ? "" : bucketLabel(point.startMs, props.bucketMs, span);
  };
  const middle = Math.floor(points.length / 2);
  return (
    <figure class="chart" aria-labelledby={titleId} aria-describedby={captionId}>
      <h3 id={titleId}>{props.title}</h3>
      <figcaption id={captionId}>{props.summary}</figcaption>
      <div class="chart-body">
        <div class="chart-axis-y" aria-hidden="true">
          <span>{formatNumber(max)}</span>
          <span>{Number.isInteger(max / 2) ? formatNumber(max / 2) : ""}</span>
          <span>0</span>
        </div>
        <svg
          viewBox={`0 0 ${width} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`${props.title}: ${props.summary}`}
        >
          <line class="grid-line" x1="0" x2={width} y1="0.5" y2="0.5" />
          <line class="grid-line" x1="0" x2={width} y1={HEIGHT / 2} y2={HEIGHT / 2} />
          {points.map((point, index) => {
            const raw = (point.value / max) * HEIGHT;
            // A non-zero count is always visible, however small next to the peak.
            const height = point.value > 0 ? Math.max(raw, 1.5) : 0;
            return (
              <rect
                key={point.startMs}
                class={`bar bar-${props.series}`}
                x={index * BAR_SLOT + 1}
                width={BAR_SLOT - 2}
                y={HEIGHT - height}
                height={height}
              >
                <title>{`${label(index)}: ${formatNumber(point.value)}`}</title>
              </rect>
            );
          })}
          <line class="axis-line" x1="0" x2={width} y1={HEIGHT} y2={HEIGHT} />
        </svg>
        <div class="chart-axis-x" aria-hidden="true">
          <span>{label(0)}</span>
          {points.length > 2 && <span>{label(middle)}</span>}
          {points.length > 1 && <span>{label(points.length - 1)}</span>}
        </div>
      </div>
    </figure>
  );
}

/** A horizontal bar showing `value` out of `max` (decorative: the number is always shown beside it). */
export function HBar(props: { value: number; max: number }) {
  const share = props.max <= 0 ? 0 : Math.min(1, props.value / props.max);
  return (
    <svg class="hbar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect class="hbar-track" x="0" y="0" width="100" height="10" rx="2" />
      <rect
        class="hbar-fill"
        x="0"
        y="0"
        width={Math.max(share * 100, props.value > 0 ? 2 : 0)}
        height="10"
        rx="2"
      />
    </svg>
  );
}
