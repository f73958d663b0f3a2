import { randomBytes } from "node:crypto";
import type { CONFIG_ROUTES } from "../contracts/admin-config-routes.js";
import { CustomerioSettingsSchema, formatPath, interpolateEnv } from "../contracts/config.js";
import {
  type ActionDocument,
  type ConfigDocument,
  configFromDocument,
  type DestinationDocument,
  MASKED_SECRET,
  maskDestination,
  maskSource,
  mergeSecrets,
  type SourceDocument,
} from "../contracts/config-document.js";
import type { StoredEvent } from "../contracts/event.js";
import { CUSTOMERIO_ACTIONS } from "../destinations/customerio/actions/index.js";
import { presetActions } from "../destinations/customerio/compile-actions.js";
import { previewEvent } from "../destinations/customerio/preview.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import type { AdminDeps, AreaHandlers } from "./admin-handlers.js";
import { AdminHttpError } from "./admin-handlers.js";
import { type ConfigWorkspace, nameTaken, notFound } from "./config-workspace.js";
import { maskPreview } from "./mask-preview.js";

type EntityRoutes = Pick<
  typeof CONFIG_ROUTES,
  | "listSources"
  | "createSource"
  | "updateSource"
  | "deleteSource"
  | "rotateSourceKey"
  | "listDestinations"
  | "createDestination"
  | "getDestination"
  | "updateDestination"
  | "deleteDestination"
  | "checkCredentials"
  | "getDestinationActions"
  | "putDestinationActions"
  | "testSend"
>;

/**
 * A new random write key: `wk_live_` or `wk_test_` and 32 hex digits (128 bits).
 *
 * @example
 * newWriteKey("live") // "wk_live_9f3c…"
 */
export function newWriteKey(kind: "live" | "test"): string {
  return `wk_${kind}_${randomBytes(16).toString("hex")}`;
}

/** Every action type of the catalogue, as the actions answer lists it. */
function catalogue() {
  return CUSTOMERIO_ACTIONS.map((action) => ({
    type: action.type,
    title: action.title,
    description: action.description,
    endpoint: action.endpoint,
    fields: action.fields.map((field) => ({
      name: field.name,
      required: field.required === true,
      description: field.description,
      type: field.kind,
      ...(field.default === undefined ? {} : { default: field.default }),
    })),
    oneOf: (action.oneOf ?? []).map((group) => [...group]),
    presetTrigger: action.presetTrigger,
    options: (action.options ?? []).map((option) => ({
      name: option.name,
      values: [...option.values],
      default: option.default,
      description: option.description,
    })),
  }));
}

/** The position of the named item, or a 404. */
function indexOf(items: readonly { name: string }[], name: string, kind: "source" | "destination"): number {
  const index = items.findIndex((item) => item.name === name);
  if (index === -1) throw notFound(kind, name);
  return index;
}

/** The handlers of sources, destinations, actions, the credential check and the test send. */
export function createConfigEntityHandlers(
  workspace: ConfigWorkspace,
  deps: AdminDeps,
): AreaHandlers<EntityRoutes> {
  const { store } = deps;

  const tools = () => {
    const available = deps.destinationTools;
    if (available === undefined) {
      throw new AdminHttpError(503, {
        code: "ER_CONFIG_UNAVAILABLE",
        message: "this Sluice was started without the credential check and test send tools",
      });
    }
    return available;
  };

  /** A destination's secrets given as `MASKED_SECRET` replaced by the stored ones (same name or `storedName`). */
  const withStoredSecrets = (
    incoming: DestinationDocument,
    storedName: string,
    ...docs: (ConfigDocument | null)[]
  ): DestinationDocument => {
    const stored = docs.map((doc) => ({
      sources: [],
      destinations: (doc?.destinations ?? [])
        .filter((destination) => destination.name === storedName)
        .map((destination) => ({ ...destination, name: incoming.name })),
    }));
    const [merged] = mergeSecrets({ sources: [], destinations: [incoming] }, ...stored).destinations;
    return merged ?? incoming;
  };

  const withStoredKeys = (incoming: SourceDocument, stored: SourceDocument | undefined): SourceDocument => {
    const storedDoc = { sources: stored ? [{ ...stored, name: incoming.name }] : [], destinations: [] };
    const [merged] = mergeSecrets({ sources: [incoming], destinations: [] }, storedDoc).sources;
    return merged ?? incoming;
  };

  return {
    async listSources({ role }) {
      const { doc } = await workspace.working();
      return { sources: doc.sources.map((source) => maskSource(source, role)) };
    },

    async createSource({ body, role, actor }) {
      const { result, issues } = await workspace.edit(actor, `source ${body.name} added`, (doc) => {
        if (doc.sources.some((source) => source.name === body.name)) {
          throw nameTaken("source", body.name, "body.name");
        }
        const source: SourceDocument = {
          name: body.name,
          writeKey: newWriteKey("live"),
          testWriteKey: newWriteKey("test"),
          ...(body.requestContext === undefined ? {} : { requestContext: body.requestContext }),
        };
        return { doc: { ...doc, sources: [...doc.sources, source] }, result: source };
      });
      return { source: maskSource(result, role), issues };
    },

    async updateSource({ params, body, role, actor }) {
      const { result, issues } = await workspace.edit(actor, `source ${params.name} changed`, (doc) => {
        const index = indexOf(doc.sources, params.name, "source");
        if (
          body.source.name !== params.name &&
          doc.sources.some((source) => source.name === body.source.name)
        ) {
          throw nameTaken("source", body.source.name, "body.source.name");
        }
        const source = withStoredKeys(body.source, doc.sources[index]);
        const sources = [...doc.sources];
        sources[index] = source;
        return { doc: { ...doc, sources }, result: source };
      });
      return { source: maskSource(result, role), issues };
    },

    async deleteSource({ params, actor }) {
      const { issues } = await workspace.edit(actor, `source ${params.name} deleted`, (doc) => {
        indexOf(doc.sources, params.name, "source");
        return { doc: { ...doc, sources: doc.sources.filter((s) => s.name !== params.name) }, result: null };
      });
      return { deleted: true as const, issues };
    },

    async rotateSourceKey({ params, body, role, actor }) {
      const { result, issues } = await workspace.edit(
        actor,
        `source ${params.name} ${body.which} key rotated`,
        (doc, { live }) => {
          const index = indexOf(doc.sources, params.name, "source");
          const current = doc.sources[index] as SourceDocument;
          let source: SourceDocument;
          if (body.which === "test") source = { ...current, testWriteKey: newWriteKey("test") };
          else {
            const { previousWriteKey: _key, previousWriteKeyExpiresAtMs: _at, ...rest } = current;
            source = { ...rest, writeKey: newWriteKey("live") };
            // The key clients use now is the live one: it keeps working for a while after publishing
            // (stamped again at publish, see `stampRotations`). A source never published has none.
            const published = live.doc.sources.find((candidate) => candidate.name === current.name);
            if (published !== undefined) {
              source.previousWriteKey = published.writeKey;
              source.previousWriteKeyExpiresAtMs = deps.clock() + 24 * 60 * 60 * 1000;
            }
          }
          const sources = [...doc.sources];
          sources[index] = source;
          return { doc: { ...doc, sources }, result: source };
        },
      );
      await audit(
        store,
        {
          actor,
          action: AUDIT_ACTIONS.sourceKeyRotate,
          target: `source:${params.name}`,
          outcome: "ok",
          detail: { which: body.which },
        },
        deps.clock,
      );
      return { source: maskSource(result, role), issues };
    },

    async listDestinations() {
      const { doc } = await workspace.working();
      return { destinations: doc.destinations.map(maskDestination) };
    },

    async createDestination({ body, actor }) {
      const name = body.destination.name;
      const { result, issues } = await workspace.edit(actor, `destination ${name} added`, (doc, { live }) => {
        if (doc.destinations.some((destination) => destination.name === name)) {
          throw nameTaken("destination", name, "body.destination.name");
        }
        // A destination deleted in this draft and added again keeps its stored secrets.
        const destination = withStoredSecrets(body.destination, name, live.doc);
        return { doc: { ...doc, destinations: [...doc.destinations, destination] }, result: destination };
      });
      return { destination: maskDestination(result), issues };
    },

    async getDestination({ params }) {
      const { doc } = await workspace.working();
      const index = indexOf(doc.destinations, params.name, "destination");
      return { destination: maskDestination(doc.destinations[index] as DestinationDocument) };
    },

    async updateDestination({ params, body, actor }) {
      const { result, issues } = await workspace.edit(
        actor,
        `destination ${params.name} changed`,
        (doc, { live }) => {
          const index = indexOf(doc.destinations, params.name, "destination");
          const name = body.destination.name;
          if (name !== params.name && doc.destinations.some((destination) => destination.name === name)) {
            throw nameTaken("destination", name, "body.destination.name");
          }
          const destination = withStoredSecrets(body.destination, params.name, doc, live.doc);
          const destinations = [...doc.destinations];
          destinations[index] = destination;
          return { doc: { ...doc, destinations }, result: destination };
        },
      );
      return { destination: maskDestination(result), issues };
    },

    async deleteDestination({ params, actor }) {
      const { issues } = await workspace.edit(actor, `destination ${params.name} deleted`, (doc) => {
        indexOf(doc.destinations, params.name, "destination");
        return {
          doc: { ...doc, destinations: doc.destinations.filter((d) => d.name !== params.name) },
          result: null,
        };
      });
      return { deleted: true as const, issues };
    },

    async checkCredentials({ params, body }) {
      const { doc, live } = await workspace.working();
      const known =
        doc.destinations.find((destination) => destination.name === params.name) ??
        live.doc.destinations.find((destination) => destination.name === params.name);
      const given = body.settings ?? known?.settings;
      if (given === undefined) throw notFound("destination", params.name);
      const incoming: DestinationDocument = { name: params.name, type: "customerio", settings: given };
      const { settings } = withStoredSecrets(incoming, params.name, doc, live.doc);
      if (settings.apiKey === MASKED_SECRET) {
        throw new AdminHttpError(400, {
          code: "ER_ADMIN_INVALID_REQUEST",
          message: "body.settings.apiKey: enter the API key (no key is stored for this destination yet)",
          path: "body.settings.apiKey",
        });
      }
      // The settings as the configuration would read them: ${VAR} resolved, the same schema.
      const interpolated = interpolateEnv(settings, workspace.env);
      const parsed = CustomerioSettingsSchema.safeParse(interpolated.value);
      const problem = interpolated.issues[0] ?? (parsed.success ? undefined : parsed.error.issues[0]);
      if (problem !== undefined || !parsed.success) {
        const path =
          problem === undefined
            ? "body.settings"
            : formatPath([
                "body",
                "settings",
                ...("path" in problem && Array.isArray(problem.path) ? problem.path : []),
              ]);
        throw new AdminHttpError(400, {
          code: "ER_ADMIN_INVALID_REQUEST",
          message: `${path}: ${problem?.message ?? "invalid settings"}`,
          path,
        });
      }
      const checked = await tools().checkCredentials(parsed.data);
      return {
        result: checked.result,
        message: checked.message,
        ...(checked.region === undefined ? {} : { region: checked.region }),
      };
    },

    async getDestinationActions({ params }) {
      const { doc } = await workspace.working();
      const destination = doc.destinations[
        indexOf(doc.destinations, params.name, "destination")
      ] as DestinationDocument;
      const preset = destination.actions === undefined;
      const actions: ActionDocument[] = preset
        ? presetActions({
            allow: {
              events: destination.allow?.events ?? [],
              traits: destination.allow?.traits ?? [],
              properties: destination.allow?.properties ?? [],
            },
          }).map(({ options, trigger, ...action }) => ({
            ...action,
            ...(trigger === undefined ? {} : { trigger }),
            ...(options === undefined ? {} : { options }),
          }))
        : (destination.actions ?? []);
      return { actions, match: destination.match ?? "first", preset, catalogue: catalogue() };
    },

    async putDestinationActions({ params, body, actor }) {
      const { result, issues } = await workspace.edit(
        actor,
        `destination ${params.name} actions changed`,
        (doc) => {
          const index = indexOf(doc.destinations, params.name, "destination");
          const destinations = [...doc.destinations];
          const destination: DestinationDocument = {
            ...(destinations[index] as DestinationDocument),
            actions: body.actions,
          };
          if (body.match !== undefined) destination.match = body.match;
          destinations[index] = destination;
          return { doc: { ...doc, destinations }, result: body.actions };
        },
      );
      return { actions: result, issues };
    },

    async testSend({ params, body, role, actor }) {
      if (body.target === "workspace" && body.confirm !== true) {
        throw new AdminHttpError(400, {
          code: "ER_CONFIRM_REQUIRED",
          message: "sending to the real Customer.io workspace needs confirm: true",
          path: "body.confirm",
        });
      }
      const { doc, live } = await workspace.working();
      const from = body.useDraft === false ? live.doc : doc;
      const index = indexOf(from.destinations, params.name, "destination");
      const destinationDoc = from.destinations[index] as DestinationDocument;
      const checked = configFromDocument({ sources: [], destinations: [destinationDoc] }, workspace.env);
      if (!checked.ok) {
        throw new AdminHttpError(422, {
          code: "ER_CONFIG_INVALID",
          message: `destination ${params.name} has ${checked.issues.length} problem(s); fix them first`,
          issues: checked.issues.map(({ path, message }) => ({
            path: path.replace(/^destinations\[0\]/, `destinations[${index}]`),
            message,
          })),
        });
      }
      const destination = checked.config.destinations[0];
      if (destination === undefined) throw new Error("a validated destination vanished");
      const sender = tools();
      // The event as ingest would store it, as the preview does.
      const event = {
        ...body.event,
        messageId: body.event.messageId ?? `test-send-${randomBytes(8).toString("hex")}`,
        receivedAt: new Date(deps.clock()).toISOString(),
      } as StoredEvent;
      const maskValues = role === "viewer";
      const preview = {
        ...maskPreview(previewEvent(event, destination), { maskValues }),
        valuesMasked: maskValues,
      };
      const sent = await sender.testSend({ destination, event, target: body.target });
      if (body.target === "workspace") {
        await audit(
          store,
          {
            actor,
            action: AUDIT_ACTIONS.destinationTestSend,
            target: `destination:${params.name}`,
            outcome: "ok",
            detail: { target: body.target, statuses: sent.responses.map((response) => response.status) },
          },
          deps.clock,
        );
      }
      return { target: body.target, preview, responses: sent.responses };
    },
  };
}
