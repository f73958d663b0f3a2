import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function DeliveriesScreen(_props: ScreenProps & { messageId: string | null }) {
  return (
    <section>
      <h1>DeliveriesScreen</h1>
    </section>
  );
}
