import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function SignInScreen(_props: ScreenProps) {
  return (
    <section>
      <h1>SignInScreen</h1>
    </section>
  );
}
