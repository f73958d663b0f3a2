import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A fresh temporary directory for one test's database files, and a function that deletes it.
 *
 * @example
 * const dir = tempDir();
 * const store = openSqliteStore({ path: join(dir.path, "sluice.db") });
 * afterEach(() => dir.remove());
 */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "sluice-store-test-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
