import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function SourcesScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>SourcesScreen</h1>
    </section>
  );
}
