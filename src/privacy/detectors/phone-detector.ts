import type { Detector, DetectorContext, DetectorHit } from "../detector.js";
import { cueNear, isAlnumAt, nameWords } from "./text-cues.js";

/**
 * A run of digits with the punctuation phone numbers use: an optional leading `+` or `(`, then digits,
 * `(`, `)`, `.`, `-`, and single spaces before a digit or `(`. Each step consumes one character and
 * the alternatives are disjoint, so matching is linear.
 */
const RUN = /\+?\(?\d(?:[\d().-]|[ ](?=[\d(]))*/g;
/** A NANP number written with separators: `555-123-4567`, `(555) 123-4567`, `+1 555.123.4567`. */
const NANP_FORMATTED = /^(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$/;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const CUE =
  /(?:^|[^a-z])(?:phones?|tel|telephone|mobile|cell|cellphone|fax|sms|whatsapp|contact number)(?![a-z])/i;
const KEY_WORDS = new Set([
  "phone",
  "phones",
  "telephone",
  "tel",
  "mobile",
  "cell",
  "cellphone",
  "fax",
  "sms",
]);
KEY_WORDS.add("whatsapp").add("msisdn");

function digitsOf(run: string): string {
  return run.replace(/[^0-9]/g, "");
}

function nanpValid(digits: string): boolean {
  const ten = digits.length === 11 && digits.startsWith("1") ? digits.slice(1) : digits;
  return ten.length === 10 && /^[2-9]\d{2}[2-9]/.test(ten);
}

function keyIsCue(ctx: DetectorContext): boolean {
  return ctx.part === "value" && nameWords(ctx.key).some((word) => KEY_WORDS.has(word));
}

/**
 * Phone numbers, without flagging every digit run:
 * - international numbers starting with `+` (8–15 digits, E.164's limit, first digit not 0);
 * - NANP numbers written with separators or parentheses (`555-123-4567`, `(555) 123-4567`), with a
 *   valid area code and exchange (first digit 2–9);
 * - any other run of 7–15 digits (`5551234567`, `07911 123456`, `555-0123`) only next to a cue
 *   (`phone`, `tel`, `mobile`, `cell`, `fax`, `sms`, `whatsapp`) or in a field named for one, and
 *   never when it reads as a date.
 * A number glued to letters (`5551234567abc`, extensions as `x12`) is not reported.
 *
 * @example
 * phoneDetector.scan("call (415) 555-2671", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 5, end: 19 }]
 */
export const phoneDetector: Detector = {
  id: "phone",
  needsDigit: true,
  description: "Phone numbers: + international, formatted NANP, or digit runs next to a phone cue",
  scan(text: string, ctx: DetectorContext): DetectorHit[] {
    const hits: DetectorHit[] = [];
    const pattern = RUN;
    pattern.lastIndex = 0;
    let keyCue: boolean | undefined;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const start = match.index;
      let run = match[0];
      // A trailing `.`, `-` or `(` ends a sentence or starts something else; an unbalanced `)` too.
      while (run !== "" && !/[0-9)]$/.test(run)) run = run.slice(0, -1);
      if (run.endsWith(")") && !/\(\d{1,4}\)$/.test(run)) run = run.slice(0, -1);
      if (/^\(/.test(run) && !/^\(\d{3}\)/.test(run)) run = run.slice(1);
      const offset = match[0].startsWith("(") && !run.startsWith("(") ? 1 : 0;
      const runStart = start + offset;
      const end = runStart + run.length;
      if (isAlnumAt(text, runStart - 1) || isAlnumAt(text, end)) continue;
      const digits = digitsOf(run);
      if (digits.length < 7 || digits.length > 15) continue;
      let reported = false;
      if (run.startsWith("+")) {
        reported = digits.length >= 8 && !digits.startsWith("0");
      } else if (NANP_FORMATTED.test(run) && nanpValid(digits)) {
        reported = true;
      } else if (!DATE_LIKE.test(run)) {
        keyCue ??= keyIsCue(ctx);
        reported = keyCue || cueNear(text, runStart, end, CUE, 30, 15);
      }
      if (reported) hits.push({ start: runStart, end });
    }
    return hits;
  },
};
