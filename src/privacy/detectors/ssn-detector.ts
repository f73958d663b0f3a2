import type { Detector, DetectorContext, DetectorHit } from "../detector.js";
import { cueNear, nameWords, standsAlone } from "./text-cues.js";

/** Three digits, two, four, with one separator style throughout (or none). */
const CANDIDATE = /\d{3}([- ]?)\d{2}\1\d{4}/g;
/** Words that say a number is a Social Security number. */
const CUE = /(?:^|[^a-z])(?:ssns?|ss#|social[\s_-]*security|soc[\s._-]*sec)(?![a-z])/i;

function validParts(digits: string): boolean {
  const area = digits.slice(0, 3);
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === "000" || area === "666" || area.startsWith("9")) return false;
  return group !== "00" && serial !== "0000";
}

function keyIsCue(ctx: DetectorContext): boolean {
  const words = nameWords(ctx.key);
  return words.includes("ssn") || (words.includes("social") && words.includes("security"));
}

/**
 * US Social Security numbers. `123-45-6789` and `123 45 6789` are reported wherever they stand alone;
 * an unformatted `123456789` only with a cue (`SSN`, `social security`, `soc sec`, `SS#`) within 40
 * characters before or 20 after it, or in a field whose name says SSN — so 9-digit order numbers,
 * ZIP+4 codes and ids pass. Numbers the SSA never issues are ignored: area 000, 666 or 900–999, group
 * 00, serial 0000.
 *
 * @example
 * ssnDetector.scan("SSN 123-45-6789", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 4, end: 15 }]
 */
export const ssnDetector: Detector = {
  id: "ssn",
  needsDigit: true,
  description: "US Social Security numbers (formatted, or unformatted next to an SSN cue)",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    const hits: DetectorHit[] = [];
    const pattern = CANDIDATE;
    pattern.lastIndex = 0;
    let keyCue: boolean | undefined;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const start = match.index;
      const end = start + match[0].length;
      const separated = match[1] !== "";
      const digits = separated ? match[0].replace(/[- ]/g, "") : match[0];
      if (!standsAlone(text, start, end) || !validParts(digits)) {
        pattern.lastIndex = start + 1;
        continue;
      }
      if (!separated) {
        keyCue ??= ctx.part === "value" && keyIsCue(ctx);
        if (!keyCue && !cueNear(text, start, end, CUE)) {
          pattern.lastIndex = start + 1;
          continue;
        }
      }
      hits.push({ start, end });
    }
    return hits;
  },
};
