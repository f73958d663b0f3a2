export interface ProgressOptions {
  /** The verb before the counts, e.g. `replayed`. */
  label: string;
  /** How many items the whole job has. */
  total: number;
  /** Where each line goes (a newline is appended); the CLI passes its stderr. */
  write: (line: string) => void;
  /** Milliseconds clock. Default `performance.now`. */
  nowMs?: () => number;
  /** When the job started, on the `nowMs` clock (rates count from it). Default: now. */
  startedMs?: number;
  /** At most one line per this many ms, besides the final one. Default 500. */
  intervalMs?: number;
}

export interface Progress {
  /**
   * Record that `done` items are finished; writes a line unless one was written less than `intervalMs`
   * ago or everything is done (`finish` then writes the last line).
   */
  update(done: number): void;
  /** Write the final line (always, once): the count and the average rate, without an ETA. */
  finish(done: number): void;
}

/**
 * A throttled progress line for long CLI jobs: `replayed 3000/12000 (2500/s, ETA 4s)`, at most
 * every 500 ms, then a final `replayed 12000/12000 (2400/s)`. Short jobs print the final line only.
 *
 * @example
 * const progress = createProgress({ label: "replayed", total: ids.length, write: (line) => io.stderr(line) });
 * for (const chunk of chunks) { work(chunk); progress.update(done += chunk.length); }
 * progress.finish(done);
 */
export function createProgress(options: ProgressOptions): Progress {
  const nowMs = options.nowMs ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 500;
  const startedMs = options.startedMs ?? nowMs();
  let lastWriteMs = startedMs;
  let finished = false;
  const line = (done: number, final: boolean) =>
    `${formatProgress({ label: options.label, done, total: options.total, elapsedMs: nowMs() - startedMs, final })}\n`;
  return {
    update(done) {
      // All done: the final line, which `finish` writes, says it.
      if (finished || done >= options.total || nowMs() - lastWriteMs < intervalMs) return;
      lastWriteMs = nowMs();
      options.write(line(done, false));
    },
    finish(done) {
      if (finished) return;
      finished = true;
      options.write(line(done, true));
    },
  };
}

/**
 * One progress line: `label done/total`, then in parentheses the rate per second (when any time
 * passed) and, unless `final`, the time left at that rate (when anything is done and left).
 *
 * @example
 * formatProgress({ label: "replayed", done: 3000, total: 12000, elapsedMs: 1200, final: false })
 * // "replayed 3000/12000 (2500/s, ETA 4s)"
 */
export function formatProgress(input: {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
  final: boolean;
}): string {
  const { label, done, total, elapsedMs, final } = input;
  const counts = `${label} ${done}/${total}`;
  if (elapsedMs <= 0) return counts;
  const perSecond = (done * 1000) / elapsedMs;
  const details = [`${Math.round(perSecond)}/s`];
  if (!final && done > 0 && done < total) {
    details.push(`ETA ${formatDuration(((total - done) / perSecond) * 1000)}`);
  }
  return `${counts} (${details.join(", ")})`;
}

/** `4s`, `2m05s`, `1h02m`: whole units, rounded up so an ETA never promises too early. */
function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
