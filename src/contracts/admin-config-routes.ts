import { z } from "zod";
import {
  ADMIN_API_PREFIX,
  type AdminRouteSpec,
  ALL_ROLES,
  adminRequestSchemas,
  adminResponseSchemas,
  EDITORS,
} from "./admin-common.js";
import { PreviewResponseSchema } from "./admin-preview.js";
import {
  ActionDocumentSchema,
  ConfigDocumentSchema,
  DestinationDocumentSchema,
  SourceDocumentSchema,
} from "./config-document.js";
import { SegmentEventSchema } from "./event.js";

/**
 * Configuration: sources, destinations, actions, drafts, versions, export/import, credential check
 * and test send: part of `ADMIN_ROUTES`.
 *
 * Every edit changes the draft (made from the live configuration on the first edit); publishing
 * makes the draft an immutable, numbered version and applies it at once. Reads of sources,
 * destinations and actions show the draft when there is one, else the live configuration. Secrets
 * (API keys, hash salts) are `MASKED_SECRET` in every answer, write keys too for a viewer; sending
 * `MASKED_SECRET` back keeps the stored value.
 */

// ---------------------------------------------------------------------------------------------
// Documents, registered for the OpenAPI document (requests and answers alike).

const documents = [
  [ConfigDocumentSchema, "ConfigDocument", "The configuration as JSON: the keys of the configuration file."],
  [SourceDocumentSchema, "SourceDocument", "A source: its name, keys and request-context setting."],
  [DestinationDocumentSchema, "DestinationDocument", "A Customer.io destination, as in the file."],
  [ActionDocumentSchema, "ActionDocument", "One action of a destination (docs/mapping.md)."],
] as const;
for (const [schema, id, description] of documents) {
  schema.register(adminResponseSchemas, { id, description: `${description} Secrets are masked.` });
  schema.register(adminRequestSchemas, {
    id: `${id}Input`,
    description: `${description} A secret equal to "••••••••" keeps the stored value.`,
  });
}

const EpochMs = z.number().int().min(0);
const NameTextSchema = z.string().min(1).max(200);

export const ConfigIssueSchema = z
  .strictObject({
    path: z.string().meta({ description: "Where, as in the file: `destinations[0].actions[1].fields.id`." }),
    message: z.string(),
    line: z.number().int().optional().meta({ description: "Imports only: the line in the YAML." }),
    column: z.number().int().optional(),
  })
  .register(adminResponseSchemas, {
    id: "ConfigIssue",
    description: "One problem of a configuration, found by the same validation as `sluice validate-config`.",
  });

const IssuesSchema = z.array(ConfigIssueSchema);

const VERSION_REF_MESSAGE = "must be a version number, live or draft";
/** `3`, `live` or `draft` in a query string. */
const VersionRefTextSchema = z
  .string()
  .regex(/^([1-9]\d{0,14}|live|draft)$/, { error: VERSION_REF_MESSAGE })
  .transform((text): number | "live" | "draft" =>
    text === "live" || text === "draft" ? text : Number(text),
  );
const VersionRefSchema = z.union([z.number().int().positive(), z.enum(["live", "draft"])]);

const versionText = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, { error: "must be a positive integer (a version number)" })
  .transform(Number);

export const VersionParamsSchema = z.strictObject({
  version: versionText.meta({ description: "A published version's number." }),
});

export const NameParamsSchema = z.strictObject({
  name: NameTextSchema.meta({ description: "The source's or destination's name." }),
});

export const VersionsQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, { error: "must be an integer from 1 to 1000" })
    .transform(Number)
    .pipe(z.number().max(1000, { error: "must be an integer from 1 to 1000" }))
    .optional()
    .meta({ description: "Page size, 1-1000; default 100." }),
  before: versionText.optional().meta({ description: "Only versions below this number (the next page)." }),
});

export const DiffQuerySchema = z.strictObject({
  from: VersionRefTextSchema.meta({ description: "A version number, `live` or `draft`." }),
  to: VersionRefTextSchema.meta({ description: "A version number, `live` or `draft`." }),
});

export const ExportQuerySchema = z.strictObject({
  version: VersionRefTextSchema.optional().meta({
    description: "A version number, `live` or `draft`; default: the draft when there is one, else live.",
  }),
});

// ---------------------------------------------------------------------------------------------
// Bodies.

export const PutDraftRequestSchema = z
  .strictObject({ config: ConfigDocumentSchema })
  .register(adminRequestSchemas, { id: "PutDraftRequest", description: "The whole draft." });

export const PublishRequestSchema = z
  .strictObject({
    note: z.string().max(1000).optional().meta({ description: "Why: shown in the version list." }),
  })
  .register(adminRequestSchemas, { id: "PublishRequest" });

export const ImportRequestSchema = z
  .strictObject({
    yaml: z
      .string()
      .max(400_000)
      .meta({ description: "A configuration file (YAML or JSON), as `sluice validate-config` reads it." }),
  })
  .register(adminRequestSchemas, { id: "ImportRequest" });

export const CreateSourceRequestSchema = z
  .strictObject({
    name: NameTextSchema,
    requestContext: z.enum(["keep", "drop"]).optional(),
  })
  .register(adminRequestSchemas, {
    id: "CreateSourceRequest",
    description: "A new source: Sluice generates its write key and test write key.",
  });

export const PutSourceRequestSchema = z
  .strictObject({ source: SourceDocumentSchema })
  .register(adminRequestSchemas, {
    id: "PutSourceRequest",
    description: "The source as it should be (a different name renames it).",
  });

export const RotateKeyRequestSchema = z
  .strictObject({
    which: z.enum(["live", "test"]).meta({
      description:
        "`live`: a new write key; the live one keeps working for 24 h after the draft is published. `test`: a new test write key.",
    }),
  })
  .register(adminRequestSchemas, { id: "RotateKeyRequest" });

export const DestinationRequestSchema = z
  .strictObject({ destination: DestinationDocumentSchema })
  .register(adminRequestSchemas, {
    id: "DestinationRequest",
    description: "The destination as it should be (on PUT, a different name renames it).",
  });

export const CheckCredentialsRequestSchema = z
  .strictObject({
    settings: DestinationDocumentSchema.shape.settings.optional().meta({
      description:
        "Unsaved settings from a form; secrets equal to `••••••••` use the stored ones. Absent: the destination's settings.",
    }),
  })
  .register(adminRequestSchemas, { id: "CheckCredentialsRequest" });

export const PutActionsRequestSchema = z
  .strictObject({
    actions: z.array(ActionDocumentSchema).meta({
      description:
        "Every action, in priority order (enable, disable, reorder and delete by editing the list).",
    }),
    match: z.enum(["first", "all"]).optional(),
  })
  .register(adminRequestSchemas, { id: "PutActionsRequest" });

export const TestSendRequestSchema = z
  .strictObject({
    event: SegmentEventSchema,
    target: z.enum(["sandbox", "workspace"]).meta({
      description:
        "`sandbox`: Sluice's own strict Customer.io simulator; `workspace`: the real workspace (needs `confirm`).",
    }),
    confirm: z.boolean().optional(),
    useDraft: z
      .boolean()
      .optional()
      .meta({ description: "Use the draft's destination (default true) or the live one." }),
  })
  .register(adminRequestSchemas, { id: "TestSendRequest" });

// ---------------------------------------------------------------------------------------------
// Answers.

const LiveSchema = z.strictObject({
  version: z
    .number()
    .int()
    .positive()
    .nullable()
    .meta({ description: "Null: nothing published yet, or file mode." }),
  publishedAtMs: EpochMs.nullable(),
  publishedBy: z.string().nullable(),
  note: z.string().nullable(),
  config: ConfigDocumentSchema,
});

export const ConfigDraftSchema = z
  .strictObject({
    basedOn: z.number().int().positive().nullable(),
    updatedAtMs: EpochMs,
    updatedBy: z.string(),
    config: ConfigDocumentSchema,
    issues: IssuesSchema.meta({ description: "Empty when the draft can be published." }),
  })
  .register(adminResponseSchemas, { id: "ConfigDraft", description: "The unpublished edits." });

export const ConfigStateSchema = z
  .strictObject({
    mode: z.enum(["database", "file"]),
    filePath: z.string().nullable(),
    editable: z.boolean().meta({ description: "False in file mode: drafts work, publishing does not." }),
    message: z
      .string()
      .meta({ description: "How edits relate to the running configuration, in plain words." }),
    live: LiveSchema,
    draft: ConfigDraftSchema.nullable(),
  })
  .register(adminResponseSchemas, {
    id: "ConfigState",
    description: "The live configuration, the draft, and how editing works in this mode.",
  });

export const DraftSavedSchema = z
  .strictObject({ draft: ConfigDraftSchema, issues: IssuesSchema })
  .register(adminResponseSchemas, { id: "DraftSaved" });

export const DiscardedSchema = z
  .strictObject({ discarded: z.literal(true) })
  .register(adminResponseSchemas, { id: "DraftDiscarded" });

export const PublishedSchema = z
  .strictObject({ version: z.number().int().positive() })
  .register(adminResponseSchemas, { id: "Published", description: "The new version's number." });

const VersionSummarySchema = z.strictObject({
  version: z.number().int().positive(),
  publishedAtMs: EpochMs,
  publishedBy: z.string(),
  note: z.string().nullable(),
});

export const VersionListSchema = z
  .strictObject({ versions: z.array(VersionSummarySchema) })
  .register(adminResponseSchemas, { id: "ConfigVersionList", description: "Newest first." });

export const ConfigVersionSchema = z
  .strictObject({ ...VersionSummarySchema.shape, config: ConfigDocumentSchema })
  .register(adminResponseSchemas, { id: "ConfigVersion" });

export const ConfigDiffSchema = z
  .strictObject({
    from: VersionRefSchema,
    to: VersionRefSchema,
    lines: z.array(z.strictObject({ op: z.enum([" ", "+", "-"]), text: z.string() })),
  })
  .register(adminResponseSchemas, {
    id: "ConfigDiff",
    description:
      "A line diff of the two documents as YAML (secrets masked): `-` only in `from`, `+` only in `to`.",
  });

export const ExportSchema = z
  .strictObject({
    yaml: z.string().meta({
      description:
        "A configuration file; secrets are `${SLUICE_<DESTINATION>_API_KEY}`-style references, never values.",
    }),
  })
  .register(adminResponseSchemas, { id: "ConfigExport" });

export const SourceListSchema = z
  .strictObject({ sources: z.array(SourceDocumentSchema) })
  .register(adminResponseSchemas, { id: "SourceList" });

export const SourceSavedSchema = z
  .strictObject({ source: SourceDocumentSchema, issues: IssuesSchema })
  .register(adminResponseSchemas, {
    id: "SourceSaved",
    description: "The source as the draft now has it, and the draft's issues.",
  });

export const DestinationListSchema = z
  .strictObject({ destinations: z.array(DestinationDocumentSchema) })
  .register(adminResponseSchemas, { id: "DestinationList" });

export const DestinationAnswerSchema = z
  .strictObject({ destination: DestinationDocumentSchema })
  .register(adminResponseSchemas, { id: "DestinationAnswer" });

export const DestinationSavedSchema = z
  .strictObject({ destination: DestinationDocumentSchema, issues: IssuesSchema })
  .register(adminResponseSchemas, {
    id: "DestinationSaved",
    description: "The destination as the draft now has it, and the draft's issues.",
  });

export const DeletedSchema = z
  .strictObject({ deleted: z.literal(true), issues: IssuesSchema })
  .register(adminResponseSchemas, { id: "DeletedFromDraft" });

export const CredentialsResultSchema = z
  .strictObject({
    result: z.enum(["ok", "region-mismatch", "unauthorized", "unreachable", "unexpected"]),
    message: z.string().meta({ description: "What it means, in plain words." }),
    region: z.string().optional().meta({ description: "The workspace's region, when Customer.io said." }),
  })
  .register(adminResponseSchemas, {
    id: "CredentialsResult",
    description: "Customer.io's answer to GET /api/v1/accounts/region with these credentials.",
  });

const CatalogueEntrySchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  description: z.string(),
  endpoint: z.string(),
  fields: z.array(
    z.strictObject({
      name: z.string(),
      required: z.boolean(),
      description: z.string(),
      type: z
        .string()
        .meta({ description: "text, number, integer, timestamp, boolean, object, array or any." }),
      default: z.unknown().optional().meta({ description: "The default mapping, when the field has one." }),
    }),
  ),
  oneOf: z.array(z.array(z.string())),
  presetTrigger: z.unknown(),
  options: z.array(
    z.strictObject({
      name: z.string(),
      values: z.array(z.union([z.string(), z.boolean()])),
      default: z.union([z.string(), z.boolean()]),
      description: z.string(),
    }),
  ),
});

export const ActionsAnswerSchema = z
  .strictObject({
    actions: z.array(ActionDocumentSchema),
    match: z.enum(["first", "all"]),
    preset: z.boolean().meta({
      description:
        "True when the destination has no `actions:` and runs the presets: `actions` shows them as editable configuration.",
    }),
    catalogue: z.array(CatalogueEntrySchema),
  })
  .register(adminResponseSchemas, {
    id: "ActionsAnswer",
    description: "A destination's actions in priority order, and every action type it could run.",
  });

export const ActionsSavedSchema = z
  .strictObject({ actions: z.array(ActionDocumentSchema), issues: IssuesSchema })
  .register(adminResponseSchemas, { id: "ActionsSaved" });

export const TestSendResponseSchema = z
  .strictObject({
    target: z.enum(["sandbox", "workspace"]),
    preview: PreviewResponseSchema,
    responses: z.array(
      z.strictObject({
        method: z.string(),
        url: z.string().meta({ description: "Without credentials." }),
        status: z
          .number()
          .int()
          .nullable()
          .meta({ description: "Null: no answer (network error, timeout)." }),
        body: z.unknown().meta({ description: "Customer.io's answer: parsed JSON, or text." }),
        latencyMs: z.number().min(0),
      }),
    ),
  })
  .register(adminResponseSchemas, {
    id: "TestSendResult",
    description: "What was sent for the event and what Customer.io (or the sandbox) answered.",
  });

// ---------------------------------------------------------------------------------------------
// Routes.

const P = ADMIN_API_PREFIX;

export const CONFIG_ROUTES = {
  getConfig: {
    method: "GET",
    path: `${P}/config`,
    summary: "The configuration: live, draft, and how editing works",
    description:
      "The live configuration (version, who published it, the document) and the draft with its issues. In file mode, `editable` is false and `message` says how edits relate to the file.",
    roles: ALL_ROLES,
    response: ConfigStateSchema,
    errors: [503],
  },
  saveConfigDraft: {
    method: "PUT",
    path: `${P}/config/draft`,
    summary: "Replace the draft",
    description:
      "Save the whole draft. An invalid draft is saved too; its issues say what blocks publishing.",
    roles: EDITORS,
    body: PutDraftRequestSchema,
    response: DraftSavedSchema,
    errors: [400, 413, 415, 503],
  },
  discardConfigDraft: {
    method: "DELETE",
    path: `${P}/config/draft`,
    summary: "Discard the draft",
    description: "Delete the unpublished edits (answers the same when there are none).",
    roles: EDITORS,
    response: DiscardedSchema,
    errors: [503],
  },
  publishConfig: {
    method: "POST",
    path: `${P}/config/publish`,
    summary: "Publish the draft",
    description:
      "Make the draft the next version and apply it at once (other nodes follow within seconds). 409 in file mode, without a draft, or when another version was published after the draft was started; 422 with the issues when the draft is invalid.",
    roles: EDITORS,
    body: PublishRequestSchema,
    response: PublishedSchema,
    errors: [400, 409, 413, 415, 422, 503],
  },
  listConfigVersions: {
    method: "GET",
    path: `${P}/config/versions`,
    summary: "Published versions",
    description: "Every published version, newest first, without documents.",
    roles: ALL_ROLES,
    query: VersionsQuerySchema,
    response: VersionListSchema,
    errors: [400, 503],
  },
  getConfigVersion: {
    method: "GET",
    path: `${P}/config/versions/{version}`,
    summary: "One published version",
    description: "A version and its document (secrets masked).",
    roles: ALL_ROLES,
    params: VersionParamsSchema,
    response: ConfigVersionSchema,
    errors: [400, 404, 503],
  },
  diffConfig: {
    method: "GET",
    path: `${P}/config/diff`,
    summary: "Diff two configurations",
    description:
      "A line diff of two documents (versions, live or the draft) rendered as YAML, secrets masked.",
    roles: ALL_ROLES,
    query: DiffQuerySchema,
    response: ConfigDiffSchema,
    errors: [400, 404, 503],
  },
  rollbackConfig: {
    method: "POST",
    path: `${P}/config/versions/{version}/rollback`,
    summary: "Roll back to a version",
    description:
      "Publish a copy of an earlier version as the next version and apply it. The draft is kept. 409 in file mode.",
    roles: EDITORS,
    params: VersionParamsSchema,
    response: PublishedSchema,
    errors: [400, 404, 409, 422, 503],
  },
  exportConfig: {
    method: "GET",
    path: `${P}/config/export`,
    summary: "Export as YAML",
    description:
      "A configuration file for a version, live or the draft; secrets are `${SLUICE_<DESTINATION>_API_KEY}`-style references, never values, and a header comment lists the variables to set.",
    roles: EDITORS,
    query: ExportQuerySchema,
    response: ExportSchema,
    errors: [400, 404, 503],
  },
  importConfig: {
    method: "POST",
    path: `${P}/config/import`,
    summary: "Import YAML into the draft",
    description:
      "Replace the draft with a configuration file. A `${VAR}` secret whose variable is not set keeps the current secret of the destination of the same name; otherwise the issues name the missing variable. A file that cannot be read as a configuration is refused with 422 and its issues.",
    roles: EDITORS,
    body: ImportRequestSchema,
    response: DraftSavedSchema,
    errors: [400, 413, 415, 422, 503],
  },
  listSources: {
    method: "GET",
    path: `${P}/sources`,
    summary: "Sources",
    description: "The sources of the draft (else live). Write keys are masked for a viewer.",
    roles: ALL_ROLES,
    response: SourceListSchema,
    errors: [503],
  },
  createSource: {
    method: "POST",
    path: `${P}/sources`,
    summary: "Add a source",
    description:
      "Add a source to the draft with a new random write key (`wk_live_…`) and test write key (`wk_test_…`).",
    roles: EDITORS,
    body: CreateSourceRequestSchema,
    response: SourceSavedSchema,
    errors: [400, 409, 413, 415, 503],
  },
  updateSource: {
    method: "PUT",
    path: `${P}/sources/{name}`,
    summary: "Change a source",
    description: "Replace a source in the draft; masked keys keep their stored values.",
    roles: EDITORS,
    params: NameParamsSchema,
    body: PutSourceRequestSchema,
    response: SourceSavedSchema,
    errors: [400, 404, 409, 413, 415, 503],
  },
  deleteSource: {
    method: "DELETE",
    path: `${P}/sources/{name}`,
    summary: "Delete a source",
    description: "Remove a source from the draft; its keys stop working once the draft is published.",
    roles: EDITORS,
    params: NameParamsSchema,
    response: DeletedSchema,
    errors: [400, 404, 503],
  },
  rotateSourceKey: {
    method: "POST",
    path: `${P}/sources/{name}/rotate-key`,
    summary: "Rotate a source's key",
    description:
      "A new write key (or test write key) in the draft. The live write key keeps working for 24 hours after the draft is published (`previousWriteKey`, `previousWriteKeyExpiresAtMs`).",
    roles: EDITORS,
    params: NameParamsSchema,
    body: RotateKeyRequestSchema,
    response: SourceSavedSchema,
    errors: [400, 404, 413, 415, 503],
  },
  listDestinations: {
    method: "GET",
    path: `${P}/destinations`,
    summary: "Destinations",
    description: "The destinations of the draft (else live), secrets masked.",
    roles: ALL_ROLES,
    response: DestinationListSchema,
    errors: [503],
  },
  createDestination: {
    method: "POST",
    path: `${P}/destinations`,
    summary: "Add a destination",
    description: "Add a destination to the draft.",
    roles: EDITORS,
    body: DestinationRequestSchema,
    response: DestinationSavedSchema,
    errors: [400, 409, 413, 415, 503],
  },
  getDestination: {
    method: "GET",
    path: `${P}/destinations/{name}`,
    summary: "One destination",
    description: "A destination of the draft (else live), secrets masked.",
    roles: ALL_ROLES,
    params: NameParamsSchema,
    response: DestinationAnswerSchema,
    errors: [400, 404, 503],
  },
  updateDestination: {
    method: "PUT",
    path: `${P}/destinations/{name}`,
    summary: "Change a destination",
    description: "Replace a destination in the draft; masked secrets keep their stored values.",
    roles: EDITORS,
    params: NameParamsSchema,
    body: DestinationRequestSchema,
    response: DestinationSavedSchema,
    errors: [400, 404, 409, 413, 415, 503],
  },
  deleteDestination: {
    method: "DELETE",
    path: `${P}/destinations/{name}`,
    summary: "Delete a destination",
    description:
      "Remove a destination from the draft. Once published, its lane stops; events queued for it stay queued.",
    roles: EDITORS,
    params: NameParamsSchema,
    response: DeletedSchema,
    errors: [400, 404, 503],
  },
  checkCredentials: {
    method: "POST",
    path: `${P}/destinations/{name}/check-credentials`,
    summary: "Check Customer.io credentials",
    description:
      "Ask Customer.io's region endpoint whether the Site ID and API key work (the form's unsaved settings, or the stored ones), and say what the answer means.",
    roles: EDITORS,
    params: NameParamsSchema,
    body: CheckCredentialsRequestSchema,
    response: CredentialsResultSchema,
    errors: [400, 404, 413, 415, 503],
  },
  getDestinationActions: {
    method: "GET",
    path: `${P}/destinations/{name}/actions`,
    summary: "A destination's actions and the catalogue",
    description:
      "The actions in priority order (the presets when none are configured) and every action type.",
    roles: ALL_ROLES,
    params: NameParamsSchema,
    response: ActionsAnswerSchema,
    errors: [400, 404, 503],
  },
  putDestinationActions: {
    method: "PUT",
    path: `${P}/destinations/{name}/actions`,
    summary: "Replace a destination's actions",
    description:
      "The whole list, in priority order, into the draft: enabling, disabling, reordering and deleting are edits of the list.",
    roles: EDITORS,
    params: NameParamsSchema,
    body: PutActionsRequestSchema,
    response: ActionsSavedSchema,
    errors: [400, 404, 413, 415, 503],
  },
  testSend: {
    method: "POST",
    path: `${P}/destinations/{name}/test-send`,
    summary: "Send a test event",
    description:
      "Send the exact requests the preview shows for an event to Sluice's strict Customer.io simulator (`sandbox`) or, with `confirm: true`, to the real workspace, and show what came back.",
    roles: EDITORS,
    params: NameParamsSchema,
    body: TestSendRequestSchema,
    response: TestSendResponseSchema,
    errors: [400, 404, 413, 415, 422, 503],
  },
} as const satisfies Record<string, AdminRouteSpec>;
