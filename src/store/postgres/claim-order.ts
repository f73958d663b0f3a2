/**
 * Which deliveries one claim takes, and in what order (see `Store.claim`), from what the claim read:
 * its window (the oldest ready deliveries it could lock) and the first waiting deliveries of every
 * ordering key in that window.
 *
 * Unlike SQLite, a PostgreSQL window can have holes: `SKIP LOCKED` passes over rows another node's
 * claim holds at that instant. A person's run is therefore rebuilt from the key's own waiting rows,
 * starting at the first: each row must be in the window or be ready and locked by this claim too;
 * the first row that is neither ends the run, and when it is the key's first row the key is blocked.
 */

export interface WindowRow {
  id: number;
  orderingKey: string | null;
}

export interface KeyRunRow {
  key: string;
  id: number;
  ready: boolean;
}

/**
 * Ready deliveries of the window's keys that the window does not hold and that the claim could take:
 * the claim tries to lock them (without waiting) before choosing, so a run can continue past the
 * window. The same walk as `chooseClaim`, as if every candidate will be locked, so it stops where
 * `chooseClaim` would: at a key's first row not in hand and at `limit` rows in all. Only these are
 * worth a lock: offering every ready row of every key (a backlog of 40 events per person: 78,000
 * locks, each a write to the row, for a claim of 2,000) made claims cost the backlog's depth.
 *
 * @example
 * extraCandidates([{ id: 1, orderingKey: "p" }], [{ key: "p", id: 1, ready: true }, { key: "p", id: 9, ready: true }], 10);
 * // [9]
 */
export function extraCandidates(
  window: readonly WindowRow[],
  keyRuns: readonly KeyRunRow[],
  limit: number,
): number[] {
  return walkClaim(window, keyRuns, limit, (row) => row.ready).outside;
}

/**
 * The ids the claim leases, in the order it returns them. Entries go in window order; a key enters at
 * its first window row and brings its whole run (contiguous in the result), up to `limit` in all.
 * `locked` holds the extra candidates this claim managed to lock.
 *
 * @example
 * chooseClaim([{ id: 1, orderingKey: "p" }, { id: 2, orderingKey: null }],
 *   [{ key: "p", id: 1, ready: true }, { key: "p", id: 3, ready: true }], new Set([3]), 10); // [1, 3, 2]
 */
export function chooseClaim(
  window: readonly WindowRow[],
  keyRuns: readonly KeyRunRow[],
  locked: ReadonlySet<number>,
  limit: number,
): number[] {
  return walkClaim(window, keyRuns, limit, (row) => locked.has(row.id)).chosen;
}

/**
 * The walk both share: window rows in order, a key's run at its first window row, each run row taken
 * while it is in the window or `inHandOutside` says so (the first that is neither ends the run), up
 * to `limit` in all. Returns what it took, and which of it lies outside the window.
 */
function walkClaim(
  window: readonly WindowRow[],
  keyRuns: readonly KeyRunRow[],
  limit: number,
  inHandOutside: (row: KeyRunRow) => boolean,
): { chosen: number[]; outside: number[] } {
  const inWindow = new Set(window.map((row) => row.id));
  const runs = runsByKey(keyRuns);
  const chosen: number[] = [];
  const outside: number[] = [];
  const seenKeys = new Set<string>();
  for (const row of window) {
    if (chosen.length >= limit) break;
    if (row.orderingKey === null) {
      chosen.push(row.id);
      continue;
    }
    if (seenKeys.has(row.orderingKey)) continue;
    seenKeys.add(row.orderingKey);
    for (const run of runs.get(row.orderingKey) ?? []) {
      if (chosen.length >= limit) break;
      if (!inWindow.has(run.id)) {
        if (!inHandOutside(run)) break;
        outside.push(run.id);
      }
      chosen.push(run.id);
    }
  }
  return { chosen, outside };
}

/** Each key's rows, in id order. */
function runsByKey(keyRuns: readonly KeyRunRow[]): Map<string, KeyRunRow[]> {
  const runs = new Map<string, KeyRunRow[]>();
  for (const row of keyRuns) {
    const rows = runs.get(row.key) ?? [];
    rows.push(row);
    runs.set(row.key, rows);
  }
  for (const rows of runs.values()) rows.sort((a, b) => a.id - b.id);
  return runs;
}
