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
    ]);
  });

  it("has component schemas that compile as strict JSON Schema 2020-12", () => {
    expect(componentSchemaErrors(doc)).toEqual([]);
    expect(Object.keys((doc["components"] as { schemas: Json }).schemas).sort()).toEqual([
      "AttemptRecord",
      "DeadLetter",
      "DeadLetterPage",
      "DeliveryLogEntry",
      "DeliveryPage",
      "Error",
      "EventTrace",
      "FieldTrace",
      "Health",
      "OpenApiDocument",
      "Preview",
      "PreviewRequest",
      "ReplayRequest",
      "ReplayResult",
      "SegmentEvent",
      "TraceResponse",
    ]);
  });

  it("describes parameters as they travel (text) and every answer by reference", () => {
    const list = doc.paths["/admin/api/deliveries"]?.["get"];
    expect(list?.parameters?.map((p) => [p["name"], p["in"], p["required"]])).toEqual([
      ["destination", "query", false],
      ["state", "query", false],
      ["messageId", "query", false],
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
    expect(doc["security"]).toEqual([{ bearerToken: [] }]);
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
