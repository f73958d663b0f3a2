import { howToConfigure, readEnv, StartupError, startSluice } from "../main.js";
import { StoreError } from "../store/store-error.js";
import type { Command } from "./command.js";

/** `sluice start`: run Sluice until SIGTERM/SIGINT, then stop intake, finish in-flight work and exit 0. */
export const startCommand: Command = {
  name: "start",
  summary: "Start Sluice (ingest API + delivery) on SQLite, or on PostgreSQL with SLUICE_DATABASE_URL",
  usage: `sluice start [--config <file>]

Environment:
  PORT                       ingest HTTP port (default 8080)
  HOST                       listen address (default 0.0.0.0)
  SLUICE_CONFIG              configuration file, YAML or JSON (default: none)
  SLUICE_DATA_DIR            data directory (default ./.sluice)
  SLUICE_DATABASE_URL        postgres://... : use PostgreSQL (several nodes) instead of SQLite
  SLUICE_DATABASE_SCHEMA     PostgreSQL schema (default public)
  SLUICE_DATABASE_POOL_SIZE  PostgreSQL connections per node (default 10)
  SLUICE_LEASE_MS            how long a node holds claimed deliveries (default 120000)
  SLUICE_LOG_LEVEL           trace|debug|info|warn|error (default info)
  SLUICE_SQLITE_SYNCHRONOUS  FULL (default) or NORMAL
  SLUICE_DELIVERY            on (default) or paused
  SLUICE_ADMIN_PORT          admin API port (default 8081; 0 when PORT is 0)
  SLUICE_ADMIN_HOST          admin API listen address (default 127.0.0.1)
  SLUICE_ADMIN_TOKEN         bearer token of the admin role (off loopback, a token or at least
                             one user account is required: sluice users add NAME --role admin)
  SLUICE_VIEWER_TOKEN        bearer token of the viewer role (never sees payload values)`,
  async run(args, io) {
    const env = { ...io.env };
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === "--config" && args[i + 1]) env["SLUICE_CONFIG"] = args[++i];
      else {
        io.stderr(`unknown argument: ${arg}\n\n${this.usage}\n`);
        return 2;
      }
    }
    let sluice: Awaited<ReturnType<typeof startSluice>>;
    try {
      sluice = await startSluice({ env: readEnv(env, io.cwd), rawEnv: env });
    } catch (error) {
      if (error instanceof StartupError || error instanceof StoreError) {
        io.stderr(`sluice: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    // The log line carries the same guide as JSON; say it plainly to the person at the terminal too.
    if (sluice.config.mode === "database" && sluice.config.current().version === null) {
      io.stderr(`\n${howToConfigure(sluice.adminUrl)}\n\n`);
    }
    return new Promise<number>((resolve) => {
      const shutdown = (signal: string) => {
        sluice.logger.info({ signal }, `received ${signal}`);
        sluice.stop().then(
          () => resolve(0),
          (error: unknown) => {
            io.stderr(`sluice: error while stopping: ${(error as Error).message}\n`);
            resolve(1);
          },
        );
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
  },
};
