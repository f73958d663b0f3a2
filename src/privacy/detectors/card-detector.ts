import type { Detector, DetectorHit } from "../detector.js";
import { isAlnumAt } from "./text-cues.js";

/** Digit groups joined by single spaces or hyphens; linear (each group is maximal). */
const RUN = /\d+(?:[ -]\d+)*/g;
const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/** Whether a digit string passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function prefixIn(digits: string, length: number, from: number, to: number): boolean {
  const prefix = Number(digits.slice(0, length));
  return prefix >= from && prefix <= to;
}

/** Whether the number starts with a card network's issuer prefix (IIN) and has a length it issues. */
export function knownIssuer(digits: string): boolean {
  const n = digits.length;
  if (digits.startsWith("4")) return n === 13 || n === 16 || n === 19; // Visa
  if (prefixIn(digits, 2, 51, 55) || prefixIn(digits, 4, 2221, 2720)) return n === 16; // Mastercard
  if (digits.startsWith("34") || digits.startsWith("37")) return n === 15; // American Express
  if (n < 14) return false;
  if (prefixIn(digits, 3, 300, 305) || /^(?:3095|36|38|39)/.test(digits)) return true; // Diners Club
  if (n < 16) return false;
  if (/^(?:6011|65)/.test(digits) || prefixIn(digits, 3, 644, 649)) return true; // Discover
  if (prefixIn(digits, 4, 3528, 3589)) return true; // JCB
  if (digits.startsWith("62")) return true; // UnionPay (and Discover's 622126–622925)
  if (prefixIn(digits, 4, 2200, 2204)) return true; // Mir
  return /^(?:5018|5020|5038|5893|6304|6759|676[1-3])/.test(digits); // Maestro
}

/**
 * Payment card numbers: 13–19 digits, optionally grouped with spaces or hyphens
 * (`4111 1111 1111 1111`, `3782-822463-10005`), that pass the Luhn check and start with a known
 * network prefix of the right length (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Mir,
 * Maestro). A card inside a longer grouped run (`order 1234 4111111111111111`) is found by trying
 * consecutive groups. Not reported: Luhn failures, unknown prefixes (`1700000000000` timestamps),
 * a card glued to letters or to more digits, or runs of 20+ digits.
 *
 * @example
 * cardDetector.scan("card 4242 4242 4242 4242", { path: "notes", key: "notes", part: "value" })
 * // [{ start: 5, end: 24 }]
 */
export const cardDetector: Detector = {
  id: "card",
  needsDigit: true,
  description: "Payment card numbers (Luhn-valid, known issuer prefixes)",
  scan(text: string): DetectorHit[] {
    const hits: DetectorHit[] = [];
    const pattern = RUN;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const runStart = m.index;
      const runEnd = runStart + m[0].length;
      if (isAlnumAt(text, runStart - 1) || isAlnumAt(text, runEnd)) continue;
      const groups: { start: number; end: number }[] = [];
      const group = /\d+/g;
      for (let g = group.exec(m[0]); g !== null; g = group.exec(m[0])) {
        groups.push({ start: runStart + g.index, end: runStart + g.index + g[0].length });
      }
      let first = 0;
      while (first < groups.length) {
        // Every issuer prefix starts with 2–6; skip other starts without building candidates.
        const lead = text.charCodeAt(groups[first]!.start);
        if (lead < 50 || lead > 54) {
          first++;
          continue;
        }
        let found = -1;
        let digits = "";
        // Longest candidate first; a candidate never exceeds 19 digits, so this is bounded.
        const candidates: { last: number; digits: string }[] = [];
        for (let last = first; last < groups.length; last++) {
          const g = groups[last]!;
          digits += text.slice(g.start, g.end);
          if (digits.length > MAX_DIGITS) break;
          if (digits.length >= MIN_DIGITS) candidates.push({ last, digits });
        }
        for (let i = candidates.length - 1; i >= 0; i--) {
          const c = candidates[i]!;
          if (knownIssuer(c.digits) && luhnValid(c.digits)) {
            found = c.last;
            break;
          }
        }
        if (found === -1) {
          first++;
          continue;
        }
        hits.push({ start: groups[first]!.start, end: groups[found]!.end });
        first = found + 1;
      }
    }
    return hits;
  },
};
