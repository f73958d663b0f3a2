import type { SluiceConfig } from "../contracts/config.js";

/**
 * The configuration in force in a running Sluice, and how to change it. `startSluice` implements it
 * (src/config/live-config.ts): in `database` mode the latest published version of the store is live
 * and publishing applies at once; in `file` mode the file given with `SLUICE_CONFIG` is live and the
 * admin API keeps drafts only (publishing is refused: the file stays the one source of truth).
 */
export interface ConfigRuntime {
  readonly mode: "database" | "file";
  /** The configuration file in file mode, else null. */
  readonly filePath: string | null;
  /** The configuration in force and its published version (null: file mode, or nothing published yet). */
  current(): { version: number | null; config: SluiceConfig };
  /** Read the latest published version from the store and apply it now (after a publish or rollback). */
  reload(): Promise<void>;
}
