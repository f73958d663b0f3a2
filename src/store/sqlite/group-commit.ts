/**
 * Group commit: calls made in the same event-loop turn are written by one transaction.
 *
 * With `synchronous=FULL` each commit costs an fsync, and the fsync, not the inserts, bounds how many
 * commits a second a disk can do. Ingest calls `enqueue` once per HTTP request, so committing every
 * request alone would cap ingest at the disk's fsync rate. Instead, calls are queued and flushed on
 * `setImmediate`, after the turn's I/O callbacks have all had their say: one fsync covers them all, and
 * every caller still hears back only after that fsync.
 */

/** Counters, so tests and metrics can see how well calls were grouped. */
export interface GroupCommitStats {
  /** Transactions committed. */
  commits: number;
  /** Transactions that threw; every call in them was rejected. */
  failedCommits: number;
  /** Calls resolved by a committed transaction. */
  calls: number;
  /** Items (events) in those calls. */
  items: number;
}

/**
 * Writes a group: gets each call's items, in call order, inside one transaction, and returns each
 * call's results in the same order. Runs synchronously; if it throws, nothing of it may be committed.
 */
export type CommitGroup<Item, Result> = (calls: readonly (readonly Item[])[]) => Result[][];

interface PendingCall<Item, Result> {
  items: readonly Item[];
  resolve: (results: Result[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Queue calls and commit them together on the next `setImmediate`.
 * A call's items are never split across transactions; a transaction takes whole calls until the next
 * one would pass `maxItemsPerCommit` (a single larger call is committed alone).
 *
 * @example
 * const group = new GroupCommit<number, number>((calls) => db.transaction(() => calls.map(write))(), 5000);
 * const [a, b] = await Promise.all([group.submit([1]), group.submit([2, 3])]); // one transaction
 */
export class GroupCommit<Item, Result> {
  private pending: PendingCall<Item, Result>[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly counters: GroupCommitStats = { commits: 0, failedCommits: 0, calls: 0, items: 0 };

  constructor(
    private readonly commitGroup: CommitGroup<Item, Result>,
    private readonly maxItemsPerCommit: number,
  ) {}

  /** Queue `items`; resolves with their results once the transaction holding them has committed. */
  submit(items: readonly Item[]): Promise<Result[]> {
    return new Promise<Result[]>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commit everything queued now, synchronously (used by `close()`). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.pending.length > 0) {
      const group = this.takeGroup();
      let results: Result[][];
      try {
        results = this.commitGroup(group.map((call) => call.items));
      } catch (error) {
        this.counters.failedCommits += 1;
        for (const call of group) call.reject(error);
        continue;
      }
      this.counters.commits += 1;
      group.forEach((call, index) => {
        this.counters.calls += 1;
        this.counters.items += call.items.length;
        call.resolve(results[index] ?? []);
      });
    }
  }

  /** Calls queued and not yet committed. */
  get pendingCalls(): number {
    return this.pending.length;
  }

  stats(): GroupCommitStats {
    return { ...this.counters };
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
