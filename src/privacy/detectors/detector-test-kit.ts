import type { Detector } from "../detector.js";

/**
 * Test helper: what a detector found in `text`, as the matched substrings (tests only; production
 * code never handles matched text). `key` is the field name the text sits in.
 */
export function found(detector: Detector, text: string, key: string | null = "notes"): string[] {
  return detector
    .scan(text, { path: key ?? "", key, part: "value" })
    .map((hit) => text.slice(hit.start, hit.end));
}
