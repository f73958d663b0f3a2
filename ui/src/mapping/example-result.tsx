import type { Preview } from "../../../src/destinations/customerio/preview.js";
import type { PhiDecision } from "../../../src/privacy/index.js";

/**
 * What the example event does under the draft: whether this action ran and why, the outcome, the PHI
 * detections, and the exact HTTP request(s) — method, URL, headers (the API key masked), body.
 */
export function ExampleResult(props: { preview: Preview; actionName: string; revealed: boolean }) {
  const { preview, actionName } = props;
  const report = preview.actions.find((action) => action.name === actionName);
  const others = preview.actions.filter((action) => action.name !== actionName && action.matched);
  const privacy: PhiDecision[] = preview.outcome.privacy ?? [];
  return (
    <div class="cfg-example-result">
      <h3>Why</h3>
      {report ? (
        <p class={report.matched ? "cfg-ran" : "cfg-skipped"}>
          <strong>{report.matched ? "This action runs" : "This action does not run"}</strong>
          {report.matched ? " because the trigger matched: " : ": "}
          <code class="cfg-wrap">{report.why}</code>
          {report.result?.kind === "stop" && (
            <>
              {" "}
              — but it stops the event ({report.result.stage}): {report.result.reason}
              {report.result.field ? ` (field ${report.result.field})` : ""}
            </>
          )}
        </p>
      ) : (
        <p>This action was not considered: the event stopped before the actions ran (see the outcome).</p>
      )}
      {report?.why === "an earlier action already ran" && (
        <p class="cfg-hint">
          With "run the first matching action", an action listed earlier handled this event. Move this action
          up in the actions list, or let every matching action run.
        </p>
      )}
      {others.length > 0 && (
        <p class="cfg-hint">Also running for this event: {others.map((action) => action.name).join(", ")}.</p>
      )}

      <h3>Outcome</h3>
      {preview.outcome.kind === "send" ? (
        <p class="cfg-ran">
          <strong>Sent</strong>: {preview.requests.length}{" "}
          {preview.requests.length === 1 ? "request" : "requests"} to Customer.io.
        </p>
      ) : (
        <p class="cfg-skipped">
          <strong>Stopped</strong> at the {preview.outcome.stage} stage: {preview.outcome.reason}
          {preview.outcome.field ? ` (field ${preview.outcome.field})` : ""}. Nothing is sent.
        </p>
      )}

      <h3>PHI and PII detections</h3>
      {!props.revealed && (
        <p class="cfg-hint">
          The values are masked, so detection ran on the masks: show the values to see what it finds.
        </p>
      )}
      {privacy.length === 0 ? (
        <p class="cfg-hint">None found in what would leave.</p>
      ) : (
        <div class="cfg-table-wrap">
          <table>
            <caption class="cfg-visually-hidden">PHI detections in the outgoing request</caption>
            <thead>
              <tr>
                <th scope="col">Detector</th>
                <th scope="col">Field</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {privacy.map((decision) => (
                <tr key={`${decision.detector}:${decision.path}`}>
                  <td>{decision.detector}</td>
                  <td>
                    <code>{decision.path}</code>
                  </td>
                  <td>{decision.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Exact HTTP request</h3>
      {preview.requests.length === 0 && <p class="cfg-hint">No request: nothing would leave Sluice.</p>}
      {preview.requests.map((request, index) => (
        <div class="cfg-request" key={index} data-testid="example-request">
          <p class="cfg-request-line">
            <code>
              <strong>{request.method}</strong> {request.url}
            </code>
          </p>
          <p class="cfg-hint">Headers</p>
          <pre class="cfg-code">
            {Object.entries(request.headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join("\n")}
          </pre>
          {request.body !== undefined && (
            <>
              <p class="cfg-hint">Body</p>
              <pre class="cfg-code">{pretty(request.body)}</pre>
            </>
          )}
        </div>
      ))}
      {!props.revealed && preview.requests.length > 0 && (
        <p class="cfg-hint">The event's values are masked, so the body shows masks where values would be.</p>
      )}
    </div>
  );
}

/** JSON text pretty-printed (as is when it is not JSON). */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
