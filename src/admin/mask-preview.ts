import type { PreviewResponse } from "../contracts/admin.js";
import type { Preview } from "../destinations/customerio/preview.js";
import { maskPayload } from "../privacy/mask-payload.js";

type PreviewBody = Omit<PreviewResponse, "valuesMasked">;

/**
 * A preview as the admin API answers it (`previewEvent` already masks the API key and any credentials
 * in the URL). A viewer (`maskValues`): every value the event put in the
 * request bodies, the outcome's operations and the actions' results is masked with `maskPayload`
 * (keys and structure kept), so a viewer sees what would be sent but never a value.
 *
 * @example
 * maskPreview(previewEvent(event, destination), { maskValues: true }).requests[0]?.body
 * // '{"batch":[{"type":"<text, 6 chars>",...}]}'
 */
export function maskPreview(preview: Preview, options: { maskValues: boolean }): PreviewBody {
  const requests = preview.requests.map((request) =>
    request.body !== undefined && options.maskValues
      ? { ...request, body: maskJsonText(request.body) }
      : request,
  );
  if (!options.maskValues) return { ...preview, requests };
  const { outcome } = preview;
  return {
    ...preview,
    requests,
    outcome:
      outcome.kind === "stop"
        ? outcome
        : {
            ...outcome,
            parts: outcome.parts.map((part) =>
              part.kind === "op"
                ? { ...part, op: maskPayload(part.op) }
                : { ...part, request: { ...part.request, body: maskPayload(part.request.body) } },
            ),
          },
    actions: preview.actions.map((action) => {
      const { result } = action;
      if (result === undefined || result.kind === "stop") return action;
      return {
        ...action,
        result:
          result.kind === "op"
            ? { kind: "op", op: maskPayload(result.op) }
            : { kind: "request", request: { ...result.request, body: maskPayload(result.request.body) } },
      };
    }),
  };
}

function maskJsonText(text: string): string {
  try {
    return JSON.stringify(maskPayload(JSON.parse(text)));
  } catch {
    return `<text, ${[...text].length} chars>`;
  }
}
