import type { Detector, DetectorHit } from "../detector.js";
import { BUILTIN_HEALTH_TERMS } from "./health-terms.js";
import { isAlnumAt } from "./text-cues.js";

interface Token {
  start: number;
  end: number;
  word: string;
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/**
 * The words of a text: runs of letters and digits (any script). Everything else separates words,
 * including a percent-encoded byte (`%20`, `%2B`), so `type%202%20diabetes` reads as three words.
 */
export function words(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 37 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      i += 3;
      continue;
    }
    if (!isAlnumAt(text, i)) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isAlnumAt(text, i)) i++;
    tokens.push({ start, end: i, word: text.slice(start, i).toLowerCase() });
  }
  return tokens;
}

/** Whether a text word matches a term word: equal, or the term word plus a plural `s`/`es`. */
function sameWord(textWord: string, termWord: string, last: boolean): boolean {
  if (textWord === termWord) return true;
  if (!last || !textWord.startsWith(termWord)) return false;
  const rest = textWord.slice(termWord.length);
  return rest === "s" || rest === "es";
}

/** Terms indexed by their first word (plural forms too), longest first. */
function buildIndex(terms: readonly string[]): Map<string, string[][]> {
  const index = new Map<string, string[][]>();
  const add = (key: string, term: string[]) => {
    const list = index.get(key) ?? [];
    if (!list.some((existing) => existing.join(" ") === term.join(" "))) list.push(term);
    index.set(key, list);
  };
  for (const term of terms) {
    const termWords = words(term).map((token) => token.word);
    const first = termWords[0];
    if (first === undefined) continue;
    add(first, termWords);
    if (termWords.length === 1) {
      add(`${first}s`, termWords);
      add(`${first}es`, termWords);
    }
  }
  for (const list of index.values()) list.sort((a, b) => b.length - a.length);
  return index;
}

/**
 * A `health_term` detector for the built-in condition / medication / procedure list plus `extraTerms`.
 * Terms match whole words without regard to case, in free text and in URLs alike: words are runs of
 * letters and digits, so `-`, `_`, `+`, `/`, `%20` and any other punctuation separate them
 * (`/conditions/type-2-diabetes`, `?q=ozempic+price`, `birth%20control`). A multi-word term matches
 * its words in order with any separators between; the last word may take a plural `s`/`es`
 * (`tumors` matches `tumor`; `biopsies` does not match `biopsy`). Linear: each word is looked up
 * once in a map keyed by first words.
 *
 * @example
 * const detector = createHealthTermDetector(["rybelsus"]);
 * detector.scan("/shop/rybelsus-pens", { path: "url", key: "url", part: "value" })
 * // [{ start: 6, end: 14 }]
 */
export function createHealthTermDetector(extraTerms: readonly string[] = []): Detector {
  const index = buildIndex([...BUILTIN_HEALTH_TERMS, ...extraTerms]);
  return {
    id: "health_term",
    description: "Condition, medication and procedure terms, in free text and URLs",
    scan(text: string): DetectorHit[] {
      const tokens = words(text);
      const hits: DetectorHit[] = [];
      let i = 0;
      while (i < tokens.length) {
        const token = tokens[i]!;
        const candidates = index.get(token.word);
        let matched = 0;
        for (const term of candidates ?? []) {
          if (i + term.length > tokens.length) continue;
          let ok = true;
          for (let k = 0; k < term.length && ok; k++) {
            ok = sameWord(tokens[i + k]!.word, term[k]!, k === term.length - 1);
          }
          if (ok) {
            matched = term.length;
            break;
          }
        }
        if (matched === 0) {
          i++;
          continue;
        }
        hits.push({ start: token.start, end: tokens[i + matched - 1]!.end });
        i += matched;
      }
      return hits;
    },
  };
}

/** The `health_term` detector with the built-in list only. */
export const healthTermDetector: Detector = createHealthTermDetector();
