import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Keys whose values are always censored wherever they appear in a log object, as a second line of
 * defence: Sluice's own log calls pass no payloads or secrets in the first place.
 */
export const REDACTED_KEYS = [
  "apiKey",
  "writeKey",
  "authorization",
  "password",
  "secret",
  "token",
  "adminToken",
  "viewerToken",
  "email",
  "traits",
  "properties",
  "context",
  "body",
];

/**
 * The process logger: JSON lines (pino) with redaction.
 *
 * @example
 * const log = createLogger({ level: "info" });
 * log.info({ event: LOG.started, port: 8080 }, "Sluice is listening");
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "sluice" },
      redact: { paths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
