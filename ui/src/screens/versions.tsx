import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function VersionsScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>VersionsScreen</h1>
    </section>
  );
}
