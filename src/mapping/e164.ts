/** Formatting characters people put in phone numbers; anything else (letters, "x123") is rejected. */
const FORMATTING = /[\s\-.()/\u00a0]/gu;
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Normalise a phone number to E.164 (`+` then 7–15 digits), or null when it cannot be.
 *
 * - `+44 20 7946 0958`, `0044 20 7946 0958` → `+442079460958` (international prefix `+` or `00`).
 * - Without one, the number is national for `defaultCountryCode` (default `"1"`): a leading trunk `0`
 *   is dropped (`020 7946 0958` with `"44"` → `+442079460958`). For `"1"` (NANP) a national number is
 *   10 digits, or 11 starting with 1. Digits that do not fit the national pattern but already start
 *   with a country code (`44 20 7946 0958`; for `"1"`, 11–15 digits) are read as international.
 *   `(0)` after a country code (`+44 (0)20 ...`) is dropped.
 * - `+1` numbers must have exactly 10 national digits. Letters, extensions and other symbols → null.
 *
 * @example
 * normalizeE164("(415) 555-2671") // "+14155552671"
 * normalizeE164("020 7946 0958", "44") // "+442079460958"
 * normalizeE164("555-CALL") // null
 */
export function normalizeE164(input: string | number, defaultCountryCode = "1"): string | null {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isSafeInteger(input) || input <= 0) return null;
    text = String(input);
  } else {
    // "+44 (0)20 ..." writes the national trunk 0 in brackets: it is not dialled internationally.
    text = input.trim().replace(/\(0\)/g, "").replace(FORMATTING, "");
  }
  const country = defaultCountryCode.replace(/^\+/, "");
  let candidate: string;
  if (text.startsWith("+")) {
    candidate = text;
  } else if (text.startsWith("00")) {
    candidate = `+${text.slice(2)}`;
  } else if (!/^\d+$/.test(text)) {
    return null;
  } else if (country === "1") {
    if (text.length === 10) candidate = `+1${text}`;
    else if (text.length === 11 && text.startsWith("1")) candidate = `+${text}`;
    else if (text.length >= 11) candidate = `+${text}`;
    else return null;
  } else if (text.startsWith("0")) {
    candidate = `+${country}${text.slice(1)}`;
  } else if (text.startsWith(country) && text.length - country.length >= 7) {
    candidate = `+${text}`;
  } else {
    candidate = `+${country}${text}`;
  }
  if (!E164.test(candidate)) return null;
  if (candidate.startsWith("+1") && candidate.length !== 12) return null;
  return candidate;
}
