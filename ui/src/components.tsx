import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError, type Role, type Session } from "./api.js";
import type { Health } from "./ops-types.js";

/**
 * Small shared widgets of the console: fields with labels and errors, error banners, times, tables
 * that scroll on phones, status badges with words (never colour alone), a confirmation dialog built
 * on <dialog>, and hooks for loading and polling. Screens of both UI areas may import these.
 */

// ---------------------------------------------------------------------------------------------
// Roles

/** Admins and editors change configuration, replay and send tests; viewers only read. */
export function canEdit(session: Session): boolean {
  const role = sessionRole(session);
  return role === "admin" || role === "editor";
}

/** Admin only: users, audit log, revealing stored payloads. */
export function isAdmin(session: Session): boolean {
  return sessionRole(session) === "admin";
}

/** The signed-in user's role; loopback without a token (before any account exists) acts as admin. */
export function sessionRole(session: Session): Role | null {
  return session.user?.role ?? (session.via === "loopback" ? "admin" : null);
}

/** The plain-words reason shown where an edit control is hidden from a viewer. */
export const VIEWER_NOTE =
  "Your role (viewer) can look but not change anything; values are never shown to it.";

// ---------------------------------------------------------------------------------------------
// Layout

/** A screen's title, a line saying what it is for, and its main actions on the right. */
export function PageHeader(props: {
  title: string;
  description?: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.description !== undefined && <p class="lead">{props.description}</p>}
      </div>
      {props.actions !== undefined && <div class="page-actions">{props.actions}</div>}
    </header>
  );
}

/** A titled block of a screen (a `<section>` named by its heading). */
export function Panel(props: {
  title: string;
  level?: 2 | 3;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  const id = useId();
  const Heading = props.level === 3 ? "h3" : "h2";
  return (
    <section class={`panel ${props.class ?? ""}`} aria-labelledby={id}>
      <div class="panel-head">
        <Heading id={id}>{props.title}</Heading>
        {props.actions !== undefined && <div class="panel-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Fields

/** What a `Field` hands to its input so that the label, hint and error are tied to it. */
export interface FieldInputProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

/**
 * A labelled form field: the label, the input (rendered by `children` with the ids to use), an
 * optional hint and the API's error for this field.
 *
 * @example
 * <Field label="Site ID" error={fieldError(error, "settings.siteId")}>
 *   {(input) => <input {...input} value={siteId} onInput={...} />}
 * </Field>
 */
export function Field(props: {
  label: ComponentChildren;
  hint?: ComponentChildren;
  error?: string | null;
  class?: string;
  children: (input: FieldInputProps) => ComponentChildren;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint !== undefined ? hintId : null, props.error ? errorId : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div class={`field ${props.error ? "has-error" : ""} ${props.class ?? ""}`}>
      <label for={id}>{props.label}</label>
      {props.children({
        id,
        ...(describedBy === "" ? {} : { "aria-describedby": describedBy }),
        ...(props.error ? { "aria-invalid": true as const } : {}),
      })}
      {props.hint !== undefined && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={errorId}>
          <span class="sr-only">Error: </span>
          {props.error}
        </p>
      )}
    </div>
  );
}

/**
 * The API error's message when its `path` names this field (`body.password`, `query.from`,
 * `destinations[0].settings.siteId` all match `password`, `from`, `settings.siteId`), else null.
 */
export function fieldError(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError) || error.path === null) return null;
  const path = error.path.replace(/^(body|query|params)\./, "");
  return path === field || path.endsWith(`.${field}`) ? error.message : null;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** An error from the API (or anything thrown), announced to screen readers; nothing when null. */
export function ErrorBanner(props: { error: unknown; onDismiss?: () => void }) {
  if (props.error === null || props.error === undefined) return null;
  const error = props.error;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="banner banner-error" role="alert">
      <p>
        <strong>Error: </strong>
        {message}
        {error instanceof ApiError && error.path !== null && (
          <>
            {" "}
            (field <code>{error.path}</code>)
          </>
        )}
        {error instanceof ApiError && error.code !== "" && <span class="code"> {error.code}</span>}
      </p>
      {props.onDismiss && (
        <button type="button" class="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/** A polite live region for results ("3 dead letters put back in the queue"). Always rendered. */
export function StatusMessage(props: { message: ComponentChildren | null; kind?: "ok" | "info" | "warn" }) {
  return (
    <div
      role="status"
      aria-live="polite"
      class={props.message ? `banner banner-${props.kind ?? "ok"}` : "sr-only"}
    >
      {props.message}
    </div>
  );
}

/** A loading line with aria-busy, for a first load. */
export function Loading(props: { what?: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading{props.what ? ` ${props.what}` : ""}…
    </p>
  );
}

// ---------------------------------------------------------------------------------------------
// Values

const TIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const NUMBER = new Intl.NumberFormat();

const TIME_OF_DAY = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const DAY_AND_TIME = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/**
 * An instant (epoch ms) in the browser's time zone, with the exact UTC time in `datetime` and a
 * tooltip. `compact` (for tables) shows only the time of day for today, else the day and minute.
 */
export function Time(props: { ms: number | null | undefined; relative?: boolean; compact?: boolean }) {
  if (props.ms === null || props.ms === undefined) return <span class="muted">—</span>;
  const date = new Date(props.ms);
  const iso = date.toISOString();
  let text: string;
  if (props.relative) text = `${formatDuration(Date.now() - props.ms)} ago`;
  else if (props.compact) {
    text =
      date.toDateString() === new Date().toDateString()
        ? TIME_OF_DAY.format(date)
        : DAY_AND_TIME.format(date);
  } else text = TIME.format(date);
  return (
    <time dateTime={iso} title={`${TIME.format(date)} (${iso})`}>
      {text}
    </time>
  );
}

/** 1234 → "1,234" (the browser's locale). */
export function formatNumber(value: number): string {
  return NUMBER.format(value);
}

/** A duration in words a person reads at a glance: "850 ms", "42 s", "3 min", "5 h 10 min", "2 d 3 h". */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  const s = Math.floor(value / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** A share as a percentage with one decimal ("99.5%"); "—" for null. */
export function formatPercent(share: number | null): string {
  return share === null ? "—" : `${(Math.round(share * 1000) / 10).toString()}%`;
}

/** Says whether the values shown are masked or real; always with words, not only a colour. */
export function MaskedBadge(props: { revealed: boolean }) {
  return props.revealed ? (
    <span class="badge badge-warn" title="Real values: this view was recorded in the audit log">
      Values revealed
    </span>
  ) : (
    <span class="badge badge-muted" title="Values are replaced by their type and size">
      Values masked
    </span>
  );
}

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

const STATE_TONES: Record<string, Tone> = {
  delivered: "ok",
  healthy: "ok",
  passed: "ok",
  ok: "ok",
  success: "ok",
  queued: "info",
  pending: "info",
  retrying: "warn",
  degraded: "warn",
  stopped: "muted",
  "not reached": "muted",
  no_data: "muted",
  failed: "bad",
  unhealthy: "bad",
  denied: "bad",
  failure: "bad",
  error: "bad",
};

/** A state as a word with a tone (colour and symbol add to the word, never replace it). */
export function StatusBadge(props: { state: string; tone?: Tone; label?: string }) {
  const tone = props.tone ?? STATE_TONES[props.state] ?? "muted";
  return (
    <span class={`badge badge-${tone}`}>
      <span class="badge-dot" aria-hidden="true" />
      {props.label ?? props.state.replaceAll("_", " ")}
    </span>
  );
}

/** JSON, pretty-printed in a scrollable block. */
export function JsonBlock(props: { value: unknown; label?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard
    <section class="code-scroll" aria-label={props.label ?? "JSON"} tabIndex={0}>
      <pre class="code-block">{JSON.stringify(props.value, null, 2)}</pre>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Tables

export interface Column<T> {
  /** The column's header text. */
  header: ComponentChildren;
  /** The cell. */
  cell: (row: T) => ComponentChildren;
  /** `num` right-aligns numbers; `nowrap` keeps a cell on one line. */
  class?: string;
}

/**
 * A table in a region that scrolls sideways on a phone (and is focusable so a keyboard can scroll it),
 * with a caption (visually hidden when `hideCaption`), `<th scope="col">` headers, and a row per item.
 */
export function Table<T>(props: {
  caption: string;
  hideCaption?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  empty?: ComponentChildren;
  rowClass?: (row: T) => string;
  /** The first column's cell is a row header (`<th scope="row">`). Default true. */
  rowHeaders?: boolean;
}) {
  if (props.rows.length === 0 && props.empty !== undefined) return <p class="empty">{props.empty}</p>;
  const rowHeaders = props.rowHeaders ?? true;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must be reachable by keyboard
    <section class="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption class={props.hideCaption ? "sr-only" : ""}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column, index) => (
              <th scope="col" key={index} class={column.class}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)} class={props.rowClass?.(row)}>
              {props.columns.map((column, index) =>
                index === 0 && rowHeaders ? (
                  <th scope="row" key={index} class={column.class}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={index} class={column.class}>
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Confirmation

/**
 * A modal confirmation on <dialog> (focus is kept inside, Escape cancels, focus returns to the
 * opener). The confirm button says what will happen ("Delete user", "Roll back to version 3"); for
 * `danger` the Cancel button has the first focus.
 *
 * @example
 * <ConfirmDialog open={asking} title="Delete alice?" confirmLabel="Delete user" danger
 *   onConfirm={remove} onCancel={() => setAsking(false)}>This cannot be undone.</ConfirmDialog>
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  /** Disable the confirm button (e.g. a required field in the body is empty). */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      if (props.danger) cancelRef.current?.focus();
    } else if (!props.open && dialog.open) {
      dialog.close();
      (opener.current as HTMLElement | null)?.focus?.();
    }
  }, [props.open, props.danger]);
  const submit = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!props.busy && !props.confirmDisabled) props.onConfirm();
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <form method="dialog" onSubmit={submit}>
        <h2 id={titleId}>{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <div class="dialog-actions">
          <button type="button" ref={cancelRef} onClick={props.onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            class={props.danger ? "danger" : "primary"}
            disabled={props.busy || props.confirmDisabled}
          >
            {props.busy ? "Working…" : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

// ---------------------------------------------------------------------------------------------
// Data hooks

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Load again (keeps the current data on screen meanwhile). */
  reload: () => Promise<void>;
}

/**
 * Load something from the API when `key` changes; the latest answer wins (an older, slower answer
 * never replaces a newer one). `load` may change on every render; `key` says when to load again.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setLoading(true);
    try {
      const next = await loadRef.current();
      if (ticket !== latest.current) return;
      setData(next);
      setError(null);
    } catch (cause) {
      if (ticket !== latest.current) return;
      setError(cause);
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [key, reload]);
  return { data, error, loading, reload };
}

/**
 * Call `tick` every `intervalMs` while `enabled` and the page is visible (a hidden tab does not poll),
 * and once more when the page becomes visible again.
 */
export function useInterval(tick: () => void, intervalMs: number, enabled = true): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") tickRef.current();
    }, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === "visible") tickRef.current();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [intervalMs, enabled]);
}

/** `value`, once it has stopped changing for `delayMs` (filters typed into a text box). */
export function useDebounced<T>(value: T, delayMs = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** A `datetime-local` input's value (the browser's time zone) as epoch ms; null when empty or invalid. */
export function localInputToMs(value: string): number | null {
  if (value === "") return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** The time ranges the list screens offer; `custom` shows From/To inputs. */
export const TIME_RANGES = [
  { id: "15m", label: "Last 15 minutes", spanMs: 15 * 60_000 },
  { id: "1h", label: "Last hour", spanMs: 3_600_000 },
  { id: "24h", label: "Last 24 hours", spanMs: 24 * 3_600_000 },
  { id: "7d", label: "Last 7 days", spanMs: 7 * 24 * 3_600_000 },
  { id: "all", label: "Any time", spanMs: null },
  { id: "custom", label: "Custom range…", spanMs: null },
] as const;
export type TimeRangeId = (typeof TIME_RANGES)[number]["id"];

/** `from`/`to` (epoch ms) for a range chosen in a `TimeRangeFields`, computed now. */
export function rangeBounds(
  range: TimeRangeId,
  custom: { from: string; to: string },
): { from?: number; to?: number } {
  if (range === "custom") {
    const from = localInputToMs(custom.from);
    const to = localInputToMs(custom.to);
    return { ...(from === null ? {} : { from }), ...(to === null ? {} : { to }) };
  }
  const span = TIME_RANGES.find((candidate) => candidate.id === range)?.spanMs ?? null;
  return span === null ? {} : { from: Date.now() - span };
}

/** A time-range select, and From/To inputs when "Custom range…" is chosen. */
/** The options of a destination filter: "All destinations", then each destination `/health` names. */
export function DestinationOptions(props: { health: Health | null }) {
  return (
    <>
      <option value="">All destinations</option>
      {(props.health?.destinations ?? []).map((destination) => (
        <option key={destination.destination} value={destination.destination}>
          {destination.destination}
        </option>
      ))}
    </>
  );
}

export function TimeRangeFields(props: {
  range: TimeRangeId;
  custom: { from: string; to: string };
  onRange: (range: TimeRangeId) => void;
  onCustom: (custom: { from: string; to: string }) => void;
  error?: unknown;
}) {
  return (
    <>
      <Field label="Time">
        {(input) => (
          <select
            {...input}
            value={props.range}
            onChange={(event) => props.onRange(event.currentTarget.value as TimeRangeId)}
          >
            {TIME_RANGES.map((range) => (
              <option key={range.id} value={range.id}>
                {range.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {props.range === "custom" && (
        <>
          <Field label="From" error={fieldError(props.error, "from")}>
            {(input) => (
              <input
                {...input}
                type="datetime-local"
                value={props.custom.from}
                onInput={(event) => props.onCustom({ ...props.custom, from: event.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="To" error={fieldError(props.error, "to")}>
            {(input) => (
              <input
                {...input}
                type="datetime-local"
                value={props.custom.to}
                onInput={(event) => props.onCustom({ ...props.custom, to: event.currentTarget.value })}
              />
            )}
          </Field>
        </>
      )}
    </>
  );
}
