import type { Detector, DetectorContext, DetectorHit } from "../detector.js";
import { cueNear, isAlnumAt, mergeHits, nameWords } from "./text-cues.js";

/** ICD-10-CM in its dotted form, as written: upper-case letter, digit, digit or letter, `.`, 1–4 more. */
const DOTTED = /[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}/g;
/** Any case, dot optional, or a bare 3-character category (`E11`): reported only with an ICD cue. */
const LOOSE = /[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?/g;
const CUE = /(?:^|[^a-z])(?:icd(?:[\s-]?(?:10|9))?(?:[\s-]?cm)?|dx|diag|diagnosis|diagnoses)(?![a-z])/i;
const KEY_WORDS = new Set(["icd", "dx", "diag", "diagnosis", "diagnoses"]);

/** Not glued to letters, digits or a `.` (version strings); `-` before is fine (URL slugs). */
function standsAlone(text: string, start: number, end: number): boolean {
  if (isAlnumAt(text, start - 1) || text.charAt(start - 1) === ".") return false;
  if (isAlnumAt(text, end)) return false;
  return !(text.charAt(end) === "." && isAlnumAt(text, end + 1));
}

function keyIsCue(ctx: DetectorContext): boolean {
  return ctx.part === "value" && nameWords(ctx.key).some((word) => KEY_WORDS.has(word));
}

/** Global copies of the shape patterns, compiled once (a scan is synchronous, so lastIndex is reset). */
const GLOBAL = new Map<RegExp, RegExp>();

function scanWith(
  text: string,
  source: RegExp,
  accept: (start: number, end: number) => boolean,
  hits: DetectorHit[],
): void {
  let pattern = GLOBAL.get(source);
  if (pattern === undefined) {
    pattern = new RegExp(source.source, "g");
    GLOBAL.set(source, pattern);
  }
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (standsAlone(text, start, end) && accept(start, end)) {
      hits.push({ start, end });
    } else {
      pattern.lastIndex = start + 1;
    }
  }
}

/**
 * ICD-10-CM diagnosis codes. The dotted, upper-case form (`E11.9`, `F32.A`, `Z79.4`, `O09.891`,
 * `S72.001A`, `M1A.0`) is reported wherever it stands alone. The undotted or lower-case form (`E119`,
 * `z79.4`) and a bare category (`E11`) only with a cue — `ICD`, `ICD-10`, `ICD-10-CM`, `dx`, `diag`,
 * `diagnosis` — within 40 characters before or 20 after, or in a field named for one (`icd10_code`,
 * `diagnosis`). Product SKUs (`E119`, `B12`), version strings (`V10.1.2`) and codes glued to other
 * letters or digits (`AB11.9`) are not reported. Valid-looking codes are not checked against the code
 * list, so `X12.5` in a part number is reported.
 *
 * @example
 * icd10Detector.scan("dx E11.9", { path: "notes", key: "notes", part: "value" }) // [{ start: 3, end: 8 }]
 */
export const icd10Detector: Detector = {
  id: "icd10",
  needsDigit: true,
  description: "ICD-10-CM codes: dotted, or undotted next to an ICD / diagnosis cue",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    const hits: DetectorHit[] = [];
    scanWith(text, DOTTED, () => true, hits);
    const keyCue = keyIsCue(ctx);
    scanWith(text, LOOSE, (start, end) => keyCue || cueNear(text, start, end, CUE), hits);
    return mergeHits(hits);
  },
};
