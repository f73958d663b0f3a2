import type { CustomerioDestinationConfig } from "../../contracts/config.js";
import type { StoredEvent } from "../../contracts/event.js";
import { withoutCredentials } from "../../contracts/secret.js";
import { CUSTOMERIO_LIMITS } from "./limits.js";
import { type ActionReport, type MapOutcome, mapEventWithReport } from "./map-event.js";
import { buildBatchRequest, buildV1Request, type HttpRequestSpec, serializeItem } from "./request-builder.js";

/**
 * "Example mapping": the exact requests Sluice would send for an event — method, URL, headers with
 * the API key masked, body — with which action matched and why the others did not, where every
 * field came from, and the rule that would stop it. Pure: the CLI (`sluice preview`), the admin API
 * and the UI call this one function, and delivery runs the same `mapEvent`.
 */
export interface Preview {
  destination: string;
  outcome: MapOutcome;
  /** What would go over the wire (empty when the event is stopped). */
  requests: HttpRequestSpec[];
  actions: ActionReport[];
}

/**
 * @example
 * const preview = previewEvent(event, destination);
 * preview.requests[0]?.headers.authorization // "Basic [redacted]"
 */
export function previewEvent(event: StoredEvent, destination: CustomerioDestinationConfig): Preview {
  const preview = buildPreview(event, destination, { revealKey: false });
  return {
    ...preview,
    requests: preview.requests.map((request) => ({ ...request, url: withoutCredentials(request.url) })),
  };
}

/**
 * The requests `previewEvent` shows, with the real credentials in their headers: what a test send
 * puts on the wire. Never log or return these; show `previewEvent`'s instead.
 *
 * @example
 * for (const request of previewRequestsWithKey(event, destination)) await service.send(request);
 */
export function previewRequestsWithKey(
  event: StoredEvent,
  destination: CustomerioDestinationConfig,
): HttpRequestSpec[] {
  return buildPreview(event, destination, { revealKey: true }).requests;
}

function buildPreview(
  event: StoredEvent,
  destination: CustomerioDestinationConfig,
  keys: { revealKey: boolean },
): Preview {
  const report = mapEventWithReport(event, destination, { report: true });
  const base = { destination: destination.name, actions: report.actions };
  if (report.outcome.kind === "stop") return { ...base, outcome: report.outcome, requests: [] };
  const items = [];
  const requests: HttpRequestSpec[] = [];
  for (const part of report.outcome.parts) {
    if (part.kind === "request") {
      requests.push(buildV1Request(destination.settings, part.request.path, part.request.body, keys));
      continue;
    }
    const item = serializeItem(part.action, part.op);
    if (!item) {
      return {
        ...base,
        outcome: {
          kind: "stop",
          stage: "limits",
          reason: `operation is over ${CUSTOMERIO_LIMITS.batchItemBytes} bytes`,
        },
        requests: [],
      };
    }
    items.push(item);
  }
  if (items.length > 0) requests.unshift(buildBatchRequest(destination.settings, items, keys));
  return { ...base, outcome: report.outcome, requests };
}
