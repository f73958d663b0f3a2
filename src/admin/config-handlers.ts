import type { CONFIG_ROUTES } from "../contracts/admin-config-routes.js";
import {
  type ConfigDocument,
  configFromDocument,
  maskDocument,
  mergeSecrets,
} from "../contracts/config-document.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import { LOG } from "../observability/log-events.js";
import { StoreError } from "../store/store-error.js";
import type { AdminDeps, AreaHandlers } from "./admin-handlers.js";
import { AdminHttpError } from "./admin-handlers.js";
import { createConfigEntityHandlers } from "./config-entity-handlers.js";
import { ConfigWorkspace, notFound, parseStoredDocument } from "./config-workspace.js";
import { documentYaml, exportYaml, importYaml, lineDiff, markChangedSecrets } from "./config-yaml.js";

/** How long a rotated write key keeps working after the draft holding the new one is published. */
export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** Versions listed when the request names no limit. */
const DEFAULT_VERSIONS_PAGE = 100;

/**
 * The handlers of `CONFIG_ROUTES`: the configuration, its draft and versions, export and import
 * here; sources, destinations, actions, credential check and test send in `config-entity-handlers.ts`.
 *
 * @example
 * const handlers = createConfigHandlers({ ...deps, configRuntime });
 * await handlers.publishConfig({ params: undefined, query: undefined, body: {}, role: "editor", actor: "user:ada" });
 */
export function createConfigHandlers(deps: AdminDeps): AreaHandlers<typeof CONFIG_ROUTES> {
  const workspace = new ConfigWorkspace(deps);
  const { store } = deps;

  /** A version, `live` or `draft` as a document with its label (404 when it does not exist). */
  const resolve = async (ref: number | "live" | "draft"): Promise<{ doc: ConfigDocument; label: string }> => {
    if (ref === "live") {
      const live = await workspace.live();
      return { doc: live.doc, label: live.version === null ? "live" : `live (version ${live.version})` };
    }
    if (ref === "draft") {
      const draft = await workspace.draft();
      if (draft === null) throw notFound("draft", "");
      return { doc: draft.doc, label: "draft" };
    }
    workspace.runtime();
    const record = await store.getConfigVersion(ref);
    if (record === null) throw notFound("version", String(ref));
    return { doc: parseStoredDocument(record.document), label: `version ${ref}` };
  };

  /** 409 in file mode: the file is the configuration. */
  const refuseInFileMode = (what: string): void => {
    const runtime = workspace.runtime();
    if (runtime.mode === "file") {
      throw new AdminHttpError(409, {
        code: "ER_CONFIG_FROM_FILE",
        message: `Sluice runs from the configuration file ${runtime.filePath ?? ""}, so ${what} is not possible here: export the draft as YAML into that file and restart Sluice, or start Sluice without SLUICE_CONFIG to manage the configuration here`,
      });
    }
  };

  /** Publish `doc` as the next version (compare-and-set on `expectedLatest`), then apply it. */
  const publish = async (input: {
    doc: ConfigDocument;
    actor: string;
    note: string | null;
    expectedLatest: number | null;
    clearDraft: boolean;
  }): Promise<number> => {
    const checked = configFromDocument(input.doc, workspace.env);
    if (!checked.ok) {
      throw new AdminHttpError(422, {
        code: "ER_CONFIG_INVALID",
        message: `the configuration has ${checked.issues.length} problem(s); fix them, then publish again`,
        issues: checked.issues,
      });
    }
    let version: number;
    try {
      version = await store.publishConfigVersion({
        publishedAtMs: deps.clock(),
        publishedBy: input.actor,
        note: input.note,
        document: JSON.stringify(input.doc),
        expectedLatest: input.expectedLatest,
        clearDraft: input.clearDraft,
      });
    } catch (error) {
      if (error instanceof StoreError && error.code === "ER_STORE_CONFLICT") {
        const latest = await store.latestConfigVersionNumber();
        throw new AdminHttpError(409, {
          code: "ER_CONFIG_CONFLICT",
          message: `version ${latest ?? "none"} was published after this draft was started from ${
            input.expectedLatest === null ? "no version" : `version ${input.expectedLatest}`
          }: review GET /admin/api/config/diff?from=live&to=draft, then discard the draft and save your changes again`,
        });
      }
      throw error;
    }
    deps.logger.info(
      {
        event: LOG.adminConfigPublished,
        version,
        actor: input.actor,
        sources: checked.config.sources.map((source) => source.name),
        destinations: checked.config.destinations.map((destination) => destination.name),
      },
      `configuration version ${version} published`,
    );
    try {
      await workspace.runtime().reload();
    } catch (error) {
      // Published all the same: the running Sluice keeps its configuration and logs why.
      deps.logger.error(
        { event: LOG.adminError, version, err: { message: (error as Error).message } },
        "configuration version published, but applying it failed",
      );
    }
    return version;
  };

  return {
    ...createConfigEntityHandlers(workspace, deps),

    async getConfig({ role }) {
      const runtime = workspace.runtime();
      const [live, draft] = await Promise.all([workspace.live(), workspace.draft()]);
      const file = runtime.filePath ?? "the configuration file";
      const message =
        runtime.mode === "file"
          ? `Sluice runs from ${file} (SLUICE_CONFIG): that file is the configuration. Edits here go to a draft that cannot be published; to use them, export the draft as YAML into ${file} and restart Sluice, or start Sluice without SLUICE_CONFIG to manage the configuration here.`
          : `The configuration is managed here. Edits go to a draft and change nothing until the draft is published; publishing applies it at once${
              live.version === null ? " (nothing is published yet)" : ` (version ${live.version} is live)`
            }.`;
      return {
        mode: runtime.mode,
        filePath: runtime.filePath,
        editable: runtime.mode === "database",
        message,
        live: {
          version: live.version,
          publishedAtMs: live.publishedAtMs,
          publishedBy: live.publishedBy,
          note: live.note,
          config: maskDocument(live.doc, role),
        },
        draft: draft === null ? null : workspace.draftAnswer(draft, role),
      };
    },

    async saveConfigDraft({ body, role, actor }) {
      const { draft } = await workspace.edit(actor, "whole draft", (_doc, { live, draft: existing }) => ({
        doc: mergeSecrets(body.config, existing?.doc ?? null, live.doc),
        result: null,
      }));
      const answer = workspace.draftAnswer(draft, role);
      return { draft: answer, issues: answer.issues };
    },

    async discardConfigDraft({ actor }) {
      workspace.runtime();
      const deleted = await workspace.serialise(() => store.deleteConfigDraft());
      if (deleted) {
        await audit(
          store,
          { actor, action: AUDIT_ACTIONS.configDraftDiscard, target: "config:draft", outcome: "ok" },
          deps.clock,
        );
      }
      return { discarded: true as const };
    },

    async publishConfig({ body, actor }) {
      refuseInFileMode("publishing");
      return workspace.serialise(async () => {
        const [draft, live] = await Promise.all([workspace.draft(), workspace.live()]);
        if (draft === null) {
          throw new AdminHttpError(409, {
            code: "ER_CONFIG_NO_DRAFT",
            message: "there is no draft to publish: edit the configuration first",
          });
        }
        const doc = stampRotations(draft.doc, live.doc, deps.clock());
        const version = await publish({
          doc,
          actor,
          note: body.note ?? null,
          expectedLatest: draft.basedOn,
          clearDraft: true,
        });
        await audit(
          store,
          {
            actor,
            action: AUDIT_ACTIONS.configPublish,
            target: `config:version:${version}`,
            outcome: "ok",
            detail: { version, basedOn: draft.basedOn },
          },
          deps.clock,
        );
        return { version };
      });
    },

    async listConfigVersions({ query }) {
      workspace.runtime();
      const versions = await store.listConfigVersions({
        limit: query.limit ?? DEFAULT_VERSIONS_PAGE,
        ...(query.before === undefined ? {} : { before: query.before }),
      });
      return { versions };
    },

    async getConfigVersion({ params, role }) {
      workspace.runtime();
      const record = await store.getConfigVersion(params.version);
      if (record === null) throw notFound("version", String(params.version));
      const { document, ...summary } = record;
      return { ...summary, config: maskDocument(parseStoredDocument(document), role) };
    },

    async diffConfig({ query, role }) {
      const [from, to] = await Promise.all([resolve(query.from), resolve(query.to)]);
      const marked = markChangedSecrets(from.doc, to.doc);
      return {
        from: query.from,
        to: query.to,
        lines: lineDiff(
          documentYaml(maskDocument(marked.from, role)),
          documentYaml(maskDocument(marked.to, role)),
        ),
      };
    },

    async rollbackConfig({ params, actor }) {
      refuseInFileMode("rolling back");
      return workspace.serialise(async () => {
        const record = await store.getConfigVersion(params.version);
        if (record === null) throw notFound("version", String(params.version));
        const latest = await store.latestConfigVersionNumber();
        const version = await publish({
          doc: parseStoredDocument(record.document),
          actor,
          note: `rollback to version ${params.version}`,
          expectedLatest: latest,
          clearDraft: false,
        });
        await audit(
          store,
          {
            actor,
            action: AUDIT_ACTIONS.configRollback,
            target: `config:version:${version}`,
            outcome: "ok",
            detail: { version, copyOf: params.version, replaced: latest },
          },
          deps.clock,
        );
        return { version };
      });
    },

    async exportConfig({ query }) {
      const ref = query.version ?? ((await workspace.draft()) === null ? "live" : "draft");
      const { doc, label } = await resolve(ref);
      return { yaml: exportYaml(doc, label).yaml };
    },

    async importConfig({ body, role, actor }) {
      workspace.runtime();
      return workspace.serialise(async () => {
        const { draft: existing, live, doc: current } = await workspace.working();
        const imported = importYaml(body.yaml, workspace.env, current);
        if (!imported.ok) {
          throw new AdminHttpError(422, {
            code: "ER_CONFIG_INVALID",
            message: `the file is not a configuration Sluice can read (${imported.issues.length} problem(s)); nothing was imported`,
            issues: imported.issues,
          });
        }
        const draft = await workspace.save(imported.doc, actor, existing);
        const answer = workspace.draftAnswer(draft, role);
        await audit(
          store,
          {
            actor,
            action: AUDIT_ACTIONS.configImport,
            target: "config:draft",
            outcome: "ok",
            detail: { issues: answer.issues.length, liveVersion: live.version },
          },
          deps.clock,
        );
        return { draft: answer, issues: answer.issues };
      });
    },
  };
}

/**
 * The document to publish: a write key rotated in this draft (its `previousWriteKey` is not the live
 * one's) keeps working for `ROTATION_GRACE_MS` from now, the publish; a previous key whose time is
 * over is dropped.
 *
 * @example
 * stampRotations(draft, live, Date.now()).sources[0]?.previousWriteKeyExpiresAtMs // now + 24 h
 */
export function stampRotations(doc: ConfigDocument, live: ConfigDocument, nowMs: number): ConfigDocument {
  return {
    ...doc,
    sources: doc.sources.map((source) => {
      if (source.previousWriteKey === undefined) return source;
      const published = live.sources.find((candidate) => candidate.name === source.name);
      const rotatedHere = published?.previousWriteKey !== source.previousWriteKey;
      const expiresAtMs = rotatedHere
        ? nowMs + ROTATION_GRACE_MS
        : (source.previousWriteKeyExpiresAtMs ?? nowMs + ROTATION_GRACE_MS);
      if (expiresAtMs <= nowMs) {
        const { previousWriteKey: _key, previousWriteKeyExpiresAtMs: _at, ...rest } = source;
        return rest;
      }
      return { ...source, previousWriteKeyExpiresAtMs: expiresAtMs };
    }),
  };
}
