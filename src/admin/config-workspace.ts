import type { ConfigRuntime } from "../config/config-runtime.js";
import type { AdminRole } from "../contracts/admin-common.js";
import type { ConfigIssue } from "../contracts/config.js";
import {
  type ConfigDocument,
  ConfigDocumentSchema,
  configFromDocument,
  documentFromConfig,
  maskDocument,
} from "../contracts/config-document.js";
import { AUDIT_ACTIONS, audit } from "../observability/audit.js";
import type { ConfigDraftRecord } from "../store/port.js";
import type { AdminDeps } from "./admin-handlers.js";
import { AdminHttpError } from "./admin-handlers.js";

/**
 * What the configuration handlers share: the live configuration, the draft, and the one way to change
 * the draft (read, edit, validate, save, audit), serialised within this process so that two edits
 * arriving together do not overwrite each other.
 */

/** The live configuration as a document, with who published it. */
export interface LiveConfig {
  version: number | null;
  publishedAtMs: number | null;
  publishedBy: string | null;
  note: string | null;
  doc: ConfigDocument;
}

export interface DraftConfig {
  basedOn: number | null;
  updatedAtMs: number;
  updatedBy: string;
  doc: ConfigDocument;
}

/** A document read back from the store (it was checked when it was saved). */
export function parseStoredDocument(text: string): ConfigDocument {
  return ConfigDocumentSchema.parse(JSON.parse(text));
}

export class ConfigWorkspace {
  /** Edits of this process, one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AdminDeps) {}

  get env(): Readonly<Record<string, string | undefined>> {
    return this.deps.configEnv ?? process.env;
  }

  /** The runtime, or 503 when this process offers no configuration management. */
  runtime(): ConfigRuntime {
    const runtime = this.deps.configRuntime;
    if (runtime === undefined) {
      throw new AdminHttpError(503, {
        code: "ER_CONFIG_UNAVAILABLE",
        message: "this Sluice was started without configuration management",
      });
    }
    return runtime;
  }

  /**
   * The live configuration: the latest published version in database mode (the running one while
   * none was published), the file's in file mode.
   */
  async live(): Promise<LiveConfig> {
    const runtime = this.runtime();
    if (runtime.mode === "database") {
      const record = await this.deps.store.latestConfigVersion();
      if (record !== null) {
        return {
          version: record.version,
          publishedAtMs: record.publishedAtMs,
          publishedBy: record.publishedBy,
          note: record.note,
          doc: parseStoredDocument(record.document),
        };
      }
    }
    return {
      version: null,
      publishedAtMs: null,
      publishedBy: null,
      note: null,
      doc: documentFromConfig(runtime.current().config),
    };
  }

  async draft(): Promise<DraftConfig | null> {
    this.runtime();
    const record = await this.deps.store.getConfigDraft();
    if (record === null) return null;
    return {
      basedOn: record.basedOn,
      updatedAtMs: record.updatedAtMs,
      updatedBy: record.updatedBy,
      doc: parseStoredDocument(record.document),
    };
  }

  /** What edits start from: the draft when there is one, else the live configuration. */
  async working(): Promise<{ doc: ConfigDocument; draft: DraftConfig | null; live: LiveConfig }> {
    const [draft, live] = await Promise.all([this.draft(), this.live()]);
    return { doc: draft?.doc ?? live.doc, draft, live };
  }

  /** The document's problems, as `sluice validate-config` finds them. */
  issues(doc: ConfigDocument): ConfigIssue[] {
    const result = configFromDocument(doc, this.env);
    return result.ok
      ? []
      : result.issues.map(({ path, message, line, column }) => ({
          path,
          message,
          ...(line === undefined ? {} : { line }),
          ...(column === undefined ? {} : { column }),
        }));
  }

  /**
   * Run `work` after every edit this process started before it (edits are read-modify-write of the
   * one draft).
   */
  serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Edit the draft: `change` gets the working document (a copy) and returns the new one, or throws an
   * `AdminHttpError`. The draft keeps the version it was started from; a new draft is based on the
   * latest version. Audited with `what` (names only, never a value).
   */
  edit<T>(
    actor: string,
    what: string,
    change: (
      doc: ConfigDocument,
      context: { live: LiveConfig; draft: DraftConfig | null },
    ) => {
      doc: ConfigDocument;
      result: T;
    },
  ): Promise<{ result: T; draft: DraftConfig; issues: ConfigIssue[] }> {
    return this.serialise(async () => {
      const { doc, draft, live } = await this.working();
      const changed = change(structuredClone(doc), { live, draft });
      const record = await this.save(changed.doc, actor, draft);
      await audit(
        this.deps.store,
        {
          actor,
          action: AUDIT_ACTIONS.configDraftSave,
          target: "config:draft",
          outcome: "ok",
          detail: { what },
        },
        this.deps.clock,
      );
      return { result: changed.result, draft: record, issues: this.issues(record.doc) };
    });
  }

  /** Write the draft (keeping what it was based on when it exists). */
  async save(doc: ConfigDocument, actor: string, existing: DraftConfig | null): Promise<DraftConfig> {
    const runtime = this.runtime();
    const basedOn =
      existing !== null
        ? existing.basedOn
        : runtime.mode === "database"
          ? await this.deps.store.latestConfigVersionNumber()
          : null;
    const record: ConfigDraftRecord = {
      basedOn,
      updatedAtMs: this.deps.clock(),
      updatedBy: actor,
      document: JSON.stringify(doc),
    };
    await this.deps.store.saveConfigDraft(record);
    return { basedOn, updatedAtMs: record.updatedAtMs, updatedBy: actor, doc };
  }

  /** A draft as the API answers it: masked for the role, with its issues. */
  draftAnswer(draft: DraftConfig, role: AdminRole) {
    return {
      basedOn: draft.basedOn,
      updatedAtMs: draft.updatedAtMs,
      updatedBy: draft.updatedBy,
      config: maskDocument(draft.doc, role),
      issues: this.issues(draft.doc),
    };
  }
}

/** 404 for a source or destination the working configuration lacks. */
export function notFound(kind: "source" | "destination" | "version" | "draft", name: string): AdminHttpError {
  const message =
    kind === "draft"
      ? "there is no draft"
      : kind === "version"
        ? `no configuration version ${name}`
        : `no ${kind} named ${JSON.stringify(name)} in the configuration`;
  return new AdminHttpError(404, {
    code: "ER_ADMIN_NOT_FOUND",
    message,
    ...(kind === "draft" ? {} : { path: kind === "version" ? "params.version" : "params.name" }),
  });
}

/** 409 for a name the draft already has. */
export function nameTaken(kind: "source" | "destination", name: string, path: string): AdminHttpError {
  return new AdminHttpError(409, {
    code: "ER_CONFIG_NAME_TAKEN",
    message: `a ${kind} named ${JSON.stringify(name)} exists already`,
    path,
  });
}
