import type { JSX } from "preact";
import { useState } from "preact/hooks";
import {
  BUILTIN_DETECTOR_IDS,
  DEFAULT_GPC_OPTS_OUT,
  type BuiltinDetectorId as DetectorId,
  PHI_ACTIONS,
} from "../../src/contracts/privacy.js";
import { ApiError, api } from "./api.js";
import { type ConfigIssue, type DestinationDoc, MASKED, notifyConfigChanged } from "./config-state.js";
import { ConfirmDialog, errorMessage, FieldIssues, Notice, setFlash } from "./config-widgets.js";
import { navigate } from "./router.js";

/**
 * The Customer.io setup form: name, Site ID, API key (write-only), region, and under "Advanced" the
 * track URL, hashing salt, delivery limits, allow lists and privacy settings. "Check credentials"
 * asks Customer.io about the unsaved form; "Save to draft" writes it.
 */

interface Form {
  name: string;
  siteId: string;
  apiKey: string;
  region: "us" | "eu";
  trackUrl: string;
  hashSalt: string;
  removeHashSalt: boolean;
  requestsPerSecond: string;
  retryForHours: string;
  maxEventsPerRequest: string;
  allowEvents: string;
  allowTraits: string;
  allowProperties: string;
  consentRequire: string;
  gpcOptsOut: string;
  phiAction: string;
  detectors: Record<string, string>;
  terms: string;
  exceptions: { field: string; detector: string }[];
}

type FieldKey = keyof Form;

/** Where each form field lives in a destination document (to show server issues beside it). */
const FIELD_PATHS: [FieldKey, string][] = [
  ["siteId", "settings.siteId"],
  ["apiKey", "settings.apiKey"],
  ["region", "settings.region"],
  ["trackUrl", "settings.trackUrl"],
  ["hashSalt", "settings.hashSalt"],
  ["requestsPerSecond", "delivery.requestsPerSecond"],
  ["retryForHours", "delivery.retryForHours"],
  ["maxEventsPerRequest", "delivery.maxEventsPerRequest"],
  ["allowEvents", "allow.events"],
  ["allowTraits", "allow.traits"],
  ["allowProperties", "allow.properties"],
  ["consentRequire", "privacy.consent.require"],
  ["gpcOptsOut", "privacy.consent.gpcOptsOut"],
  ["phiAction", "privacy.phi.action"],
  ["detectors", "privacy.phi.detectors"],
  ["terms", "privacy.phi.terms"],
  ["exceptions", "privacy.phi.allow"],
  ["name", "name"],
];

const list = (values: readonly string[] | undefined) => (values ?? []).join(", ");
const split = (text: string) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

function formFrom(original: DestinationDoc | null): Form {
  const phi = original?.privacy?.phi;
  return {
    name: original?.name ?? "",
    siteId: original?.settings.siteId ?? "",
    apiKey: "",
    region: original?.settings.region ?? "us",
    trackUrl: original?.settings.trackUrl ?? "",
    hashSalt: "",
    removeHashSalt: false,
    requestsPerSecond: String(original?.delivery?.requestsPerSecond ?? ""),
    retryForHours: String(original?.delivery?.retryForHours ?? ""),
    maxEventsPerRequest: String(original?.delivery?.maxEventsPerRequest ?? ""),
    allowEvents: list(original?.allow?.events),
    allowTraits: list(original?.allow?.traits),
    allowProperties: list(original?.allow?.properties),
    consentRequire: list(original?.privacy?.consent?.require),
    gpcOptsOut: list(original?.privacy?.consent?.gpcOptsOut ?? DEFAULT_GPC_OPTS_OUT),
    phiAction: phi?.action ?? "block",
    detectors: { ...(phi?.detectors ?? {}) },
    terms: list(phi?.terms),
    exceptions: [...(phi?.allow ?? [])],
  };
}

/** The form as a destination document; local problems (numbers, required secrets) by field. */
function documentFrom(
  form: Form,
  original: DestinationDoc | null,
): { doc: DestinationDoc; problems: Partial<Record<FieldKey, string>> } {
  const problems: Partial<Record<FieldKey, string>> = {};
  const number = (key: FieldKey, text: string): number | undefined => {
    if (text.trim() === "") return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) problems[key] = "must be a number";
    return value;
  };
  if (form.apiKey === "" && !original) problems.apiKey = "the Track API key is required";
  const settings: DestinationDoc["settings"] = {
    siteId: form.siteId.trim(),
    apiKey: form.apiKey === "" ? MASKED : form.apiKey,
    region: form.region,
  };
  if (form.trackUrl.trim() !== "") settings.trackUrl = form.trackUrl.trim();
  if (form.hashSalt !== "") settings.hashSalt = form.hashSalt;
  else if (original?.settings.hashSalt !== undefined && !form.removeHashSalt) settings.hashSalt = MASKED;

  const delivery: NonNullable<DestinationDoc["delivery"]> = {};
  const rps = number("requestsPerSecond", form.requestsPerSecond);
  const retry = number("retryForHours", form.retryForHours);
  const batch = number("maxEventsPerRequest", form.maxEventsPerRequest);
  if (rps !== undefined) delivery.requestsPerSecond = rps;
  if (retry !== undefined) delivery.retryForHours = retry;
  if (batch !== undefined) delivery.maxEventsPerRequest = batch;

  const consent: NonNullable<NonNullable<DestinationDoc["privacy"]>["consent"]> = {};
  if (split(form.consentRequire).length > 0) consent.require = split(form.consentRequire);
  const gpc = split(form.gpcOptsOut);
  if (gpc.join(",") !== DEFAULT_GPC_OPTS_OUT.join(",")) consent.gpcOptsOut = gpc;
  const phi: NonNullable<NonNullable<DestinationDoc["privacy"]>["phi"]> = {};
  if (form.phiAction !== "block") phi.action = form.phiAction as "block";
  const detectors = Object.fromEntries(Object.entries(form.detectors).filter(([, action]) => action !== ""));
  if (Object.keys(detectors).length > 0) phi.detectors = detectors as Record<string, "block">;
  if (split(form.terms).length > 0) phi.terms = split(form.terms);
  const exceptions = form.exceptions.filter((item) => item.field.trim() !== "");
  if (exceptions.length > 0)
    phi.allow = exceptions.map((item) => ({
      field: item.field.trim(),
      detector: item.detector as DetectorId,
    }));

  const { delivery: _d, allow: _a, privacy: _p, ...kept } = original ?? {};
  const doc: DestinationDoc = { ...kept, name: form.name.trim(), type: "customerio", settings };
  if (Object.keys(delivery).length > 0) doc.delivery = delivery;
  const allow = {
    events: split(form.allowEvents),
    traits: split(form.allowTraits),
    properties: split(form.allowProperties),
  };
  if (allow.events.length + allow.traits.length + allow.properties.length > 0) doc.allow = allow;
  if (Object.keys(consent).length + Object.keys(phi).length > 0) {
    doc.privacy = {};
    if (Object.keys(consent).length > 0) doc.privacy.consent = consent;
    if (Object.keys(phi).length > 0) doc.privacy.phi = phi;
  }
  return { doc, problems };
}

/** The field a server path (`destinations[0].settings.siteId`, `body.destination.settings.siteId`) names. */
function fieldOf(path: string): FieldKey | null {
  for (const [key, suffix] of FIELD_PATHS) {
    if (
      path === suffix ||
      path.endsWith(`.${suffix}`) ||
      path.includes(`.${suffix}[`) ||
      path.includes(`.${suffix}.`)
    )
      return key;
  }
  return null;
}

interface CheckAnswer {
  result: string;
  message: string;
  region?: string;
}

export function DestinationForm(props: {
  original: DestinationDoc | null;
  editor: boolean;
  onCreated?: () => void;
  onCancel?: () => void;
}) {
  const { original, editor } = props;
  const [form, setForm] = useState<Form>(() => formFrom(original));
  const [serverIssues, setServerIssues] = useState<ConfigIssue[]>([]);
  const [check, setCheck] = useState<{ kind: "ok" | "error" | "warn"; text: string } | null>(null);
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [deleting, setDeleting] = useState(false);
  const set = <K extends FieldKey>(key: K, value: Form[K]) =>
    setForm((current) => ({ ...current, [key]: value }));
  const { doc, problems } = documentFrom(form, original);
  const idPrefix = original ? `dest-${original.name}` : "dest-new";

  const issuesOf = (key: FieldKey): string[] => [
    ...(problems[key] ? [problems[key]!] : []),
    ...serverIssues.filter((issue) => fieldOf(issue.path) === key).map((issue) => issue.message),
  ];
  const otherIssues = serverIssues.filter((issue) => fieldOf(issue.path) === null);

  const checkCredentials = async () => {
    setChecking(true);
    setCheck(null);
    try {
      const name = original?.name ?? (form.name.trim() || "new");
      const answer = await api.post<CheckAnswer>(
        `/destinations/${encodeURIComponent(name)}/check-credentials`,
        { settings: { ...doc.settings, hashSalt: undefined } },
      );
      // The server's message is already in plain words ("Customer.io refused the Site ID and API key ...").
      const detail = answer.message.replace(/^./, (first) => first.toUpperCase()).replace(/([^.])$/, "$1.");
      setCheck({
        kind: answer.result === "ok" ? "ok" : answer.result === "region-mismatch" ? "warn" : "error",
        text: detail,
      });
    } catch (cause) {
      setCheck({ kind: "error", text: `Could not check the credentials: ${errorMessage(cause)}` });
    } finally {
      setChecking(false);
    }
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setResult(null);
    if (Object.keys(problems).length > 0) {
      setResult({ kind: "error", text: "Fix the fields marked above first." });
      return;
    }
    try {
      const answer = original
        ? await api.put<{ issues?: ConfigIssue[] }>(`/destinations/${encodeURIComponent(original.name)}`, {
            destination: doc,
          })
        : await api.post<{ issues?: ConfigIssue[] }>("/destinations", { destination: doc });
      const issues = answer?.issues ?? [];
      setServerIssues(issues);
      setForm((current) => ({ ...current, apiKey: "", hashSalt: "", removeHashSalt: false }));
      setResult(
        issues.length === 0
          ? { kind: "ok", text: `Saved ${doc.name} to the draft. Publish to make it live.` }
          : {
              kind: "error",
              text: "Saved to the draft, with problems to fix before publishing (shown by their fields).",
            },
      );
      notifyConfigChanged();
      if (!original) {
        setFlash(`Saved ${doc.name} to the draft. Next: its actions and mappings; then publish.`);
        props.onCreated?.();
        navigate(`/destinations/${encodeURIComponent(doc.name)}`);
      }
    } catch (cause) {
      if (cause instanceof ApiError && cause.path) {
        setServerIssues([{ path: cause.path, message: cause.message }]);
      }
      setResult({ kind: "error", text: errorMessage(cause) });
    }
  };

  const remove = async () => {
    if (!original) return;
    try {
      await api.delete(`/destinations/${encodeURIComponent(original.name)}`);
      notifyConfigChanged();
      navigate("/destinations");
    } catch (cause) {
      setResult({ kind: "error", text: errorMessage(cause) });
    }
    setDeleting(false);
  };

  const field = (key: FieldKey, label: string, input: JSX.Element, help?: string) => {
    const issues = issuesOf(key);
    const id = `${idPrefix}-${key}`;
    return (
      <div class="cfg-field">
        <label for={id}>{label}</label>
        {input}
        {help && (
          <p class="cfg-hint" id={`${id}-help`}>
            {help}
          </p>
        )}
        <FieldIssues id={`${id}-issues`} issues={issues} />
      </div>
    );
  };
  const inputProps = (key: FieldKey) => {
    const id = `${idPrefix}-${key}`;
    const invalid = issuesOf(key).length > 0;
    return {
      id,
      disabled: !editor,
      "aria-invalid": invalid,
      "aria-describedby": `${id}-help ${id}-issues`,
    };
  };
  const text = (key: FieldKey, extra: Record<string, unknown> = {}) => (
    <input
      {...inputProps(key)}
      {...extra}
      value={form[key] as string}
      onInput={(event) => set(key, event.currentTarget.value as never)}
    />
  );

  return (
    <form
      class="cfg-form"
      onSubmit={(event) => void save(event)}
      aria-label={`Customer.io settings${original ? ` of ${original.name}` : ""}`}
    >
      {!original &&
        field(
          "name",
          "Name",
          text("name", { autoComplete: "off", required: true }),
          "Shown in the delivery log; letters, digits, '_', '-' or '.'. It cannot be changed later.",
        )}
      {field("siteId", "Site ID", text("siteId", { autoComplete: "off", required: true, spellcheck: false }))}
      {field(
        "apiKey",
        "API key",
        text("apiKey", {
          type: "password",
          autoComplete: "new-password",
          spellcheck: false,
          placeholder: original ? "stored — leave as is to keep it" : "Track API key",
        }),
        original
          ? "Write-only: the stored key is never shown. Type a new key to replace it."
          : "The Track API key of the workspace. Write-only: never shown again (encrypted at rest when SLUICE_ENCRYPTION_KEY is set).",
      )}
      {field(
        "region",
        "Region",
        <select
          {...inputProps("region")}
          value={form.region}
          onChange={(event) => set("region", event.currentTarget.value as "us" | "eu")}
        >
          <option value="us">US (track.customer.io)</option>
          <option value="eu">EU (track-eu.customer.io)</option>
        </select>,
        form.trackUrl.trim() !== ""
          ? "The track URL under Advanced is set: it wins over the region."
          : undefined,
      )}

      <details class="cfg-advanced">
        <summary>Advanced: track URL, salt, delivery limits, allow lists, privacy</summary>
        {field(
          "trackUrl",
          "Track URL",
          text("trackUrl", { type: "url", placeholder: "https://track.customer.io", spellcheck: false }),
          "Optional: a proxy or the sandbox simulator. Wins over the region.",
        )}
        {field(
          "hashSalt",
          "Hashing salt",
          text("hashSalt", {
            type: "password",
            autoComplete: "new-password",
            placeholder:
              original?.settings.hashSalt !== undefined ? "stored — leave as is to keep it" : "none",
          }),
          "Salt of the sha256, hash_email and hash_phone transforms. Write-only.",
        )}
        {original?.settings.hashSalt !== undefined && editor && (
          <label class="cfg-check">
            <input
              type="checkbox"
              checked={form.removeHashSalt}
              onChange={(event) => set("removeHashSalt", event.currentTarget.checked)}
            />{" "}
            Remove the stored salt
          </label>
        )}
        <fieldset>
          <legend>Delivery limits</legend>
          <div class="cfg-row cfg-row-top">
            {field(
              "requestsPerSecond",
              "Requests per second",
              text("requestsPerSecond", { inputMode: "decimal", placeholder: "100" }),
              "This workspace's Track API rate (default 100); halved on 429, back within seconds.",
            )}
            {field(
              "retryForHours",
              "Retry for hours",
              text("retryForHours", { inputMode: "decimal", placeholder: "48" }),
              "Then the event becomes a dead letter with its last reason (default 48).",
            )}
            {field(
              "maxEventsPerRequest",
              "Events per request",
              text("maxEventsPerRequest", { inputMode: "numeric", placeholder: "2000" }),
              "Most events in one batch request (default 2000; the 500,000-byte limit always applies).",
            )}
          </div>
        </fieldset>
        <fieldset>
          <legend>Allow lists (used by the preset actions)</legend>
          <p class="cfg-hint">
            Deny by default: without actions, only these event names, traits and properties leave Sluice.
            Comma-separated; <code>*</code> in events allows every name.
          </p>
          {field(
            "allowEvents",
            "Allowed events",
            text("allowEvents", { placeholder: "Signed Up, Order Completed" }),
          )}
          {field(
            "allowTraits",
            "Allowed traits",
            text("allowTraits", { placeholder: "email, first_name, plan" }),
          )}
          {field(
            "allowProperties",
            "Allowed properties",
            text("allowProperties", { placeholder: "plan, total, currency" }),
          )}
        </fieldset>
        <fieldset>
          <legend>Consent</legend>
          {field(
            "consentRequire",
            "Consent categories required",
            text("consentRequire", { placeholder: "marketing" }),
            "Events without consent for every listed category are stopped for this destination. Comma-separated.",
          )}
          {field(
            "gpcOptsOut",
            "Global Privacy Control opts out of",
            text("gpcOptsOut"),
            "Default: advertising, marketing. Empty ignores GPC, which weakens the default.",
          )}
        </fieldset>
        <fieldset>
          <legend>PHI and PII found in what would leave</legend>
          {field(
            "phiAction",
            "Default PHI action",
            <select
              {...inputProps("phiAction")}
              value={form.phiAction}
              onChange={(event) => set("phiAction", event.currentTarget.value)}
            >
              {PHI_ACTIONS.map((action) => (
                <option key={action} value={action}>
                  {PHI_LABELS[action]}
                </option>
              ))}
            </select>,
          )}
          <fieldset class="cfg-detectors cfg-plain">
            <legend class="cfg-subtitle">Per detector</legend>
            {BUILTIN_DETECTOR_IDS.map((detector) => (
              <div class="cfg-field cfg-inline" key={detector}>
                <label for={`${idPrefix}-detector-${detector}`}>
                  {DETECTOR_LABELS[detector] ?? detector}
                </label>
                <select
                  id={`${idPrefix}-detector-${detector}`}
                  disabled={!editor}
                  value={form.detectors[detector] ?? ""}
                  onChange={(event) =>
                    set("detectors", { ...form.detectors, [detector]: event.currentTarget.value })
                  }
                >
                  <option value="">Default action</option>
                  {PHI_ACTIONS.map((action) => (
                    <option key={action} value={action}>
                      {action}
                    </option>
                  ))}
                </select>
              </div>
            ))}
            <FieldIssues id={`${idPrefix}-detectors-issues`} issues={issuesOf("detectors")} />
          </fieldset>
          {field(
            "terms",
            "Extra health terms",
            text("terms", { placeholder: "ozempic, ivf" }),
            "Conditions, medications or procedures to detect, besides the built-in list. Comma-separated.",
          )}
          <Exceptions
            form={form}
            editor={editor}
            idPrefix={idPrefix}
            onChange={(value) => set("exceptions", value)}
          />
          <FieldIssues id={`${idPrefix}-exceptions-issues`} issues={issuesOf("exceptions")} />
        </fieldset>
      </details>

      <FieldIssues
        id={`${idPrefix}-other-issues`}
        issues={otherIssues.map((issue) => `${issue.path}: ${issue.message}`)}
      />
      <div class="cfg-buttons">
        {editor && (
          <button type="button" onClick={() => void checkCredentials()} disabled={checking}>
            {checking ? "Checking…" : "Check credentials"}
          </button>
        )}
        {editor && (
          <button type="submit" class="primary">
            Save to draft
          </button>
        )}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        {original && editor && (
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete destination
          </button>
        )}
      </div>
      <div role="status" class="cfg-check-result" data-testid="credentials-result">
        {checking && "Asking Customer.io…"}
        {check && (
          <Notice kind={check.kind} live={false}>
            {check.text}
          </Notice>
        )}
      </div>
      <div aria-live="polite">{result && <Notice kind={result.kind}>{result.text}</Notice>}</div>
      <ConfirmDialog
        open={deleting}
        title={`Delete the destination ${original?.name ?? ""}`}
        confirmLabel="Delete destination"
        danger
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(false)}
      >
        <p>
          Once you publish, Sluice stops delivering to it. Events already queued for it stay queued (the
          dashboard shows them) until they expire.
        </p>
      </ConfirmDialog>
    </form>
  );
}

const PHI_LABELS: Record<string, string> = {
  block: "Block: drop the field (default)",
  redact: "Redact: send [redacted]",
  stop: "Stop: do not send the event",
  allow: "Allow: send as is",
};

const DETECTOR_LABELS: Record<string, string> = {
  ssn: "Social Security numbers",
  mrn: "Medical record numbers",
  phone: "Phone numbers",
  email: "Email addresses",
  dob: "Dates of birth",
  icd10: "ICD-10 codes",
  card: "Payment card numbers",
  health_term: "Health terms",
};

function Exceptions(props: {
  form: Form;
  editor: boolean;
  idPrefix: string;
  onChange: (value: Form["exceptions"]) => void;
}) {
  const items = props.form.exceptions;
  const update = (index: number, patch: Partial<Form["exceptions"][number]>) =>
    props.onChange(items.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  return (
    <fieldset class="cfg-exceptions cfg-plain">
      <legend class="cfg-subtitle">
        Allowed exceptions (audited): this detector is allowed in this exact outgoing field
      </legend>
      {items.length === 0 && <p class="cfg-hint">None.</p>}
      {items.map((item, index) => (
        <div class="cfg-row" key={index}>
          <div class="cfg-field">
            <label for={`${props.idPrefix}-exception-${index}-field`}>
              Exception {index + 1}: outgoing field
            </label>
            <input
              id={`${props.idPrefix}-exception-${index}-field`}
              value={item.field}
              disabled={!props.editor}
              placeholder="attributes.callback"
              onInput={(event) => update(index, { field: event.currentTarget.value })}
            />
          </div>
          <div class="cfg-field">
            <label for={`${props.idPrefix}-exception-${index}-detector`}>
              Exception {index + 1}: detector
            </label>
            <select
              id={`${props.idPrefix}-exception-${index}-detector`}
              value={item.detector}
              disabled={!props.editor}
              onChange={(event) => update(index, { detector: event.currentTarget.value })}
            >
              {BUILTIN_DETECTOR_IDS.map((detector) => (
                <option key={detector} value={detector}>
                  {detector}
                </option>
              ))}
            </select>
          </div>
          {props.editor && (
            <button
              type="button"
              class="small"
              onClick={() => props.onChange(items.filter((_, i) => i !== index))}
            >
              Remove exception {index + 1}
            </button>
          )}
        </div>
      ))}
      {props.editor && (
        <button
          type="button"
          class="small"
          onClick={() => props.onChange([...items, { field: "", detector: BUILTIN_DETECTOR_IDS[0] }])}
        >
          Add exception
        </button>
      )}
    </fieldset>
  );
}
