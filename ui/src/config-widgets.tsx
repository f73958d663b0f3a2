import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "./api.js";
import type { ConfigIssue } from "./config-state.js";
import "./config.css";

/**
 * Small widgets of the configuration screens (sources, destinations, actions, mapping, draft bar):
 * a copy button, field-level problems and result messages (the confirmation dialog is components.tsx's).
 */

/** The console's one confirmation dialog (components.tsx), re-exported for the configuration screens. */
export { ConfirmDialog } from "./components.js";

/** Copies `value` to the clipboard and says so in a live region. */
export function CopyButton(props: { value: string; label: string }) {
  const [done, setDone] = useState<"copied" | "failed" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setDone("copied");
    } catch {
      setDone("failed");
    }
    setTimeout(() => setDone(null), 2500);
  };
  return (
    <span class="cfg-copy">
      <button type="button" class="small" aria-label={props.label} onClick={() => void copy()}>
        Copy
      </button>
      <span role="status" class="cfg-hint">
        {done === "copied" ? "Copied" : done === "failed" ? "Copy failed: select the text instead" : ""}
      </span>
    </span>
  );
}

/** The problems of one field, shown beside it (give its id to the input's aria-describedby). */
export function FieldIssues(props: { id: string; issues: readonly ConfigIssue[] | readonly string[] }) {
  if (props.issues.length === 0) return null;
  return (
    <ul class="cfg-issues" id={props.id}>
      {props.issues.map((issue, index) => (
        <li key={index}>{typeof issue === "string" ? issue : issue.message}</li>
      ))}
    </ul>
  );
}

/** A result in plain words: `role="status"` for outcomes, `role="alert"` for failures. */
export function Notice(props: {
  kind: "ok" | "error" | "info" | "warn";
  /** False inside a live region of its own. Default true. */
  live?: boolean;
  children: ComponentChildren;
}) {
  const role = props.live === false ? undefined : props.kind === "error" ? "alert" : "status";
  return (
    <div class={`cfg-notice cfg-${props.kind}`} role={role}>
      <strong class="cfg-notice-label">
        {props.kind === "ok"
          ? "Done"
          : props.kind === "error"
            ? "Error"
            : props.kind === "warn"
              ? "Note"
              : "Info"}
        :
      </strong>{" "}
      {props.children}
    </div>
  );
}

/** The API's message, with the field it names when it names one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.path ? `${error.message} (${error.path})` : error.message;
  return (error as Error).message ?? String(error);
}

/** Issues whose path is `prefix` or under it. */
export function issuesUnder(issues: readonly ConfigIssue[], prefix: string): ConfigIssue[] {
  return issues.filter(
    (issue) =>
      issue.path === prefix || issue.path.startsWith(`${prefix}.`) || issue.path.startsWith(`${prefix}[`),
  );
}

/** Shown instead of edit controls to viewers. */
export function ReadOnlyNote() {
  return (
    <p class="cfg-hint cfg-readonly">
      You are signed in as a viewer: you can read this configuration but not change it. Ask an admin or an
      editor for changes.
    </p>
  );
}

/** `1700000000000` → the local date and time, for people. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString();
}

let flash: string | null = null;
/** A result to show on the next screen (after a navigation that remounts it). */
export function setFlash(message: string): void {
  flash = message;
}
/** The pending result, once. */
export function takeFlash(): string | null {
  const message = flash;
  flash = null;
  return message;
}
