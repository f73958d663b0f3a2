import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function MappingScreen(_props: ScreenProps & { destination: string; action: string }) {
  return (
    <section>
      <h1>MappingScreen</h1>
    </section>
  );
}
