import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function AuditScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>AuditScreen</h1>
    </section>
  );
}
