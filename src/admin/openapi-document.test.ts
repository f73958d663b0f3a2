import { describe, expect, it } from "vitest";
import { ADMIN_ROUTES, type DELIVERY_STAGES, type DELIVERY_STATES, toEpochMs } from "../contracts/admin.js";
import type { DeliveryStage, DeliveryState } from "../store/port.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import { componentSchemaErrors } from "./test-support/openapi-check.js";

type Json = Record<string, unknown>;
const doc = buildOpenApiDocument() as unknown as Json & {
  paths: Record<string, Record<string, Json & { parameters?: Json[]; responses: Record<string, Json> }>>;
};

// Compile-time: the contract's lists are exactly the store port's unions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const stagesMatch: Same<(typeof DELIVERY_STAGES)[number], DeliveryStage> = true;
const statesMatch: Same<(typeof DELIVERY_STATES)[number], DeliveryState> = true;

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the JSON Schema 2020-12 dialect", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc["jsonSchemaDialect"]).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(stagesMatch && statesMatch).toBe(true);
  });

  it("lists every route, and nothing else", () => {
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, operation]) => `${method.toUpperCase()} ${path} ${operation["operationId"]}`,
      ),
    );
    expect([...listed].sort()).toEqual(
      Object.entries(ADMIN_ROUTES)
        .map(([operationId, route]) => `${route.method} ${route.path} ${operationId}`)
        .sort(),
    );
    expect(listed).toEqual([
      "GET /admin/api/health getHealth",
      "GET /admin/api/deliveries listDeliveries",
      "GET /admin/api/events/{messageId}/trace traceEvent",
      "GET /admin/api/dead-letters listDeadLetters",
      "GET /admin/api/dead-letters/{deliveryId} getDeadLetter",
      "POST /admin/api/dead-letters/replay replayDeadLetters",
      "POST /admin/api/preview previewEvent",
      "GET /admin/api/openapi.json getOpenApi",
      "GET /admin/api/session getSession",
      "POST /admin/api/session signIn",
      "DELETE /admin/api/session signOut",
      "POST /admin/api/setup setup",
      "GET /admin/api/users listUsers",
      "POST /admin/api/users createUser",
      "PATCH /admin/api/users/{name} updateUser",
      "DELETE /admin/api/users/{name} deleteUser",
      "GET /admin/api/config getConfig",
      "PUT /admin/api/config/draft saveConfigDraft",
      "DELETE /admin/api/config/draft discardConfigDraft",
      "POST /admin/api/config/publish publishConfig",
      "GET /admin/api/config/versions listConfigVersions",
      "GET /admin/api/config/versions/{version} getConfigVersion",
      "GET /admin/api/config/diff diffConfig",
      "POST /admin/api/config/versions/{version}/rollback rollbackConfig",
      "GET /admin/api/config/export exportConfig",
      "POST /admin/api/config/import importConfig",
      "GET /admin/api/sources listSources",
      "POST /admin/api/sources createSource",
      "PUT /admin/api/sources/{name} updateSource",
      "DELETE /admin/api/sources/{name} deleteSource",
      "POST /admin/api/sources/{name}/rotate-key rotateSourceKey",
      "GET /admin/api/destinations listDestinations",
      "POST /admin/api/destinations createDestination",
      "GET /admin/api/destinations/{name} getDestination",
      "PUT /admin/api/destinations/{name} updateDestination",
      "DELETE /admin/api/destinations/{name} deleteDestination",
      "POST /admin/api/destinations/{name}/check-credentials checkCredentials",
      "GET /admin/api/destinations/{name}/actions getDestinationActions",
      "PUT /admin/api/destinations/{name}/actions putDestinationActions",
      "POST /admin/api/destinations/{name}/test-send testSend",
      "GET /admin/api/stats getStats",
      "GET /admin/api/audit listAudit",
      "GET /admin/api/audit/verify verifyAudit",
      "GET /admin/api/events/samples listSamples",
      "GET /admin/api/events/samples/{id} getSample",
      "GET /admin/api/events/paths listSeenPaths",
    ]);
  });

  it("has component schemas that compile as strict JSON Schema 2020-12", () => {
    expect(componentSchemaErrors(doc)).toEqual([]);
    expect(Object.keys((doc["components"] as { schemas: Json }).schemas).sort()).toEqual([
      "ActionDocument",
      "ActionDocumentInput",
      "ActionsAnswer",
      "ActionsSaved",
      "AttemptRecord",
      "AuditEntry",
      "AuditPage",
      "AuditVerification",
      "CheckCredentialsRequest",
      "ConfigDiff",
      "ConfigDocument",
      "ConfigDocumentInput",
      "ConfigDraft",
      "ConfigExport",
      "ConfigIssue",
      "ConfigState",
      "ConfigVersion",
      "ConfigVersionList",
      "CreateSourceRequest",
      "CreateUserRequest",
      "CredentialsResult",
      "DeadLetter",
      "DeadLetterPage",
      "DeletedFromDraft",
      "DeliveryLogEntry",
      "DeliveryPage",
      "DestinationAnswer",
      "DestinationDocument",
      "DestinationDocumentInput",
      "DestinationList",
      "DestinationRequest",
      "DestinationSaved",
      "DraftDiscarded",
      "DraftSaved",
      "Error",
      "EventTrace",
      "FieldTrace",
      "Health",
      "ImportRequest",
      "OpenApiDocument",
      "Preview",
      "PreviewRequest",
      "PublishRequest",
      "Published",
      "PutActionsRequest",
      "PutDraftRequest",
      "PutSourceRequest",
      "ReplayRequest",
      "ReplayResult",
      "RotateKeyRequest",
      "Sample",
      "SampleList",
      "SeenPathList",
      "SegmentEvent",
      "SessionState",
      "SessionUser",
      "SetupRequest",
      "SignInRequest",
      "SignedIn",
      "SignedOut",
      "SourceDocument",
      "SourceDocumentInput",
      "SourceList",
      "SourceSaved",
      "Stats",
      "TestSendRequest",
      "TestSendResult",
      "TraceResponse",
      "UpdateUserRequest",
      "User",
      "UserDeleted",
      "UserList",
      "UserResult",
    ]);
  });

  it("describes parameters as they travel (text) and every answer by reference", () => {
    const list = doc.paths["/admin/api/deliveries"]?.["get"];
    expect(list?.parameters?.map((p) => [p["name"], p["in"], p["required"]])).toEqual([
      ["destination", "query", false],
      ["state", "query", false],
      ["messageId", "query", false],
      ["source", "query", false],
      ["eventName", "query", false],
      ["from", "query", false],
      ["to", "query", false],
      ["before", "query", false],
      ["limit", "query", false],
    ]);
    expect(list?.parameters?.find((p) => p["name"] === "limit")).toEqual({
      name: "limit",
      in: "query",
      required: false,
      description: "Page size, 1-1000; default 50.",
      schema: { type: "string", pattern: "^[1-9]\\d{0,3}$" },
    });
    const one = doc.paths["/admin/api/dead-letters/{deliveryId}"]?.["get"];
    expect(one?.parameters?.map((p) => [p["name"], p["in"], p["required"]])).toEqual([
      ["deliveryId", "path", true],
      ["reveal", "query", false],
    ]);
    expect(Object.keys(one?.responses ?? {})).toEqual(["200", "400", "401", "403", "404", "500"]);
    expect(one?.responses["200"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/DeadLetter" } } },
    });
    const replay = doc.paths["/admin/api/dead-letters/replay"]?.["post"];
    expect(replay?.["requestBody"]).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ReplayRequest" } } },
    });
    expect(replay?.["x-sluice-roles"]).toEqual(["admin", "editor"]);
    expect(doc["security"]).toEqual([{ bearerToken: [] }, { sessionCookie: [] }]);
    // Sign-in and the session's state need no credentials; everything else does.
    expect(doc.paths["/admin/api/session"]?.["post"]?.["security"]).toEqual([]);
    expect(doc.paths["/admin/api/session"]?.["get"]?.["security"]).toEqual([]);
    expect(doc.paths["/admin/api/users"]?.["get"]).not.toHaveProperty("security");
  });

  it("describes the preview inside a test-send's answer by reference to the one Preview schema", () => {
    const schemas = (doc["components"] as { schemas: Record<string, Json & { properties?: Json }> }).schemas;
    expect(schemas["TestSendResult"]?.properties?.["preview"]).toEqual({
      $ref: "#/components/schemas/Preview",
    });
    expect(doc.paths["/admin/api/preview"]?.["post"]?.responses["200"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/Preview" } } },
    });
  });
});

describe("toEpochMs", () => {
  it.each([
    ["1795867200000", 1795867200000],
    ["2026-11-28", Date.parse("2026-11-28T00:00:00Z")],
    ["2026-11-28T12:00:00Z", Date.parse("2026-11-28T12:00:00Z")],
    ["2026-11-28T12:00:00", Date.parse("2026-11-28T12:00:00Z")],
    ["2026-11-28T12:00", Date.parse("2026-11-28T12:00:00Z")],
    ["2026-11-28T14:00:00+02:00", Date.parse("2026-11-28T12:00:00Z")],
  ])("%s → %i", (text, ms) => {
    expect(toEpochMs(text)).toBe(ms);
  });
});
