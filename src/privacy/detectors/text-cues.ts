/**
 * Small text predicates the detectors share: whether a candidate stands alone (is not part of a longer
 * token), whether a cue word is near it, and the words of a field name. All run in time bounded by
 * their window, so detectors stay linear.
 */

const ALNUM_BEYOND_ASCII = /[\p{L}\p{N}]/u;

/** Whether `text[index]` is a letter or digit (any script); false outside the text. */
export function isAlnumAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  if (code < 0x80) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }
  return ALNUM_BEYOND_ASCII.test(text.charAt(index));
}

/** Whether `text[index]` is an ASCII digit; false outside the text. */
export function isDigitAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

/**
 * Whether `text.slice(start, end)` is not glued to a neighbouring letter or digit, nor continued by
 * `-`/`.` plus a digit (`123-45-6789-01`, `1.123-45-6789` are parts of longer numbers).
 */
export function standsAlone(text: string, start: number, end: number): boolean {
  if (isAlnumAt(text, start - 1) || isAlnumAt(text, end)) return false;
  const before = text.charAt(start - 1);
  if ((before === "-" || before === ".") && isDigitAt(text, start - 2)) return false;
  const after = text.charAt(end);
  if ((after === "-" || after === ".") && isDigitAt(text, end + 1)) return false;
  return true;
}

/**
 * Whether `cue` matches the text shortly before or after `[start, end)`. The cue pattern must be
 * non-global and should guard its own word edges (`(?:^|[^a-z])ssn(?![a-z])`).
 */
export function cueNear(
  text: string,
  start: number,
  end: number,
  cue: RegExp,
  charsBefore = 40,
  charsAfter = 20,
): boolean {
  return cue.test(text.slice(Math.max(0, start - charsBefore), Math.min(text.length, end + charsAfter)));
}

/**
 * The lower-case words of a field name, split at camelCase humps, digits and punctuation.
 *
 * @example
 * nameWords("patientDateOfBirth") // ["patient", "date", "of", "birth"]
 * nameWords("icd10_code") // ["icd", "10", "code"]
 */
export function nameWords(name: string | null): string[] {
  if (name === null) return [];
  // Field names repeat from event to event: split each one once.
  const cached = NAME_WORDS.get(name);
  if (cached !== undefined) return cached;
  const words = splitName(name);
  if (NAME_WORDS.size >= 10_000) NAME_WORDS.clear();
  NAME_WORDS.set(name, words);
  return words;
}

const NAME_WORDS = new Map<string, string[]>();

function splitName(name: string): string[] {
  // Field names are short; a long key is cut so the camelCase split stays cheap.
  return name
    .slice(0, 200)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([A-Za-z])([0-9])/g, "$1 $2")
    .replace(/([0-9])([A-Za-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
}

/** Hits sorted by start, overlapping or touching ones merged. */
export function mergeHits(hits: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = [...hits].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: { start: number; end: number }[] = [];
  for (const hit of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && hit.start <= last.end) last.end = Math.max(last.end, hit.end);
    else merged.push({ start: hit.start, end: hit.end });
  }
  return merged;
}
