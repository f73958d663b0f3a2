import { useState } from "preact/hooks";
import { api } from "../api.js";
import { ConfirmDialog, errorMessage, Notice } from "../config-widgets.js";
import { pretty } from "./example-result.js";

/**
 * "Send test": the example event through the saved draft, to Sluice's strict Customer.io simulator
 * (default) or — after a confirmation naming the workspace — to the real workspace; then what
 * Customer.io answered.
 */

interface TestResponse {
  method: string;
  url: string;
  status: number | null;
  body: unknown;
  latencyMs: number;
}

export function SendTest(props: {
  destination: string;
  siteId: string;
  event: unknown;
  /** False when the event's values are masked: a test to the workspace would send masks. */
  revealed: boolean;
  /** Saves the editor's changes first when there are any; false when it could not. */
  saveFirst: () => Promise<boolean>;
  dirty: boolean;
}) {
  const [target, setTarget] = useState<"sandbox" | "workspace">("sandbox");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<
    { kind: "ok"; target: string; responses: TestResponse[] } | { kind: "error"; text: string } | null
  >(null);
  const blocked =
    props.event === null || props.event === undefined
      ? "Choose or paste a valid example event first."
      : target === "workspace" && !props.revealed
        ? "The event's values are masked: show its values or paste an event before sending to the real workspace."
        : null;

  const send = async () => {
    setConfirming(false);
    setBusy(true);
    setOutcome(null);
    try {
      if (props.dirty && !(await props.saveFirst())) {
        setOutcome({
          kind: "error",
          text: "Fix the mapping's problems first: a test sends the saved draft.",
        });
        return;
      }
      const answer = await api.post<{ target: string; responses: TestResponse[] }>(
        `/destinations/${encodeURIComponent(props.destination)}/test-send`,
        { event: props.event, target, useDraft: true, ...(target === "workspace" ? { confirm: true } : {}) },
      );
      setOutcome({ kind: "ok", target: answer.target, responses: answer.responses });
    } catch (cause) {
      setOutcome({ kind: "error", text: errorMessage(cause) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="cfg-send-test" aria-labelledby="send-test-title">
      <h3 id="send-test-title">Send a test</h3>
      <fieldset class="cfg-inline-options">
        <legend>Send to</legend>
        <label class="cfg-check">
          <input
            type="radio"
            name="test-target"
            checked={target === "sandbox"}
            onChange={() => setTarget("sandbox")}
          />{" "}
          Sandbox simulator
        </label>
        <label class="cfg-check">
          <input
            type="radio"
            name="test-target"
            checked={target === "workspace"}
            onChange={() => setTarget("workspace")}
          />{" "}
          Real workspace ({props.siteId})
        </label>
      </fieldset>
      <p class="cfg-hint">
        {target === "sandbox"
          ? "Sluice's own strict Customer.io simulator checks the request against Customer.io's API description and answers as Customer.io would. Nothing reaches Customer.io."
          : "The request goes to your Customer.io workspace: it creates or changes real people and events there."}
        {props.dirty && " Your unsaved changes are saved to the draft first."}
      </p>
      <button
        type="button"
        class="primary"
        disabled={busy || blocked !== null}
        aria-describedby="send-test-blocked"
        onClick={() => (target === "workspace" ? setConfirming(true) : void send())}
      >
        {busy ? "Sending…" : "Send test"}
      </button>
      <p class="cfg-hint" id="send-test-blocked">
        {blocked}
      </p>
      <div role="status" aria-live="polite">
        {outcome?.kind === "error" && (
          <Notice kind="error" live={false}>
            {outcome.text}
          </Notice>
        )}
        {outcome?.kind === "ok" && <TestResponses target={outcome.target} responses={outcome.responses} />}
      </div>
      <ConfirmDialog
        open={confirming}
        title="Send to the real workspace"
        confirmLabel={`Send to ${props.siteId}`}
        danger
        onConfirm={() => void send()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          This sends the example event to the Customer.io workspace <strong>{props.siteId}</strong>, with the
          saved draft's mapping. Customer.io will create or update the person and record the event for real.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function TestResponses(props: { target: string; responses: TestResponse[] }) {
  if (props.responses.length === 0) {
    return <p>Nothing was sent: the draft sends no request for this event (see the outcome above).</p>;
  }
  return (
    <div class="cfg-test-responses">
      <p>
        {props.target === "sandbox" ? "The sandbox simulator" : "Customer.io"} answered{" "}
        {props.responses.length === 1 ? "the request" : `${props.responses.length} requests`}:
      </p>
      {props.responses.map((response, index) => {
        const ok = response.status !== null && response.status >= 200 && response.status < 300;
        return (
          <div class="cfg-request" key={index}>
            <p class="cfg-request-line">
              <span class={`cfg-status ${ok ? "cfg-status-ok" : "cfg-status-bad"}`}>
                {response.status === null ? "No answer" : `HTTP ${response.status}`}{" "}
                {ok ? "(accepted)" : "(not accepted)"}
              </span>{" "}
              <code>
                {response.method} {response.url}
              </code>{" "}
              <span class="cfg-hint">{response.latencyMs} ms</span>
            </p>
            <pre class="cfg-code">
              {typeof response.body === "string"
                ? pretty(response.body)
                : JSON.stringify(response.body, null, 2)}
            </pre>
          </div>
        );
      })}
    </div>
  );
}
