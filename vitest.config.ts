import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "ui/src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child-process tests (kill -9, e2e clients) compete for the same 2 cores; keep the pool small.
    maxWorkers: 2,
    typecheck: { enabled: false },
  },
});
