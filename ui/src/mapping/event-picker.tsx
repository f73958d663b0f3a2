import { useCallback, useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import { errorMessage } from "../config-widgets.js";

/**
 * The example event: a recent real event Sluice kept as a sample (filtered to the action's event
 * name or type; values masked unless revealed — revealing is audited), or JSON pasted by hand.
 */

export interface SampleMeta {
  id: string | number;
  source: string;
  type: string;
  name: string | null;
  messageId: string;
  receivedAtMs: number;
  test: boolean;
}

export interface ExampleEvent {
  /** The event as JSON, or null while none is chosen / it does not parse. */
  raw: unknown;
  /** Why `raw` is null when the user pasted something. */
  problem: string | null;
  /** False when the values are masked (a sample not revealed). */
  revealed: boolean;
  receivedAtMs: number;
  origin: "sample" | "paste";
}

export function EventPicker(props: {
  filter: { type: string | null; name: string | null };
  mayReveal: boolean;
  initialJson: string;
  onEvent: (event: ExampleEvent) => void;
}) {
  const { filter, onEvent } = props;
  const [mode, setMode] = useState<"sample" | "paste">("sample");
  const [samples, setSamples] = useState<SampleMeta[] | null>(null);
  const [samplesError, setSamplesError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string>("");
  const [revealed, setRevealed] = useState(false);
  const [loadState, setLoadState] = useState<string | null>(null);
  const [json, setJson] = useState(props.initialJson);
  const [sampleEvent, setSampleEvent] = useState<unknown>(null);

  const loadSamples = useCallback(async () => {
    try {
      const answer = await api.get<{ samples: SampleMeta[] }>(
        `/events/samples${query({ type: filter.type, name: filter.name, limit: 50 })}`,
      );
      setSamples(answer.samples);
      setSamplesError(null);
      if (answer.samples.length === 0) setMode((current) => (current === "sample" ? "paste" : current));
      else setSelected((current) => current || String(answer.samples[0]!.id));
    } catch (cause) {
      setSamples([]);
      setSamplesError(errorMessage(cause));
      setMode("paste");
    }
  }, [filter.type, filter.name]);
  useEffect(() => {
    void loadSamples();
  }, [loadSamples]);

  const loadSample = useCallback(
    async (id: string, reveal: boolean) => {
      setLoadState(reveal ? "Revealing the values…" : "Loading the event…");
      try {
        const answer = await api.get<{
          sample: SampleMeta & { event: unknown };
          revealed: boolean;
        }>(`/events/samples/${encodeURIComponent(id)}${query({ reveal: reveal ? "true" : null })}`);
        setRevealed(answer.revealed);
        setSampleEvent(answer.sample.event);
        setLoadState(null);
        onEvent({
          raw: answer.sample.event,
          problem: null,
          revealed: answer.revealed,
          receivedAtMs: answer.sample.receivedAtMs,
          origin: "sample",
        });
      } catch (cause) {
        setLoadState(`Could not load the event: ${errorMessage(cause)}`);
      }
    },
    [onEvent],
  );

  useEffect(() => {
    if (mode === "sample" && selected !== "") void loadSample(selected, false);
  }, [mode, selected, loadSample]);

  useEffect(() => {
    if (mode !== "paste") return;
    if (json.trim() === "") {
      onEvent({
        raw: null,
        problem: "Paste an event to see the example.",
        revealed: true,
        receivedAtMs: Date.now(),
        origin: "paste",
      });
      return;
    }
    try {
      onEvent({
        raw: JSON.parse(json),
        problem: null,
        revealed: true,
        receivedAtMs: Date.now(),
        origin: "paste",
      });
    } catch (error) {
      onEvent({
        raw: null,
        problem: `The pasted text is not valid JSON: ${(error as Error).message}`,
        revealed: true,
        receivedAtMs: Date.now(),
        origin: "paste",
      });
    }
  }, [mode, json, onEvent]);

  const label = (sample: SampleMeta) =>
    `${sample.name ?? sample.type} · ${sample.source} · ${shortTime(sample.receivedAtMs)}${sample.test ? " · test key" : ""}`;

  return (
    <div class="cfg-event-picker">
      <fieldset class="cfg-inline-options">
        <legend>Example event</legend>
        <label class="cfg-check">
          <input
            type="radio"
            name="example-source"
            checked={mode === "sample"}
            onChange={() => setMode("sample")}
          />{" "}
          A real event Sluice received
        </label>
        <label class="cfg-check">
          <input
            type="radio"
            name="example-source"
            checked={mode === "paste"}
            onChange={() => setMode("paste")}
          />{" "}
          Paste JSON
        </label>
      </fieldset>
      {mode === "sample" && (
        <div>
          {samplesError && <p class="cfg-hint">Recent events are not available: {samplesError}</p>}
          {samples?.length === 0 && !samplesError && (
            <p class="cfg-hint">
              No {filter.name ? `"${filter.name}" ` : filter.type ? `${filter.type} ` : ""}events seen yet.
              Send one with a source's test write key (it is kept, never delivered), or paste JSON.
            </p>
          )}
          {samples && samples.length > 0 && (
            <div class="cfg-row">
              <div class="cfg-field cfg-grow">
                <label for="example-sample">Recent event</label>
                <select
                  id="example-sample"
                  value={selected}
                  onChange={(event) => {
                    setRevealed(false);
                    setSelected(event.currentTarget.value);
                  }}
                >
                  {samples.map((sample) => (
                    <option key={sample.id} value={String(sample.id)}>
                      {label(sample)}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" class="small cfg-row-button" onClick={() => void loadSamples()}>
                Refresh list
              </button>
            </div>
          )}
          {selected !== "" && samples && samples.length > 0 && (
            <div class="cfg-reveal" role="status">
              {loadState ??
                (revealed ? (
                  "Showing the event's values (your viewing was recorded in the audit log)."
                ) : (
                  <>
                    Values are masked.{" "}
                    {props.mayReveal ? (
                      <button type="button" class="small" onClick={() => void loadSample(selected, true)}>
                        Show values
                      </button>
                    ) : (
                      "Your role cannot see event values."
                    )}
                    {props.mayReveal && (
                      <span class="cfg-hint"> Showing values is recorded in the audit log.</span>
                    )}
                  </>
                ))}
            </div>
          )}
        </div>
      )}
      {mode === "sample" && sampleEvent !== null && (
        <details class="cfg-sample-event">
          <summary>The event{revealed ? "" : " (values masked)"}</summary>
          <pre class="cfg-code">{JSON.stringify(sampleEvent, null, 2)}</pre>
        </details>
      )}
      {mode === "paste" && (
        <div class="cfg-field">
          <label for="example-json">Event JSON</label>
          <textarea
            id="example-json"
            class="cfg-mono"
            rows={8}
            spellcheck={false}
            value={json}
            onInput={(event) => setJson(event.currentTarget.value)}
          />
        </div>
      )}
    </div>
  );
}

/**
 * A starting example for an action: a Segment call of the type (and event name) its trigger selects,
 * with made-up values.
 */
export function exampleEventJson(filter: { type: string | null; name: string | null }): string {
  const type = filter.type ?? (filter.name ? "track" : "track");
  const base = { type, userId: "user-123", messageId: "example-1", timestamp: "2026-01-15T12:00:00Z" };
  const byType: Record<string, object> = {
    identify: { traits: { email: "ada@example.com", first_name: "Ada", plan: "pro" } },
    track: {
      event: filter.name ?? "Order Completed",
      properties: { order_id: "ord_1042", total: 42.5, currency: "USD" },
    },
    page: {
      name: "Pricing",
      properties: { url: "https://example.com/pricing?utm_source=news", path: "/pricing" },
    },
    screen: { name: "Home" },
    group: { groupId: "company-7", traits: { name: "Example Inc" } },
    alias: { previousId: "anon-42" },
  };
  return JSON.stringify({ ...base, ...(byType[type] ?? {}) }, null, 2);
}

/** `Nov 28, 23:59:23` (this year) or with the year: enough to tell recent events apart. */
function shortTime(ms: number): string {
  const date = new Date(ms);
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString(undefined, {
    ...(sameYear ? {} : { year: "numeric" }),
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}
