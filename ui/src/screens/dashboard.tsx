import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function DashboardScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>DashboardScreen</h1>
    </section>
  );
}
