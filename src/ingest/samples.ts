import { Counter, type Registry } from "prom-client";
import type { SourceConfig } from "../contracts/config.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import { extractPaths } from "../privacy/extract-paths.js";
import {
  type EnqueueEvent,
  type NewEventSample,
  SAMPLES_PER_SOURCE,
  type SeenPathUpdate,
  type Store,
} from "../store/port.js";
import { type SourcesInput, sourceKeys } from "./source-keys.js";

/**
 * Event samples and seen paths, fed by ingest after the durable enqueue was acknowledged (or, for a
 * test write key, after validation): an in-memory buffer written to the store every 2 s or 1,000
 * events, away from the request. A write keeps only the newest 200 events of each source (older ones
 * would be pruned at once), so under load the samples cost the database one small write per 1,000
 * events, not a row per event. A full buffer drops (and counts) what does not fit; a store failure
 * is logged and counted. Neither ever fails or slows an ingest request.
 */
export interface EventSampler {
  /** Hand over accepted events (`test`: sent with a test write key). Never throws. */
  offer(events: readonly EnqueueEvent[], test: boolean): void;
  /** Write what is buffered now. Never rejects. */
  flush(): Promise<void>;
  /** Stop the timer and write what is buffered. */
  close(): Promise<void>;
}

export interface EventSamplerDeps {
  store: Pick<Store, "recordSamples" | "recordSeenPaths">;
  logger: Logger;
  clock: () => number;
  /** Where `sluice_event_samples_dropped_total` is registered (absent: not exported). */
  registry?: Registry;
}

export interface EventSamplerOptions {
  /** Write the buffer this often. Default 2000 ms. */
  flushEveryMs?: number;
  /** Write as soon as this many events wait. Default 1000. */
  flushAtEvents?: number;
  /** Events held at most (while a write is slow or failing); more are dropped and counted. Default 2000. */
  maxBufferedEvents?: number;
}

export const SAMPLER_DEFAULTS = { flushEveryMs: 2000, flushAtEvents: 1000, maxBufferedEvents: 2000 } as const;

interface Buffered {
  event: EnqueueEvent;
  test: boolean;
}

const DROPPED_METRIC = "sluice_event_samples_dropped_total";

/** The drop counter, once per registry (a registry refuses a second metric of one name). */
function droppedCounter(registry: Registry | undefined): Counter<"reason"> | null {
  if (registry === undefined) return null;
  const existing = registry.getSingleMetric(DROPPED_METRIC);
  if (existing !== undefined) return existing as Counter<"reason">;
  return new Counter({
    name: DROPPED_METRIC,
    help: "Events not kept as samples or seen paths, by reason (buffer_full, store_failed). Delivery is unaffected.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
}

/**
 * Start a sampler over `store` (see `EventSampler`). Its timer does not keep the process alive.
 *
 * @example
 * const sampler = createEventSampler({ store, logger, clock: Date.now, registry: metrics.registry });
 * sampler.offer(acceptedEvents, false);
 * await sampler.close(); // on shutdown, before the store closes
 */
export function createEventSampler(deps: EventSamplerDeps, options: EventSamplerOptions = {}): EventSampler {
  const flushEveryMs = options.flushEveryMs ?? SAMPLER_DEFAULTS.flushEveryMs;
  const flushAtEvents = options.flushAtEvents ?? SAMPLER_DEFAULTS.flushAtEvents;
  const maxBuffered = options.maxBufferedEvents ?? SAMPLER_DEFAULTS.maxBufferedEvents;
  const dropped = droppedCounter(deps.registry);
  let buffer: Buffered[] = [];
  let writing: Promise<void> | null = null;
  let closed = false;
  let lastFailureLogMs = Number.NEGATIVE_INFINITY;
  let failuresSinceLog = 0;

  const drop = (reason: "buffer_full" | "store_failed", count: number) => {
    if (count > 0) dropped?.inc({ reason }, count);
  };

  /** Write one taken buffer; every error is caught here. */
  const write = async (taken: Buffered[]): Promise<void> => {
    try {
      const samples = newestPerSource(taken).map(({ event, test }) => toSample(event, test));
      const paths = await seenPaths(taken);
      await deps.store.recordSamples(samples);
      await deps.store.recordSeenPaths(paths);
    } catch (error) {
      drop("store_failed", taken.length);
      failuresSinceLog += 1;
      const now = deps.clock();
      // A failing store fails every write: the first is logged, then one line a minute with a count.
      if (now - lastFailureLogMs >= 60_000) {
        const { code, message } = error as { code?: string; message?: string };
        deps.logger.warn(
          {
            event: LOG.samplesFailed,
            err: { code: code ?? "unknown", message: message ?? String(error) },
            failures: failuresSinceLog,
            events: taken.length,
          },
          "event samples could not be stored; delivery is unaffected",
        );
        lastFailureLogMs = now;
        failuresSinceLog = 0;
      }
    }
  };

  const flush = async (): Promise<void> => {
    while (writing !== null) await writing;
    if (buffer.length === 0) return;
    const taken = buffer;
    buffer = [];
    writing = write(taken).finally(() => {
      writing = null;
      // Events that piled up during a slow write go out now rather than at the next tick.
      if (!closed && buffer.length >= flushAtEvents) void flush();
    });
    await writing;
  };

  const timer = setInterval(() => void flush(), flushEveryMs);
  timer.unref();

  return {
    offer(events, test) {
      try {
        if (closed) return;
        const room = Math.max(0, maxBuffered - buffer.length);
        for (const event of events.slice(0, room)) buffer.push({ event, test });
        drop("buffer_full", events.length - Math.min(room, events.length));
        if (buffer.length >= flushAtEvents && writing === null) void flush();
      } catch {
        // Sampling is best effort: nothing of it may reach the request.
      }
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}

/**
 * Hand events to a sampler without ever failing the caller (an injected sampler might throw).
 *
 * @example
 * offerSamples(sampler, accepted, false);
 */
export function offerSamples(sampler: EventSampler, events: readonly EnqueueEvent[], test: boolean): void {
  if (events.length === 0) return;
  try {
    sampler.offer(events, test);
  } catch {
    // Best effort, see EventSampler.
  }
}

/**
 * Test write key → source: the sources' `testWriteKey`s, following the live configuration like
 * `sourceKeys` does for write keys. An event sent with one is validated and kept as a sample
 * (`test: true`), never queued for delivery.
 *
 * @example
 * testSourceKeys(config.sources, Date.now).get("wk_test_0123")?.name // "website"
 */
export function testSourceKeys(
  sources: SourcesInput,
  clock: () => number,
): { get(key: string): SourceConfig | undefined } {
  const read = typeof sources === "function" ? sources : () => sources;
  let from: readonly SourceConfig[] | null = null;
  let withTestKeys: SourceConfig[] = [];
  // The same index as for write keys, over the sources with their test key as the write key.
  return sourceKeys(() => {
    const list = read();
    if (list !== from) {
      from = list;
      withTestKeys = list.flatMap((source) => {
        if (source.testWriteKey === undefined) return [];
        // A rotated-out write key is not a test key.
        const { previousWriteKey: _key, previousWriteKeyExpiresAtMs: _until, ...rest } = source;
        return [{ ...rest, writeKey: source.testWriteKey }];
      });
    }
    return withTestKeys;
  }, clock);
}

/** The newest `SAMPLES_PER_SOURCE` of each source in the batch, in arrival order (older ones would be pruned anyway). */
function newestPerSource(items: readonly Buffered[]): Buffered[] {
  const kept = new Map<string, number>();
  const out: Buffered[] = [];
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index]!;
    const count = kept.get(item.event.sourceName) ?? 0;
    if (count >= SAMPLES_PER_SOURCE) continue;
    kept.set(item.event.sourceName, count + 1);
    out.push(item);
  }
  return out.reverse();
}

function toSample(event: EnqueueEvent, test: boolean): NewEventSample {
  return {
    sourceName: event.sourceName,
    eventType: event.eventType,
    eventName: event.eventName ?? null,
    messageId: event.messageId,
    receivedAtMs: event.receivedAtMs,
    test,
    body: event.body,
    ...(event.orderingKey !== undefined ? { orderingKey: event.orderingKey } : {}),
  };
}

/** Events parsed between two turns of the event loop while paths are extracted. */
const PATHS_PER_TURN = 50;

/** Every event's paths, merged per (source, type, name, path); the loop gets a turn every 50 events. */
async function seenPaths(items: readonly Buffered[]): Promise<SeenPathUpdate[]> {
  type Merged = SeenPathUpdate & { types: SeenPathUpdate["types"][number][] };
  // Per (source, type, name), then per path: one cheap key per event, a plain lookup per path.
  const groups = new Map<string, Map<string, Merged>>();
  for (let index = 0; index < items.length; index++) {
    if (index > 0 && index % PATHS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const { event } = items[index]!;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.body);
    } catch {
      continue;
    }
    const eventName = event.eventName ?? null;
    const groupKey = JSON.stringify([event.sourceName, event.eventType, eventName]);
    let merged = groups.get(groupKey);
    if (merged === undefined) {
      merged = new Map();
      groups.set(groupKey, merged);
    }
    for (const { path, types } of extractPaths(parsed)) {
      const existing = merged.get(path);
      if (existing === undefined) {
        merged.set(path, {
          sourceName: event.sourceName,
          eventType: event.eventType,
          eventName,
          path,
          types: [...types],
          count: 1,
          lastSeenMs: event.receivedAtMs,
        });
        continue;
      }
      for (const type of types) if (!existing.types.includes(type)) existing.types.push(type);
      existing.count += 1;
      existing.lastSeenMs = Math.max(existing.lastSeenMs, event.receivedAtMs);
    }
  }
  return [...groups.values()].flatMap((merged) => [...merged.values()]);
}
