import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function DeadLettersScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>DeadLettersScreen</h1>
    </section>
  );
}
