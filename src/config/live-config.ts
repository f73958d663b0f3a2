import { type ConfigIssue, formatPath, type SluiceConfig } from "../contracts/config.js";
import { ConfigDocumentSchema, configFromDocument } from "../contracts/config-document.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import type { Store } from "../store/port.js";
import type { ConfigRuntime } from "./config-runtime.js";

/** What the live configuration reads of the store: the latest published version. */
export type PublishedVersions = Pick<Store, "latestConfigVersion" | "latestConfigVersionNumber">;

/** Applies a validated configuration to the running Sluice (ingest, lanes, checks); awaited. */
export type ApplyConfig = (next: SluiceConfig, previous: SluiceConfig) => Promise<void>;

export interface DatabaseConfigOptions {
  store: PublishedVersions;
  /** The environment `${VAR}` references in a published document are resolved from (the process's). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** How often the store is asked for a newer version (other nodes' publishes). Default 2000 ms. */
  pollMs?: number;
}

/**
 * The configuration in force in a running Sluice (`ConfigRuntime`), plus what the composition root
 * needs: `start` hands it the function that applies a new version and starts following the store,
 * `stop` ends that (waiting for an apply in progress).
 */
export interface LiveConfig extends ConfigRuntime {
  start(apply: ApplyConfig): void;
  stop(): Promise<void>;
}

/** The default of `DatabaseConfigOptions.pollMs`. */
export const CONFIG_POLL_MS = 2000;

/**
 * File mode: the configuration read from `SLUICE_CONFIG` (or given by a test) is live for the
 * process's lifetime; `reload` has nothing to read.
 *
 * @example
 * const live = fileConfig(loadConfigFile(path, process.env), path);
 * live.current() // { version: null, config }
 */
export function fileConfig(config: SluiceConfig, filePath: string | null): LiveConfig {
  const current = { version: null, config };
  return {
    mode: "file",
    filePath,
    current: () => current,
    reload: async () => undefined,
    start: () => undefined,
    stop: async () => undefined,
  };
}

/**
 * Database mode: the latest published configuration version is live. Opening reads it (none yet:
 * the empty configuration); `reload` — called after a publish or rollback — and a poll every
 * `pollMs` (so every node on one PostgreSQL database follows) apply a newer version: validated
 * with `configFromDocument` (the checks of a configuration file), then handed to `apply`. A version
 * that fails validation is logged with its issues and the configuration in force stays.
 *
 * @example
 * const live = await openDatabaseConfig({ store, env: process.env, logger });
 * live.start(async (next) => lanes.apply(next.destinations));
 * // after a publish:
 * await live.reload();
 */
export async function openDatabaseConfig(options: DatabaseConfigOptions): Promise<LiveConfig> {
  const runtime = new DatabaseConfig(options);
  await runtime.reload();
  return runtime;
}

class DatabaseConfig implements LiveConfig {
  readonly mode = "database";
  readonly filePath = null;
  readonly #options: DatabaseConfigOptions;
  #current: { version: number | null; config: SluiceConfig } = {
    version: null,
    config: { sources: [], destinations: [] },
  };
  /** The newest version that failed validation: not tried again (and not logged every poll). */
  #rejected: number | null = null;
  /** The last apply threw: the next poll applies the current configuration again. */
  #applyFailed = false;
  #apply: ApplyConfig | null = null;
  /** Reloads run one at a time, in order. */
  #queue: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | null = null;
  #polling = false;
  #pollFailing = false;
  #stopped = false;

  constructor(options: DatabaseConfigOptions) {
    this.#options = options;
  }

  current(): { version: number | null; config: SluiceConfig } {
    return this.#current;
  }

  reload(): Promise<void> {
    const run = this.#queue.then(() => this.#reloadOnce());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  start(apply: ApplyConfig): void {
    this.#apply = apply;
    if (this.#timer !== null || this.#stopped) return;
    this.#timer = setInterval(() => void this.#poll(), this.#options.pollMs ?? CONFIG_POLL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#queue;
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    try {
      const latest = await this.#options.store.latestConfigVersionNumber();
      if (this.#pollFailing) {
        this.#pollFailing = false;
        this.#options.logger.info(
          { event: LOG.configPollFailed, recovered: true },
          "configuration poll works again",
        );
      }
      const applied = this.#current.version ?? 0;
      if (this.#applyFailed || (latest !== null && latest > applied && latest !== this.#rejected)) {
        await this.reload();
      }
    } catch (error) {
      // One line per outage, not one every two seconds.
      if (!this.#pollFailing) {
        this.#pollFailing = true;
        this.#options.logger.warn(
          { event: LOG.configPollFailed, err: { message: (error as Error).message } },
          "cannot read the latest configuration version; the configuration in force stays",
        );
      }
    } finally {
      this.#polling = false;
    }
  }

  async #reloadOnce(): Promise<void> {
    if (this.#stopped) return;
    const { logger } = this.#options;
    const latest = await this.#options.store.latestConfigVersion();
    const applied = this.#current.version;
    if (
      latest !== null &&
      (applied === null || latest.version > applied) &&
      latest.version !== this.#rejected
    ) {
      const parsed = parseVersion(latest.document, this.#options.env);
      if (!parsed.ok) {
        this.#rejected = latest.version;
        logger.error(
          {
            event: LOG.configRejected,
            version: latest.version,
            inForce: applied,
            issues: parsed.issues.map((issue) => ({ path: issue.path, message: issue.message })),
          },
          `configuration version ${latest.version} cannot be applied (${parsed.issues.length} problem(s)); ${applied === null ? "no configuration" : `version ${applied}`} stays in force`,
        );
        return;
      }
      const previous = this.#current.config;
      this.#current = { version: latest.version, config: parsed.config };
      logger.info(
        {
          event: LOG.configApplied,
          version: latest.version,
          sources: parsed.config.sources.map((source) => source.name),
          destinations: parsed.config.destinations.map((destination) => destination.name),
        },
        `configuration version ${latest.version} applied`,
      );
      await this.#runApply(parsed.config, previous);
      return;
    }
    if (this.#applyFailed) await this.#runApply(this.#current.config, this.#current.config);
  }

  async #runApply(next: SluiceConfig, previous: SluiceConfig): Promise<void> {
    if (this.#apply === null) return;
    try {
      await this.#apply(next, previous);
      this.#applyFailed = false;
    } catch (error) {
      this.#applyFailed = true;
      this.#options.logger.error(
        {
          event: LOG.configRejected,
          version: this.#current.version,
          err: { message: (error as Error).message },
        },
        "the configuration could not be fully applied; retrying at the next poll",
      );
    }
  }
}

/** A stored document → a configuration the lanes can run, or every problem with its path. */
function parseVersion(
  document: string,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: SluiceConfig } | { ok: false; issues: ConfigIssue[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(document);
  } catch {
    return { ok: false, issues: [{ path: "", message: "the stored document is not valid JSON" }] };
  }
  const shape = ConfigDocumentSchema.safeParse(raw);
  if (!shape.success) {
    return {
      ok: false,
      issues: shape.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    };
  }
  // The same validation as a configuration file: `${VAR}`, the schema, the destinations' actions.
  const result = configFromDocument(shape.data, env);
  return result.ok ? { ok: true, config: result.config } : { ok: false, issues: result.issues };
}
