import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function ActionsScreen(_props: ScreenProps & { destination: string }) {
  return (
    <section>
      <h1>ActionsScreen</h1>
    </section>
  );
}
