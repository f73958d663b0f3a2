import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function UsersScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>UsersScreen</h1>
    </section>
  );
}
