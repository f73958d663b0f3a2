import { Writable } from "node:stream";
import { createLogger, type Logger } from "../observability/logger.js";

/** A logger whose lines are kept in memory, so tests can assert what was (and was not) logged. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: "debug", destination }), lines };
}
