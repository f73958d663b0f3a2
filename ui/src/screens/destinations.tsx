import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function DestinationsScreen(_props: ScreenProps & { destination: string | null }) {
  return (
    <section>
      <h1>DestinationsScreen</h1>
    </section>
  );
}
