import type { Detector, DetectorContext, DetectorHit } from "../detector.js";
import { nameWords } from "./text-cues.js";

/** `MRN`, `medical record (number|no|#)`, `patient id|identifier|number|no` — each a whole word. */
const CUE =
  /(?:^|[^a-z0-9])(mrn|medical[\s_-]*record(?:[\s_-]*(?:number|num|nbr|no))?|patient[\s_-]*(?:id|identifier|number|num|nbr|no))(?![a-z])/gi;
/**
 * What follows a cue: a few separators, maybe a filler word (`MRN number: …`, `patient id is …`),
 * then the id: 3–20 letters, digits and hyphens that end at a non-id character.
 */
const ID_AFTER_CUE =
  /([\s:#=._-]{0,4})(?:(?:number|num|nbr|no|is)\.?[\s:#=_-]{1,4})?([A-Za-z0-9][A-Za-z0-9-]{2,19})(?![A-Za-z0-9-])/y;
const WHOLE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{2,19}$/;
const MIN_DIGITS = 3;

function digitCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}

function keyIsCue(ctx: DetectorContext): boolean {
  const words = nameWords(ctx.key);
  if (words.includes("mrn")) return true;
  if (words.includes("medical") && words.includes("record")) return true;
  return (
    words.includes("patient") &&
    (words.includes("id") || words.includes("identifier") || words.includes("number"))
  );
}

/**
 * Medical record numbers: an id of 3–20 letters, digits and hyphens with at least 3 digits, right after
 * a cue (`MRN: 00482913`, `medical record # A-123456`, `patient_id=998877`, `patientId: 55012`), or
 * the whole value of a field named for one (`mrn`, `medicalRecordNumber`, `patient_id`). Directly
 * glued to `MRN` the id must start with a digit (`MRN12345678` yes, `mRNA-1273` no).
 *
 * @example
 * mrnDetector.scan("MRN: 00482913", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 5, end: 13 }]
 */
/** Compiled once; a scan is synchronous, so resetting lastIndex is enough. */
const CUE_GLOBAL = new RegExp(CUE.source, "gi");
const ID_STICKY = new RegExp(ID_AFTER_CUE.source, "iy");

export const mrnDetector: Detector = {
  id: "mrn",
  needsDigit: true,
  description: "Medical record numbers after an MRN / medical record / patient id cue",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    const hits: DetectorHit[] = [];
    if (ctx.part === "value" && keyIsCue(ctx)) {
      const trimmed = text.trim();
      if (WHOLE_ID.test(trimmed) && digitCount(trimmed) >= MIN_DIGITS) {
        const start = text.indexOf(trimmed);
        return [{ start, end: start + trimmed.length }];
      }
    }
    const cue = CUE_GLOBAL;
    cue.lastIndex = 0;
    const after = ID_STICKY;
    for (let match = cue.exec(text); match !== null; match = cue.exec(text)) {
      const cueEnd = match.index + match[0].length;
      after.lastIndex = cueEnd;
      const id = after.exec(text);
      if (id === null) continue;
      const separators = id[1] ?? "";
      const value = id[2] ?? "";
      if (separators === "" && !/^[0-9]/.test(value)) continue;
      if (digitCount(value) < MIN_DIGITS) continue;
      const end = after.lastIndex;
      hits.push({ start: end - value.length, end });
      cue.lastIndex = end;
    }
    return hits;
  },
};
