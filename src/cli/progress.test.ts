import { describe, expect, it } from "vitest";
import { createProgress, formatProgress } from "./progress.js";

describe("formatProgress", () => {
  const cases: {
    name: string;
    done: number;
    total: number;
    elapsedMs: number;
    final: boolean;
    line: string;
  }[] = [
    {
      name: "rate and ETA",
      done: 3000,
      total: 12000,
      elapsedMs: 1200,
      final: false,
      line: "replayed 3000/12000 (2500/s, ETA 4s)",
    },
    {
      name: "the final line has no ETA",
      done: 12000,
      total: 12000,
      elapsedMs: 4800,
      final: true,
      line: "replayed 12000/12000 (2500/s)",
    },
    {
      name: "no time passed: counts only",
      done: 0,
      total: 10,
      elapsedMs: 0,
      final: false,
      line: "replayed 0/10",
    },
    {
      name: "nothing done yet: no ETA",
      done: 0,
      total: 10,
      elapsedMs: 700,
      final: false,
      line: "replayed 0/10 (0/s)",
    },
    {
      name: "ETA in minutes",
      done: 100,
      total: 12600,
      elapsedMs: 1000,
      final: false,
      line: "replayed 100/12600 (100/s, ETA 2m05s)",
    },
    {
      name: "ETA in hours",
      done: 1,
      total: 3722,
      elapsedMs: 1000,
      final: false,
      line: "replayed 1/3722 (1/s, ETA 1h02m)",
    },
    {
      name: "ETA rounds up",
      done: 1000,
      total: 1001,
      elapsedMs: 1000,
      final: false,
      line: "replayed 1000/1001 (1000/s, ETA 1s)",
    },
    {
      name: "all done, not final: no ETA",
      done: 5,
      total: 5,
      elapsedMs: 1000,
      final: false,
      line: "replayed 5/5 (5/s)",
    },
  ];
  it.each(cases)("$name", ({ done, total, elapsedMs, final, line }) => {
    expect(formatProgress({ label: "replayed", done, total, elapsedMs, final })).toBe(line);
  });
});

describe("createProgress", () => {
  it("writes at most every 500 ms, then one final line", () => {
    let now = 1000;
    const lines: string[] = [];
    const progress = createProgress({
      label: "replayed",
      total: 4000,
      write: (line) => lines.push(line),
      nowMs: () => now,
    });
    now = 1400;
    progress.update(1000); // 400 ms after the start: too soon
    now = 1500;
    progress.update(2000);
    now = 1900;
    progress.update(3000); // 400 ms after the last line
    now = 2000;
    progress.update(4000); // all done: left to finish
    progress.finish(4000);
    progress.finish(4000);
    progress.update(4000);
    expect(lines).toEqual(["replayed 2000/4000 (4000/s, ETA 1s)\n", "replayed 4000/4000 (4000/s)\n"]);
  });

  it("counts the rate from startedMs when given", () => {
    let now = 2000;
    const lines: string[] = [];
    const progress = createProgress({
      label: "copied",
      total: 10,
      write: (line) => lines.push(line),
      nowMs: () => now,
      startedMs: 0,
      intervalMs: 100,
    });
    progress.update(4);
    now = 2050;
    progress.update(5);
    now = 2500;
    progress.finish(10);
    expect(lines).toEqual(["copied 4/10 (2/s, ETA 3s)\n", "copied 10/10 (4/s)\n"]);
  });
});
