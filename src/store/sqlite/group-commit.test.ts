import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

describe("GroupCommit", () => {
  it("hands calls of one turn to one commit, in call order, and resolves each with its results", async () => {
    const groups: number[][][] = [];
    const group = new GroupCommit<number, string>((calls) => {
      groups.push(calls.map((items) => [...items]));
      return calls.map((items) => items.map((n) => `r${n}`));
    }, 100);
    const results = await Promise.all([group.submit([1]), group.submit([2, 3]), group.submit([4])]);
    expect(results).toEqual([["r1"], ["r2", "r3"], ["r4"]]);
    expect(groups).toEqual([[[1], [2, 3], [4]]]);
    expect(group.stats()).toEqual({ commits: 1, failedCommits: 0, calls: 3, items: 4 });
  });

  it("splits at the cap between calls, and commits an oversized call alone", async () => {
    const sizes: number[][] = [];
    const group = new GroupCommit<number, number>((calls) => {
      sizes.push(calls.map((items) => items.length));
      return calls.map((items) => [...items]);
    }, 3);
    await Promise.all([
      group.submit([1, 2]),
      group.submit([3]),
      group.submit([4, 5]),
      group.submit([6, 7, 8, 9, 10]),
    ]);
    expect(sizes).toEqual([[2, 1], [2], [5]]);
  });

  it("rejects every call of a failed commit and still commits the next group", async () => {
    let commit = 0;
    const group = new GroupCommit<number, number>((calls) => {
      commit += 1;
      if (commit === 1) throw new Error("disk full");
      return calls.map((items) => [...items]);
    }, 2);
    const settled = await Promise.allSettled([group.submit([1]), group.submit([2]), group.submit([3])]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(group.stats()).toEqual({ commits: 1, failedCommits: 1, calls: 1, items: 1 });
  });

  it("drains queued calls on demand, without waiting for the scheduled turn", async () => {
    const seen: number[] = [];
    const group = new GroupCommit<number, number>((calls) => {
      seen.push(...calls.flat());
      return calls.map((items) => [...items]);
    }, 10);
    void group.submit([1]);
    expect(group.pendingCalls).toBe(1);
    await group.drain();
    expect([seen, group.pendingCalls]).toEqual([[1], 0]);
  });

  it("keeps one commit in flight and sends the calls that queued meanwhile together", async () => {
    const groups: number[][] = [];
    let release: (() => void) | undefined;
    const group = new GroupCommit<number, number>(async (calls) => {
      groups.push(calls.flat());
      if (groups.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return calls.map((items) => [...items]);
    }, 100);
    const first = group.submit([1]);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.submit([2]), group.submit([3]), group.submit([4])];
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1]]);
    release?.();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
    expect(group.stats()).toEqual({ commits: 2, failedCommits: 0, calls: 4, items: 4 });
  });
});
