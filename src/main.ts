import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { adminExposureProblem } from "./admin/admin-auth.js";
import { type AdminEnv, readAdminEnv } from "./admin/admin-env.js";
import { createDestinationTools } from "./admin/customerio-destination-tools.js";
import { type RunningAdmin, startAdminServer } from "./admin/start-admin-server.js";
import type { ConfigRuntime } from "./config/config-runtime.js";
import { DestinationLanes } from "./config/destination-lanes.js";
import { fileConfig, type LiveConfig, openDatabaseConfig } from "./config/live-config.js";
import type { SluiceConfig } from "./contracts/config.js";
import { parseConfigText } from "./contracts/config-file.js";
import { retentionOf } from "./contracts/retention.js";
import { withoutCredentials } from "./contracts/secret.js";
import { startRetentionJob } from "./delivery/retention-job.js";
import type { DestinationWorker, WorkerOptions } from "./delivery/worker.js";
import { trackBaseUrl } from "./destinations/customerio/request-builder.js";
import { destinationConfigIssues } from "./destinations/validate-destinations.js";
import { createIngestApp } from "./ingest/ingest-app.js";
import { AUDIT_ACTIONS, audit, fileFingerprint, SYSTEM_ACTOR } from "./observability/audit.js";
import { BacklogProgress } from "./observability/backlog-progress.js";
import { LOG } from "./observability/log-events.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics } from "./observability/metrics.js";
import { readKeyring } from "./store/keyring.js";
import { openStore, readDatabaseEnv, type StoreEnv } from "./store/open-store.js";
import type { Store } from "./store/port.js";

/**
 * Everything Sluice reads from the environment, read once here (the composition root). The store's
 * variables (`SLUICE_DATABASE_URL`, `SLUICE_DATABASE_SCHEMA`, `SLUICE_DATABASE_POOL_SIZE`,
 * `SLUICE_LEASE_MS`) are documented on `StoreEnv`, the admin API's (`SLUICE_ADMIN_PORT`,
 * `SLUICE_ADMIN_HOST`, `SLUICE_ADMIN_TOKEN`, `SLUICE_VIEWER_TOKEN`) on `AdminEnv`.
 */
export interface SluiceEnv extends StoreEnv, AdminEnv {
  /** `PORT`: ingest HTTP port. Default 8080. */
  port: number;
  /** `HOST`: listen address. Default 0.0.0.0 (ingest is meant to be reachable by clients). */
  host: string;
  /** `SLUICE_DATA_DIR`: where the embedded database lives. Default `./.sluice`. */
  dataDir: string;
  /** `SLUICE_CONFIG`: path of the YAML/JSON configuration file. Default: none (Sluice starts empty). */
  configPath: string | null;
  /** `SLUICE_LOG_LEVEL`: pino level. Default `info`. */
  logLevel: string;
  /** `SLUICE_SQLITE_SYNCHRONOUS`: `FULL` (default: every acknowledged event is fsync'd) or `NORMAL`. */
  synchronous: "FULL" | "NORMAL";
  /** `SLUICE_DELIVERY`: `on` (default) or `paused` (accept and store events, deliver none: maintenance, backfills). */
  deliveryPaused: boolean;
}

export function readEnv(env: Readonly<Record<string, string | undefined>>, cwd: string): SluiceEnv {
  const port = Number(env["PORT"] ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`PORT must be 0-65535`);
  const synchronous = (env["SLUICE_SQLITE_SYNCHRONOUS"] ?? "FULL").toUpperCase();
  if (synchronous !== "FULL" && synchronous !== "NORMAL") {
    throw new StartupError("SLUICE_SQLITE_SYNCHRONOUS must be FULL or NORMAL");
  }
  const database = readDatabaseEnv(env);
  if ("problem" in database) throw new StartupError(database.problem);
  const admin = readAdminEnv(env, port);
  if ("problem" in admin) throw new StartupError(admin.problem);
  return {
    port,
    host: env["HOST"] ?? "0.0.0.0",
    dataDir: resolve(cwd, env["SLUICE_DATA_DIR"] ?? ".sluice"),
    configPath: env["SLUICE_CONFIG"] ? resolve(cwd, env["SLUICE_CONFIG"]) : null,
    logLevel: env["SLUICE_LOG_LEVEL"] ?? "info",
    synchronous,
    deliveryPaused: parseDelivery(env["SLUICE_DELIVERY"]),
    ...database,
    // SLUICE_ENCRYPTION_KEY / SLUICE_ENCRYPTION_KEY_FILE: a bad key stops the start (ER_STORE_KEY_INVALID).
    keyring: readKeyring(env, cwd),
    ...admin,
  };
}

function parseDelivery(value: string | undefined): boolean {
  if (value === undefined || value === "on") return false;
  if (value === "paused") return true;
  throw new StartupError("SLUICE_DELIVERY must be on or paused");
}

/** A start-up problem a user can fix; its message says how. */
export { withoutCredentials };

export class StartupError extends Error {}

/** Read and validate a configuration file; throws a StartupError listing every issue with its place. */
export function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): SluiceConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new StartupError(
      `cannot read configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  const result = parseConfigText(text, env, { check: destinationConfigIssues });
  if (result.ok) return result.config;
  const lines = result.issues.map(
    (issue) =>
      `  ${path}${issue.line ? `:${issue.line}:${issue.column}` : ""}  ${issue.path || "(file)"}: ${issue.message}`,
  );
  throw new StartupError(`invalid configuration (${result.issues.length} problem(s)):\n${lines.join("\n")}`);
}

export interface StartOptions {
  env: SluiceEnv;
  /** Overrides `env.configPath` (tests pass a parsed config): file mode, this configuration stays. */
  config?: SluiceConfig;
  rawEnv: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  clock?: () => number;
  worker?: Partial<WorkerOptions>;
  /**
   * Check each destination's credentials (`GET /api/v1/accounts/region`) at start, and new or changed
   * ones when a configuration version is applied. Default true.
   */
  checkCredentials?: boolean;
}

export interface RunningSluice {
  /** `http://host:port` the ingest API listens on. */
  url: string;
  port: number;
  /** `http://host:port` the admin API listens on (its routes are under `/admin/api`). */
  adminUrl: string;
  adminPort: number;
  store: Store;
  logger: Logger;
  /** The configuration in force; `reload()` applies the latest published version (database mode). */
  config: ConfigRuntime;
  /** Stop intake, finish in-flight deliveries, close the database. */
  stop(): Promise<void>;
}

/**
 * The guide logged when nothing is configured: the web UI at `adminUrl`, or a configuration file.
 *
 * @example
 * logger.warn({ event: LOG.noConfig }, howToConfigure("http://127.0.0.1:8081"));
 */
export function howToConfigure(adminUrl: string): string {
  return `No configuration published yet: Sluice accepts no events.
Configure sources and destinations in the web UI at ${adminUrl}/ and publish: Sluice applies it at once.
Or write a sluice.yaml like this and start with SLUICE_CONFIG=sluice.yaml npm start:

sources:
  - name: website
    writeKey: wk_live_0123
destinations:
  - name: customerio-main
    type: customerio
    settings:
      siteId: "your-site-id"
      apiKey: \${CIO_API_KEY}
      region: us
    allow:
      events: ["Signed Up"]
      traits: [email, first_name]
      properties: [plan]

Try it without a Customer.io workspace: run "npm run sluice -- sandbox" and set settings.trackUrl to the URL it prints.`;
}

/**
 * Start Sluice: open the store, start one delivery lane per destination and the ingest API.
 *
 * @example
 * const sluice = await startSluice({ env: readEnv(process.env, process.cwd()), rawEnv: process.env });
 * // ... later
 * await sluice.stop();
 */
export async function startSluice(options: StartOptions): Promise<RunningSluice> {
  const { env } = options;
  const logger = options.logger ?? createLogger({ level: env.logLevel });
  const clock = options.clock ?? Date.now;
  // File mode (SLUICE_CONFIG, or a test's config): that configuration stays. Else database mode.
  const config = options.config ?? (env.configPath ? loadConfigFile(env.configPath, options.rawEnv) : null);
  if (options.config) {
    const issues = destinationConfigIssues(options.config);
    if (issues.length > 0) {
      throw new StartupError(
        `invalid configuration:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join("\n")}`,
      );
    }
  }
  if (config) {
    logger.info(
      {
        event: LOG.configLoaded,
        sources: config.sources.map((source) => source.name),
        destinations: config.destinations.map((destination) => ({
          name: destination.name,
          type: destination.type,
          trackUrl: withoutCredentials(trackBaseUrl(destination.settings)),
        })),
      },
      "configuration loaded",
    );
  }

  const opened = await openStore(env, logger);
  const { store } = opened;
  // An admin API reachable from the network must require authentication: a token, or a user
  // account to sign in with (the accounts are in the store, so this is checked once it is open).
  try {
    const problem = adminExposureProblem(env) && adminExposureProblem(env, await store.countUsers());
    if (problem) throw new StartupError(problem);
  } catch (error) {
    await store.close();
    throw error;
  }
  // Every start is audited, with a fingerprint of the configuration file (never its content).
  await audit(
    store,
    {
      actor: SYSTEM_ACTOR,
      action: AUDIT_ACTIONS.sluiceStart,
      outcome: "ok",
      detail: {
        configFingerprint: options.config ? null : fileFingerprint(env.configPath),
        store: opened.kind,
      },
    },
    clock,
  ).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // Database mode: the latest published version is live, and publishes are applied as they come.
  let live: LiveConfig;
  try {
    live = config
      ? fileConfig(config, env.configPath)
      : await openDatabaseConfig({ store, env: options.rawEnv, logger });
  } catch (error) {
    await store.close();
    throw error;
  }
  const liveConfig = () => live.current().config;

  const metrics = createMetrics(() => store.queueStats(clock()));
  if (env.deliveryPaused) {
    logger.warn({ event: LOG.deliveryPaused }, "SLUICE_DELIVERY=paused: events are stored but not delivered");
  }
  const lanes = new DestinationLanes({
    store,
    logger,
    clock,
    metrics,
    workerOptions: { ...opened.workerOptions, ...options.worker },
    deliveryPaused: env.deliveryPaused,
    checkCredentials: options.checkCredentials !== false,
  });
  try {
    await lanes.apply(liveConfig().destinations);
  } catch (error) {
    await lanes.stop();
    await store.close();
    throw error;
  }
  live.start(async (next) => {
    await lanes.apply(next.destinations);
  });
  // Events another node ingested (PostgreSQL) wake this node's lane at once, not at its next poll.
  opened.onWork((destination) => lanes.notify(destination));
  const progressByWorker = new WeakMap<DestinationWorker, BacklogProgress>();
  let namesOf: SluiceConfig | null = null;
  let names: readonly string[] = [];
  /** Every event gets a delivery per destination of the configuration in force when it arrives. */
  const destinationNames = () => {
    const current = liveConfig();
    if (current !== namesOf) {
      names = current.destinations.map((destination) => destination.name);
      namesOf = current;
    }
    return names;
  };
  const tools = createDestinationTools({ logger, clock });
  const app = createIngestApp({
    sources: () => liveConfig().sources,
    destinations: destinationNames,
    store,
    logger,
    clock,
    onEnqueued: () => lanes.notifyAll(),
    metrics,
    credentialsCheck: (name) => lanes.credentialsCheck(name),
  });
  const progressTimer = setInterval(() => {
    reportBacklogProgress(lanes.workers(), { store, logger, clock }, progressByWorker).catch(() => undefined);
  }, PROGRESS_EVERY_MS);
  progressTimer.unref();
  const pruneTimer = setInterval(() => {
    store.pruneDedupe(clock() - 24 * 3_600_000).catch(() => undefined);
  }, 10 * 60_000);
  pruneTimer.unref();
  // Read at each run: retention follows the configuration in force.
  const retentionJob = startRetentionJob({
    store,
    get retention() {
      return retentionOf(liveConfig());
    },
    logger,
    clock,
  });

  let admin: RunningAdmin;
  try {
    admin = await startAdminServer(
      {
        store,
        destinations: () => liveConfig().destinations,
        logger,
        clock,
        credentialsCheck: (name) => lanes.credentialsCheck(name),
        onReplayed: () => lanes.notifyAll(),
        configRuntime: live,
        destinationTools: tools,
        // The environment the live configuration resolves `${VAR}` from: drafts validate the same way.
        configEnv: options.rawEnv,
      },
      env,
    );
  } catch (error) {
    clearInterval(pruneTimer);
    clearInterval(progressTimer);
    await live.stop();
    await tools.close();
    await lanes.stop();
    await retentionJob.stop();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new StartupError(
      `the admin API cannot listen on ${env.adminHost}:${env.adminPort} (${code}): set SLUICE_ADMIN_PORT to a free port`,
    );
  }
  await app.listen({ port: env.port, host: env.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : env.port;
  const url = `http://${env.host === "0.0.0.0" ? "127.0.0.1" : env.host}:${port}`;
  logger.info({ event: LOG.started, port, host: env.host }, `Sluice is listening on ${url}`);
  if (live.mode === "database" && live.current().version === null) {
    logger.warn({ event: LOG.noConfig }, howToConfigure(admin.url));
  }

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    adminUrl: admin.url,
    adminPort: admin.port,
    store,
    logger,
    config: live,
    stop: () => {
      stopping ??= (async () => {
        logger.info({ event: LOG.stopping }, "stopping: intake closed, finishing in-flight deliveries");
        clearInterval(pruneTimer);
        clearInterval(progressTimer);
        // No new version is applied from here on (one being applied finishes first).
        await live.stop();
        await app.close();
        await admin.close();
        await tools.close();
        // Lanes finish their requests in flight; a credential check still waiting is abandoned.
        await lanes.stop();
        await retentionJob.stop();
        await store.close();
        logger.info({ event: LOG.stopped }, "stopped cleanly");
      })();
      return stopping;
    },
  };
}

/** How often a draining backlog reports progress. */
const PROGRESS_EVERY_MS = 5000;

/** One progress line per destination draining a backlog of 1000+ events (done/total, rate, time left). */
async function reportBacklogProgress(
  workers: readonly DestinationWorker[],
  deps: { store: Store; logger: Logger; clock: () => number },
  progress: WeakMap<DestinationWorker, BacklogProgress>,
): Promise<void> {
  const now = deps.clock();
  const stats = new Map((await deps.store.queueStats(now)).map((entry) => [entry.destination, entry]));
  // Per worker, not per name: a restarted lane counts from zero again.
  for (const worker of workers) {
    let tracker = progress.get(worker);
    if (!tracker) {
      tracker = new BacklogProgress(worker.settledCount, now);
      progress.set(worker, tracker);
    }
    const waiting = stats.get(worker.destination)?.waiting ?? 0;
    const report = tracker.update({ settled: worker.settledCount, waiting }, now);
    if (report) {
      deps.logger.info(
        {
          event: LOG.deliveryProgress,
          destination: worker.destination,
          done: report.done,
          total: report.total,
          perSecond: report.perSecond,
        },
        `${worker.destination}: ${report.line}`,
      );
    }
  }
}
