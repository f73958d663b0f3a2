/**
 * Group commit: enqueue calls that arrive while the previous commit is in progress are written
 * together by the next transaction.
 *
 * With `synchronous=FULL` each commit costs an fsync, and the fsync, not the inserts, bounds how many
 * commits a second a disk can do. Ingest calls `enqueue` once per HTTP request, so committing every
 * request alone would cap ingest at the disk's fsync rate. Instead one commit is in flight at a time
 * (on the writer thread, so the event loop keeps parsing requests meanwhile); calls queue behind it and
 * all go in the next one. Every caller still hears back only after the commit holding its items.
 */

/** Counters, so tests and metrics can see how well calls were grouped. */
export interface GroupCommitStats {
  /** Transactions committed. */
  commits: number;
  /** Transactions that failed; every call in them was rejected. */
  failedCommits: number;
  /** Calls resolved by a committed transaction. */
  calls: number;
  /** Items (events) in those calls. */
  items: number;
}

/**
 * Writes a group: gets each call's items, in call order, inside one transaction, and returns each
 * call's results in the same order. If it throws or rejects, nothing of it may be committed.
 */
export type CommitGroup<Item, Result> = (
  calls: readonly (readonly Item[])[],
) => Result[][] | Promise<Result[][]>;

interface PendingCall<Item, Result> {
  items: readonly Item[];
  resolve: (results: Result[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Queue calls and commit them together: the first call of a quiet period is committed on the next
 * `setImmediate` (with whatever else that event-loop turn submitted); calls made while a commit is in
 * flight go out together as soon as it finishes. A call's items are never split across transactions;
 * a transaction takes whole calls until the next one would pass `maxItemsPerCommit` (a single larger
 * call is committed alone).
 *
 * @example
 * const group = new GroupCommit<number, number>((calls) => db.transaction(() => calls.map(write))(), 5000);
 * const [a, b] = await Promise.all([group.submit([1]), group.submit([2, 3])]); // one transaction
 */
export class GroupCommit<Item, Result> {
  private pending: PendingCall<Item, Result>[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly counters: GroupCommitStats = { commits: 0, failedCommits: 0, calls: 0, items: 0 };

  constructor(
    private readonly commitGroup: CommitGroup<Item, Result>,
    private readonly maxItemsPerCommit: number,
  ) {}

  /** Queue `items`; resolves with their results once the transaction holding them has committed. */
  submit(items: readonly Item[]): Promise<Result[]> {
    return new Promise<Result[]>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      if (this.inFlight === undefined) this.scheduled ??= setImmediate(() => this.commitNext());
    });
  }

  /** Commit everything queued (used by `close()`); resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
      this.commitNext();
    }
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /** Calls queued and not yet committed. */
  get pendingCalls(): number {
    return this.pending.length;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
  }

  private commitNext(): void {
    this.scheduled = undefined;
    if (this.inFlight !== undefined || this.pending.length === 0) return;
    const group = this.takeGroup();
    this.inFlight = this.commit(group).finally(() => {
      this.inFlight = undefined;
      // Calls that queued during this commit go out now, together.
      if (this.pending.length > 0) this.commitNext();
    });
  }

  private async commit(group: PendingCall<Item, Result>[]): Promise<void> {
    let results: Result[][];
    try {
      results = await this.commitGroup(group.map((call) => call.items));
    } catch (error) {
      this.counters.failedCommits += 1;
      for (const call of group) call.reject(error);
      return;
    }
    this.counters.commits += 1;
    group.forEach((call, index) => {
      this.counters.calls += 1;
      this.counters.items += call.items.length;
      call.resolve(results[index] ?? []);
    });
  }

  private takeGroup(): PendingCall<Item, Result>[] {
    let items = 0;
    let count = 0;
    for (const call of this.pending) {
      if (count > 0 && items + call.items.length > this.maxItemsPerCommit) break;
      items += call.items.length;
      count += 1;
    }
    return this.pending.splice(0, count);
  }
}
