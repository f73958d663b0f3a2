import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { EnqueueEvent } from "../port.js";
import * as sql from "./statements.js";

/**
 * The enqueue writer: a worker thread with its own SQLite connection that runs the group-commit
 * transactions, so the fsync each commit costs never blocks the event loop that parses requests.
 * Only enqueue runs here; claims and settles stay on the main connection (WAL lets the two
 * connections share the file; SQLite serialises their write transactions).
 *
 * The worker's code is a plain-JS string evaluated by `new Worker(..., { eval: true })`, so it runs
 * the same whether Sluice runs from `dist/` or from TypeScript sources under the test runner. It gets
 * its SQL from `statements.ts` through `workerData`, so the SQL stays in one place.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = " + workerData.synchronous);
db.pragma("foreign_keys = ON");
const recordDedupeKey = db.prepare(workerData.sql.recordDedupeKey);
const insertEvent = db.prepare(workerData.sql.insertEvent);
const insertDelivery = db.prepare(workerData.sql.insertDelivery);
const dedupeWindowMs = workerData.dedupeWindowMs;
function writeEvent(event) {
  const isNew = recordDedupeKey.get({
    sourceName: event.sourceName, messageId: event.messageId,
    receivedAtMs: event.receivedAtMs, dedupeWindowMs,
  });
  if (isNew === undefined) return true;
  // With no destination nothing will ever read the body: do not keep it.
  const body = event.destinations.length > 0 ? event.body : null;
  const eventSeq = insertEvent.run({
    sourceName: event.sourceName, messageId: event.messageId, eventType: event.eventType,
    receivedAtMs: event.receivedAtMs, body, eventName: event.eventName ?? null,
  }).lastInsertRowid;
  for (const destination of event.destinations) {
    insertDelivery.run({ eventSeq, destination, receivedAtMs: event.receivedAtMs, orderingKey: event.orderingKey ?? null });
  }
  return false;
}
const commit = db.transaction((calls) => calls.map((events) => events.map(writeEvent)));
parentPort.on("message", (message) => {
  if (message.type === "close") {
    db.close();
    parentPort.postMessage({ type: "closed" });
    return;
  }
  try {
    parentPort.postMessage({ type: "committed", id: message.id, duplicates: commit.immediate(message.calls) });
  } catch (error) {
    parentPort.postMessage({
      type: "failed", id: message.id,
      error: { message: String(error && error.message), code: String(error && error.code) },
    });
  }
});
parentPort.postMessage({ type: "ready" });
`;

export interface WriterThreadOptions {
  path: string;
  synchronous: "FULL" | "NORMAL";
  busyTimeoutMs: number;
  dedupeWindowMs: number;
}

type Reply =
  | { type: "ready" | "closed" }
  | { type: "committed"; id: number; duplicates: boolean[][] }
  | { type: "failed"; id: number; error: { message: string; code: string } };

/** Error from the writer thread; `cause` carries SQLite's code (SQLITE_FULL, SQLITE_READONLY, ...). */
export class WriterThreadError extends Error {
  constructor(
    message: string,
    readonly sqliteCode: string,
  ) {
    super(message);
  }
}

/**
 * Start the writer thread. `commit` runs one group-commit transaction there and resolves with, per
 * call and item, whether the item was a duplicate.
 *
 * @example
 * const writer = startWriterThread({ path, synchronous: "FULL", busyTimeoutMs: 5000, dedupeWindowMs: 86_400_000 });
 * const [[duplicate]] = await writer.commit([[event]]);
 * await writer.close();
 */
export function startWriterThread(options: WriterThreadOptions): {
  commit(calls: readonly (readonly EnqueueEvent[])[]): Promise<boolean[][]>;
  close(): Promise<void>;
} {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      ...options,
      driverPath: createRequire(import.meta.url).resolve("better-sqlite3"),
      sql: {
        recordDedupeKey: sql.SQL_RECORD_DEDUPE_KEY,
        insertEvent: sql.SQL_INSERT_EVENT,
        insertDelivery: sql.SQL_INSERT_DELIVERY,
      },
    },
  });
  // The thread must not keep an idle process alive; pending commits keep it referenced.
  worker.unref();
  const waiting = new Map<
    number,
    { resolve: (value: boolean[][]) => void; reject: (error: Error) => void }
  >();
  let nextId = 1;
  let exited: Error | null = null;
  let onClosed: (() => void) | null = null;

  worker.on("message", (reply: Reply) => {
    if (reply.type === "closed") onClosed?.();
    if (reply.type !== "committed" && reply.type !== "failed") return;
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if (reply.type === "committed") pending?.resolve(reply.duplicates);
    else pending?.reject(new WriterThreadError(reply.error.message, reply.error.code));
  });
  const failAll = (error: Error) => {
    exited = error;
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
    onClosed?.();
  };
  worker.on("error", (error) => failAll(error));
  worker.on("exit", (code) => failAll(new Error(`the SQLite writer thread exited (code ${code})`)));

  return {
    commit(calls) {
      if (exited) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ type: "commit", id, calls });
      });
    },
    close() {
      if (exited) return Promise.resolve();
      return new Promise<void>((resolve) => {
        onClosed = () => {
          onClosed = null;
          void worker.terminate().then(() => resolve());
        };
        worker.ref();
        worker.postMessage({ type: "close" });
      });
    },
  };
}
