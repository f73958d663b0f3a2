/**
 * The detector plug-in contract. A detector looks at one piece of text (a string value, a number's
 * decimal text, or an object key) and says where it found PHI/PII, by offsets only, so nothing that
 * handles its answer ever holds the matched text.
 */

/** One finding: `text.slice(start, end)` is what was found (UTF-16 offsets, `start < end`). */
export interface DetectorHit {
  readonly start: number;
  readonly end: number;
}

/** Where the text sits in the payload; detectors use it for field-name cues (`dob`, `phone`, `email`). */
export interface DetectorContext {
  /** The field's path as detections report it (`attributes.items[2].name`); `""` at the root. */
  readonly path: string;
  /**
   * The field name: the last object key on the path (for an array element, the array's key), or null
   * when there is none. For an object key being scanned, the key of the object that holds it.
   */
  readonly key: string | null;
  /** `value` for a string or number, `key` when the text is an object key. */
  readonly part: "value" | "key";
}

/**
 * A PHI/PII detector. `scan` must be pure, must not throw, and must run in time linear in the text
 * (no backtracking-prone regular expressions). A detector that throws anyway counts as a hit on the
 * whole text (fail closed).
 *
 * @example
 * const zipDetector: Detector = {
 *   id: "zip",
 *   description: "US ZIP+4 codes",
 *   scan: (text) =>
 *     [...text.matchAll(/\b\d{5}-\d{4}\b/g)].map((m) => ({ start: m.index, end: m.index + 10 })),
 * };
 */
export interface Detector {
  /** Stable id used in configuration, detections and the audit trail (`ssn`, `health_term`). */
  readonly id: string;
  /** One sentence for people: what it finds. */
  readonly description: string;
  scan(text: string, ctx: DetectorContext): DetectorHit[];
  /**
   * True when the detector can only ever find something in text that contains an ASCII digit: the
   * scanner then skips it for digit-free text (most values). An optimisation; the result is the same.
   */
  readonly needsDigit?: boolean;
}
