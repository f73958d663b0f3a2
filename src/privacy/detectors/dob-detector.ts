import type { Detector, DetectorContext, DetectorHit } from "../detector.js";
import { cueNear, isAlnumAt, isDigitAt, mergeHits, nameWords } from "./text-cues.js";

const MONTH =
  "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

type Parts = (match: RegExpExecArray) => { year: string | null; months: number[]; day: number }[];

/** Each date shape with how to read year, month and day from it; every quantifier is bounded. */
const SHAPES: { pattern: RegExp; parts: Parts }[] = [
  {
    // 1985-03-04, 1985/3/4, 1985.03.04, 1985%2F03%2F04 (a URL-encoded slash)
    pattern: /(\d{4})([-/.]|%2[Ff])(\d{1,2})\2(\d{1,2})/g,
    parts: (m) => [{ year: m[1]!, months: [Number(m[3])], day: Number(m[4]) }],
  },
  {
    // 03/04/1985, 4.3.85: month/day or day/month, whichever is a valid date
    pattern: /(\d{1,2})([-/.]|%2[Ff])(\d{1,2})\2(\d{4}|\d{2})/g,
    parts: (m) => [
      { year: m[4]!, months: [Number(m[1])], day: Number(m[3]) },
      { year: m[4]!, months: [Number(m[3])], day: Number(m[1]) },
    ],
  },
  {
    // March 4, 1985 / Mar. 4th 1985
    pattern: new RegExp(`${MONTH}\\.?\\s{1,3}(\\d{1,2})(?:st|nd|rd|th)?,?\\s{1,3}(\\d{4})`, "gi"),
    parts: (m) => [{ year: m[3]!, months: [monthNumber(m[1]!)], day: Number(m[2]) }],
  },
  {
    // 4 March 1985 / 4th of March, 1985
    pattern: new RegExp(
      `(\\d{1,2})(?:st|nd|rd|th)?\\s{1,3}(?:of\\s{1,3})?${MONTH}\\.?,?\\s{1,3}(\\d{4})`,
      "gi",
    ),
    parts: (m) => [{ year: m[3]!, months: [monthNumber(m[2]!)], day: Number(m[1]) }],
  },
  {
    // 19850304
    pattern: /(\d{4})(\d{2})(\d{2})/g,
    parts: (m) => [{ year: m[1]!, months: [Number(m[2])], day: Number(m[3]) }],
  },
];

/** Month and day without a year, reported only as the whole value of a birthday-named field. */
const YEARLESS = [
  { pattern: /^(?:--)?(\d{1,2})[-/.](\d{1,2})$/, month: 1, day: 2, alternate: true },
  { pattern: new RegExp(`^${MONTH}\\.?\\s{1,3}(\\d{1,2})(?:st|nd|rd|th)?$`, "i"), month: 1, day: 2 },
  {
    pattern: new RegExp(`^(\\d{1,2})(?:st|nd|rd|th)?\\s{1,3}(?:of\\s{1,3})?${MONTH}$`, "i"),
    month: 2,
    day: 1,
  },
];

const CUE = /(?:^|[^a-z])(?:dob|d\.o\.b|birth[a-z]{0,5}|born|bday|b-day)(?![a-z])/i;

function monthNumber(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

function validDate(year: string | null, month: number, day: number): boolean {
  if (year !== null && year.length === 4) {
    const y = Number(year);
    if (y < 1900 || y > 2100) return false;
  }
  const days = DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** Not glued to letters or digits; an ISO date may go on with `T` and a time. */
function standsAlone(text: string, start: number, end: number): boolean {
  if (isAlnumAt(text, start - 1)) return false;
  const before = text.charAt(start - 1);
  if ((before === "-" || before === "." || before === "/") && isDigitAt(text, start - 2)) return false;
  const after = text.charAt(end);
  if (after === "T" && isDigitAt(text, end + 1)) return true;
  if (isAlnumAt(text, end)) return false;
  return !((after === "-" || after === "." || after === "/") && isDigitAt(text, end + 1));
}

function keyIsCue(ctx: DetectorContext): boolean {
  return nameWords(ctx.key).some(
    (word) => word === "dob" || word === "born" || word === "bday" || word.startsWith("birth"),
  );
}

/**
 * Dates of birth: a date (`1985-03-04`, `03/04/1985`, `4.3.85`, `March 4, 1985`, `4th of March 1985`,
 * `19850304`; `/` may be URL-encoded as `%2F`) with a birth cue — `dob`, `d.o.b`, `birth…`
 * (birthday, birthdate), `born`, `bday` —
 * within 40 characters before or 20 after it, or in the field name (`dateOfBirth`, `birthday`,
 * `patient_dob`). In a birthday-named field a month and day alone (`03-04`, `March 4`) count too.
 * Dates without a cue (order dates, appointments, timestamps) are not reported, nor impossible dates
 * (`1985-13-04`, `02/30/1985`) or 4-digit years outside 1900–2100.
 *
 * @example
 * dobDetector.scan("DOB: 03/04/1985", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 5, end: 15 }]
 */
export const dobDetector: Detector = {
  id: "dob",
  needsDigit: true,
  description: "Dates of birth: a date next to a birth cue, or in a birth-date field",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    const keyCue = keyIsCue(ctx);
    if (keyCue && ctx.part === "value") {
      const trimmed = text.trim();
      for (const shape of YEARLESS) {
        const m = shape.pattern.exec(trimmed);
        if (m === null) continue;
        const rawMonth = m[shape.month]!;
        const month = /^\d/.test(rawMonth) ? Number(rawMonth) : monthNumber(rawMonth);
        const day = Number(m[shape.day]);
        const valid = validDate(null, month, day) || ("alternate" in shape && validDate(null, day, month));
        if (valid) {
          const start = text.indexOf(trimmed);
          return [{ start, end: start + trimmed.length }];
        }
      }
    }
    const hits: DetectorHit[] = [];
    for (const shape of SHAPES) {
      const pattern = shape.pattern;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        const start = m.index;
        const end = start + m[0].length;
        pattern.lastIndex = start + 1;
        if (!standsAlone(text, start, end)) continue;
        if (!shape.parts(m).some((p) => p.months.some((month) => validDate(p.year, month, p.day)))) continue;
        if (keyCue || cueNear(text, start, end, CUE)) hits.push({ start, end });
      }
    }
    return mergeHits(hits);
  },
};
