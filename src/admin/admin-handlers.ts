import type { z } from "zod";
import type { ConfigRuntime } from "../config/config-runtime.js";
import type { ADMIN_ROUTES, AdminOperationId, AdminRole } from "../contracts/admin.js";
import { ADMIN_PAGE } from "../contracts/admin.js";
import type { AUTH_ROUTES } from "../contracts/admin-auth-routes.js";
import type { CONFIG_ROUTES } from "../contracts/admin-config-routes.js";
import type { OBSERVE_ROUTES } from "../contracts/admin-observe-routes.js";
import type { CustomerioDestinationConfig } from "../contracts/config.js";
import type { ApiError } from "../contracts/errors.js";
import type { StoredEvent } from "../contracts/event.js";
import { type CheckedCredentials, readDestinationsHealth } from "../delivery/destinations-health.js";
import { readEventTraces } from "../delivery/event-trace.js";
import { replayThroughPort } from "../delivery/replay-dead-letters.js";
import { previewEvent } from "../destinations/customerio/preview.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import type { Logger } from "../observability/logger.js";
import { maskPayload } from "../privacy/mask-payload.js";
import type { DeliveryLogEntry, DeliveryLogFilter, ReplayFilter, Store } from "../store/port.js";
import type { AdminHttpContext } from "./admin-auth.js";
import { createAuthHandlers } from "./auth-handlers.js";
import { createConfigHandlers } from "./config-handlers.js";
import type { DestinationTools } from "./destination-tools.js";
import { maskPreview } from "./mask-preview.js";
import { createObserveHandlers } from "./observe-handlers.js";

/** What the admin API reads and changes. */
export interface AdminDeps {
  store: Store;
  /** The configured destinations (names for health, settings for preview). */
  destinations: () => readonly CustomerioDestinationConfig[];
  logger: Logger;
  clock: () => number;
  /** The latest start-up credential check of a destination, or null before one. */
  credentialsCheck?: (name: string) => CheckedCredentials | null;
  /** Called after a replay put deliveries back in the queue (wakes the delivery lanes at once). */
  onReplayed?: () => void;
  /** The configuration in force and how to reload it (absent in narrow tests: config routes answer 503). */
  configRuntime?: ConfigRuntime;
  /** Check credentials and send tests over the network (absent: those two routes answer 503). */
  destinationTools?: DestinationTools;
  /**
   * The environment `${VAR}` references in configuration documents resolve from (validation,
   * import, test send). Default `process.env`, as the running configuration uses.
   */
  configEnv?: Readonly<Record<string, string | undefined>>;
}

/** A 4xx answer with the documented error body. */
export class AdminHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly apiError: ApiError,
  ) {
    super(apiError.message);
  }
}

type Routes = typeof ADMIN_ROUTES;
type Part<R, K extends "params" | "query" | "body"> = R extends { [P in K]: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** A handler's validated input: path parameters, query and body as their schemas output them. */
export interface HandlerInput<R> {
  params: Part<R, "params">;
  query: Part<R, "query">;
  body: Part<R, "body">;
  role: AdminRole;
  /**
   * Who, for audit entries: `user:<name>`, `token:admin`, `token:viewer`, `loopback`; `anonymous` on
   * a public route called without signing in (whose `role` is then `viewer`, the least).
   */
  actor: string;
  /** The HTTP side of the request, for the sign-in routes; absent when a handler is called directly. */
  http?: AdminHttpContext;
}

/** One handler per route of `ADMIN_ROUTES`; each returns exactly its route's response schema. */
export type AdminHandlers = {
  [K in AdminOperationId]: (input: HandlerInput<Routes[K]>) => Promise<z.output<Routes[K]["response"]>>;
};

/** Dead letters replayed per transaction through the store port. */
const REPLAY_CHUNK = 1000;

/**
 * The admin routes' logic, free of HTTP: validated input in, the answer (or an `AdminHttpError`) out.
 *
 * @example
 * const handlers = createAdminHandlers(deps, () => openApiDocument);
 * await handlers.listDeadLetters({ params: undefined, query: { limit: 10 }, body: undefined, role: "viewer",
 *   actor: "token:viewer" });
 */
export function createAdminHandlers(deps: AdminDeps, openApi: () => Record<string, unknown>): AdminHandlers {
  return {
    ...createCoreHandlers(deps, openApi),
    ...createAuthHandlers(deps),
    ...createConfigHandlers(deps),
    ...createObserveHandlers(deps),
  };
}

/** The handlers of one area's route table. */
export type AreaHandlers<Table> = {
  [K in keyof Table & AdminOperationId]: (
    input: HandlerInput<Routes[K]>,
  ) => Promise<z.output<Routes[K]["response"]>>;
};

function createCoreHandlers(
  deps: AdminDeps,
  openApi: () => Record<string, unknown>,
): Omit<AdminHandlers, keyof typeof AUTH_ROUTES | keyof typeof CONFIG_ROUTES | keyof typeof OBSERVE_ROUTES> {
  const { store } = deps;
  return {
    async getHealth() {
      const nowMs = deps.clock();
      const names = deps.destinations().map((destination) => destination.name);
      const [health, stats] = await Promise.all([
        readDestinationsHealth({
          store,
          destinations: names,
          nowMs,
          credentialsCheck: deps.credentialsCheck,
        }),
        store.queueStats(nowMs),
      ]);
      const byName = new Map(stats.map((entry) => [entry.destination, entry]));
      // Configured destinations with zeros when nothing waits, plus any removed one that still has a backlog.
      const queue = [...new Set([...names, ...byName.keys()])].sort().map((destination) => {
        const entry = byName.get(destination);
        return {
          destination,
          waiting: entry?.waiting ?? 0,
          retrying: entry?.retrying ?? 0,
          oldestAgeMs: entry?.oldestAgeMs ?? null,
        };
      });
      return { ...health, queue };
    },

    async listDeliveries({ query }) {
      const filter = {
        ...logFilter(query, query.state),
        ...definedOnly({ sourceName: query.source, eventName: query.eventName }),
      };
      const page = await readPage(store, filter);
      return { deliveries: page.entries, nextBefore: page.nextBefore };
    },

    async traceEvent({ params }) {
      const events = await readEventTraces(store, params.messageId);
      if (events.length === 0) {
        throw new AdminHttpError(404, {
          code: "ER_ADMIN_NOT_FOUND",
          message: "no event with this messageId",
          path: "params.messageId",
        });
      }
      return { messageId: params.messageId, events };
    },

    async listDeadLetters({ query }) {
      const page = await readPage(store, logFilter(query, "failed"));
      return { deadLetters: page.entries, nextBefore: page.nextBefore };
    },

    async getDeadLetter({ params, query, role, actor }) {
      const reveal = query.reveal === true;
      if (reveal && role !== "admin") {
        throw new AdminHttpError(403, {
          code: "ER_ADMIN_FORBIDDEN",
          message: "the viewer role never sees payload values; reveal needs the admin token",
          path: "query.reveal",
        });
      }
      const { deliveryId } = params;
      // The log is newest first: the first row below id + 1 is this delivery, if it exists.
      const [entry] = await store.listDeliveries({ beforeId: deliveryId + 1, limit: 1 });
      if (entry?.deliveryId !== deliveryId) {
        throw new AdminHttpError(404, {
          code: "ER_ADMIN_NOT_FOUND",
          message: `no delivery with id ${deliveryId}`,
          path: "params.deliveryId",
        });
      }
      if (entry.state !== "failed") {
        throw new AdminHttpError(404, {
          code: "ER_ADMIN_NOT_FOUND",
          message: `delivery ${deliveryId} is not a dead letter (it is ${entry.state}); its event's trace tells its story`,
          path: "params.deliveryId",
        });
      }
      const [attempts, body] = await Promise.all([
        store.deliveryAttempts(deliveryId),
        store.eventBody(deliveryId),
      ]);
      let payload: z.output<Routes["getDeadLetter"]["response"]>["payload"];
      if (body === null) payload = { state: "deleted" };
      else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        if (parsed === undefined) payload = { state: "unreadable", chars: body.length };
        else if (reveal) {
          // Recorded before anything is shown: no audit entry, no values.
          await audit(store, {
            actor,
            action: AUDIT_ACTIONS.payloadView,
            target: `delivery:${deliveryId}`,
            outcome: "ok",
            detail: { destination: entry.destination, via: "admin api" },
          });
          deps.logger.warn(
            { event: LOG.adminPayloadRevealed, deliveryId, destination: entry.destination, role },
            "a dead letter's payload values were revealed through the admin API",
          );
          payload = { state: "revealed", value: parsed };
        } else payload = { state: "masked", value: maskPayload(parsed) };
      }
      return { delivery: pick(entry), attempts, revealed: payload.state === "revealed", payload };
    },

    async replayDeadLetters({ body, role, actor }) {
      const filter: ReplayFilter = definedOnly({
        deliveryIds: body.deliveryIds,
        destination: body.destination,
        messageId: body.messageId,
        fromMs: body.from,
        toMs: body.to,
      });
      if (body.all !== true && Object.keys(filter).length === 0) {
        throw new AdminHttpError(400, {
          code: "ER_ADMIN_FILTER_REQUIRED",
          message:
            "name dead letters to replay (deliveryIds, destination, messageId, from, to), or send all: true to replay every one",
          path: "body",
        });
      }
      const dryRun = body.dryRun === true;
      const result = await replayThroughPort(store, filter, {
        nowMs: deps.clock(),
        dryRun,
        chunkSize: REPLAY_CHUNK,
      });
      deps.logger.info(
        { event: LOG.adminReplay, role, matched: result.matched, replayed: result.replayed, dryRun },
        dryRun
          ? `replay dry run: ${result.matched} dead letter(s) match`
          : `replayed ${result.replayed} of ${result.matched} matching dead letter(s)`,
      );
      if (!dryRun) {
        await audit(store, {
          actor,
          action: AUDIT_ACTIONS.dlqReplay,
          outcome: "ok",
          detail: {
            ...auditFilter(filter),
            matched: result.matched,
            replayed: result.replayed,
            via: "admin api",
          },
        });
      }
      if (result.replayed > 0) deps.onReplayed?.();
      return { ...result, dryRun };
    },

    async previewEvent({ body, role }) {
      const destination = deps.destinations().find((candidate) => candidate.name === body.destination);
      if (destination === undefined) {
        throw new AdminHttpError(404, {
          code: "ER_ADMIN_NOT_FOUND",
          message: "no configured destination has this name",
          path: "body.destination",
        });
      }
      // The event as ingest would store it: a messageId and receivedAt when missing.
      const event = {
        ...body.event,
        messageId: body.event.messageId ?? "preview-message-id",
        receivedAt: new Date(deps.clock()).toISOString(),
      } as StoredEvent;
      // Admins and editors see the values (editors map fields with them); a viewer never does.
      const maskValues = role === "viewer";
      return { ...maskPreview(previewEvent(event, destination), { maskValues }), valuesMasked: maskValues };
    },

    async getOpenApi() {
      return openApi();
    },
  };
}

/** The store's log filter from a list query (`state` forced for dead letters). */
function logFilter(
  query: {
    destination?: string | undefined;
    messageId?: string | undefined;
    from?: number | undefined;
    to?: number | undefined;
    before?: number | undefined;
    limit?: number | undefined;
  },
  state: DeliveryLogEntry["state"] | undefined,
): DeliveryLogFilter & { limit: number } {
  return {
    ...definedOnly({
      destination: query.destination,
      messageId: query.messageId,
      state,
      fromMs: query.from,
      toMs: query.to,
      beforeId: query.before,
    }),
    limit: query.limit ?? ADMIN_PAGE.defaultLimit,
  };
}

/**
 * One page, newest first. `nextBefore` is set only when more rows exist (a one-row look past a full
 * page), so a client never fetches an empty last page.
 */
async function readPage(
  store: Pick<Store, "listDeliveries">,
  filter: DeliveryLogFilter & { limit: number },
): Promise<{ entries: DeliveryLogEntry[]; nextBefore: number | null }> {
  const entries = (await store.listDeliveries(filter)).map(pick);
  const last = entries.at(-1);
  if (last === undefined || entries.length < filter.limit) return { entries, nextBefore: null };
  const more = await store.listDeliveries({ ...filter, beforeId: last.deliveryId, limit: 1 });
  return { entries, nextBefore: more.length > 0 ? last.deliveryId : null };
}

/** Exactly the documented fields of a log row (an adapter's extra columns never leak out). */
function pick(entry: DeliveryLogEntry): DeliveryLogEntry {
  return {
    deliveryId: entry.deliveryId,
    destination: entry.destination,
    sourceName: entry.sourceName,
    messageId: entry.messageId,
    eventType: entry.eventType,
    eventName: entry.eventName,
    state: entry.state,
    stage: entry.stage,
    reason: entry.reason,
    field: entry.field,
    attempts: entry.attempts,
    lastStatus: entry.lastStatus,
    receivedAtMs: entry.receivedAtMs,
    firstAttemptAtMs: entry.firstAttemptAtMs,
    updatedAtMs: entry.updatedAtMs,
    replays: entry.replays,
  };
}

/** Drop `undefined` members (exactOptionalPropertyTypes: absent, not undefined). */
function definedOnly<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** A replay filter as audit detail: names, ids and times only (a messageId is an id, not a value). */
function auditFilter(filter: ReplayFilter): Record<string, string | number | number[]> {
  const out: Record<string, string | number | number[]> = {};
  if (filter.destination !== undefined) out["destination"] = filter.destination;
  if (filter.messageId !== undefined) out["messageId"] = filter.messageId;
  if (filter.deliveryIds !== undefined) out["deliveryIds"] = [...filter.deliveryIds].slice(0, 100);
  if (filter.fromMs !== undefined) out["fromMs"] = filter.fromMs;
  if (filter.toMs !== undefined) out["toMs"] = filter.toMs;
  return out;
}
