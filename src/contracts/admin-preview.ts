import { z } from "zod";
import { adminResponseSchemas, DELIVERY_STAGES } from "./admin-common.js";

/**
 * The answer of `POST /admin/api/preview` (and the `preview` inside a test-send's answer), apart from
 * admin.ts so that area tables (admin-config-routes.ts) can use it without an import cycle.
 * admin.ts re-exports it.
 */

const DeliveryStageSchema = z.enum(DELIVERY_STAGES);

interface FieldTraceShape {
  kind: string;
  paths: string[];
  chosen?: number | undefined;
  transforms: { name: string; note?: string | undefined }[];
  missing?: string | undefined;
  fields?: Record<string, FieldTraceShape> | undefined;
}

const FieldTraceSchema: z.ZodType<FieldTraceShape> = z
  .strictObject({
    kind: z.string(),
    paths: z.array(z.string()),
    chosen: z.number().int().optional(),
    transforms: z.array(z.strictObject({ name: z.string(), note: z.string().optional() })),
    missing: z.string().optional(),
    get fields() {
      return z.record(z.string(), FieldTraceSchema).optional();
    },
  })
  .register(adminResponseSchemas, {
    id: "FieldTrace",
    description: "Where a field's value came from: paths read, transforms run, why it is missing. No values.",
  });

const V1RequestSchema = z.strictObject({
  method: z.literal("POST"),
  path: z.enum(["/api/v1/events", "/api/v1/metrics"]),
  body: z.unknown(),
});

/** What the PHI scan decided for one detection: detector, path and action, never the value. */
const PhiDecisionSchema = z.strictObject({
  detector: z.string(),
  path: z.string(),
  action: z.enum(["blocked", "redacted", "stopped", "allowed"]),
});

const StopSchema = z.strictObject({
  kind: z.literal("stop"),
  stage: DeliveryStageSchema,
  reason: z.string(),
  field: z.string().optional(),
});

export const PreviewResponseSchema = z
  .strictObject({
    destination: z.string(),
    outcome: z.discriminatedUnion("kind", [
      z.strictObject({
        kind: z.literal("send"),
        parts: z.array(
          z.discriminatedUnion("kind", [
            z.strictObject({ kind: z.literal("op"), action: z.string(), op: z.unknown() }),
            z.strictObject({ kind: z.literal("request"), action: z.string(), request: V1RequestSchema }),
          ]),
        ),
        privacy: z.array(PhiDecisionSchema),
      }),
      StopSchema.extend({ privacy: z.array(PhiDecisionSchema).optional() }),
    ]),
    requests: z.array(
      z.strictObject({
        method: z.enum(["POST", "GET", "PUT", "DELETE"]),
        url: z.string(),
        headers: z.record(z.string(), z.string()),
        body: z.string().optional(),
      }),
    ),
    actions: z.array(
      z.strictObject({
        name: z.string(),
        type: z.string(),
        enabled: z.boolean(),
        matched: z.boolean(),
        why: z.string(),
        fields: z.array(
          z.strictObject({
            name: z.string(),
            source: z.enum(["config", "default"]),
            present: z.boolean(),
            trace: FieldTraceSchema,
          }),
        ),
        result: z
          .discriminatedUnion("kind", [
            z.strictObject({ kind: z.literal("op"), op: z.unknown() }),
            z.strictObject({ kind: z.literal("request"), request: V1RequestSchema }),
            StopSchema.extend({ stage: z.enum(["mapping", "limits"]) }),
          ])
          .optional(),
      }),
    ),
    valuesMasked: z.boolean().meta({
      description:
        "True for a viewer: every value in `outcome`, `actions[].result` and request bodies is masked.",
    }),
  })
  .register(adminResponseSchemas, {
    id: "Preview",
    description:
      "The exact request(s) Sluice would send for the event (API key masked), which actions ran and why, and where each field came from; nothing is sent.",
  });

export type PreviewResponse = z.output<typeof PreviewResponseSchema>;
