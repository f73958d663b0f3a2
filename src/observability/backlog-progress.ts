/**
 * The progress line of a backlog drain: done/total, rate and time left, computed from two readings
 * (pure; the caller reads the counters and the clock). Total = settled since the backlog was first
 * seen + still waiting, so it grows honestly when events keep arriving.
 *
 * @example
 * const progress = new BacklogProgress(0, 0);
 * progress.update({ settled: 40_000, waiting: 160_000 }, 1000)?.line
 * // "40,000/200,000 delivered (40,000/s, ~4 s left)"
 */
export class BacklogProgress {
  #startSettled: number;
  #startMs: number;
  #active = false;

  constructor(settled = 0, nowMs = 0) {
    this.#startSettled = settled;
    this.#startMs = nowMs;
  }

  /**
   * A reading; returns the line to print while a backlog of at least `minWaiting` drains, one final
   * line when it is gone, and null when there is nothing to say.
   */
  update(
    reading: { settled: number; waiting: number },
    nowMs: number,
    minWaiting = 1000,
  ): { line: string; done: number; total: number; perSecond: number; finished: boolean } | null {
    if (!this.#active) {
      if (reading.waiting < minWaiting) return null;
      this.#active = true;
      this.#startSettled = reading.settled;
      this.#startMs = nowMs;
    }
    const done = reading.settled - this.#startSettled;
    const total = done + reading.waiting;
    const seconds = Math.max(0.001, (nowMs - this.#startMs) / 1000);
    const perSecond = Math.round(done / seconds);
    const finished = reading.waiting === 0;
    const left = perSecond > 0 ? `~${formatDuration(reading.waiting / perSecond)} left` : "starting";
    const line = finished
      ? `${fmt(done)}/${fmt(total)} delivered in ${formatDuration(seconds)} (${fmt(perSecond)}/s): backlog drained`
      : `${fmt(done)}/${fmt(total)} delivered (${fmt(perSecond)}/s, ${left})`;
    if (finished) {
      this.#active = false;
      this.#startSettled = reading.settled;
      this.#startMs = nowMs;
    }
    return { line, done, total, perSecond, finished };
  }
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
