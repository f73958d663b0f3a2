import type { ScreenProps } from "../app.js";

/** Placeholder: filled in by the UI work of issue 6. */
export function DraftBar(_props: ScreenProps) {
  return null;
}
