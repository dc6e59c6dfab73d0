/** Small text helpers shared by the prompt and response templates. */

/** Words that keep their capital letter at the start of a sentence fragment. */
const PROPER_WORDS = new Set([
  "I",
  "I'm",
  "I'd",
  "I'll",
  "I've",
]);

/** True if a word must stay capitalised (acronyms, names like JavaScript, listed words). */
function isProperWord(word: string): boolean {
  if (PROPER_WORDS.has(word)) return true;
  if (/^[A-Z][A-Z0-9]+\b/.test(word)) return true; // acronym: DNS, SQL, CPR
  if (/^[A-Z][a-z]+[A-Z]/.test(word)) return true; // JavaScript, YouTube
  return false;
}

/**
 * Lower-cases the first letter so a sentence can continue after a prefix,
 * unless the first word is a proper noun. Proper nouns that look like
 * ordinary capitalised words are marked in the data with a leading "^"
 * (removed by `clean`), e.g. "^Python is ..." stays "Python is ...".
 */
export function lowerFirst(text: string): string {
  if (text.startsWith("^")) return text.slice(1);
  const firstWord = text.split(/[\s,:;]/, 1)[0];
  if (isProperWord(firstWord)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Removes the proper-noun marker when a fragment starts a sentence. */
export function clean(text: string): string {
  return text.startsWith("^") ? text.slice(1) : text;
}

/** Upper-cases the first letter (for clauses that start a sentence). */
export function upperFirst(text: string): string {
  const plain = clean(text);
  return plain.charAt(0).toUpperCase() + plain.slice(1);
}

/** Number of whitespace-separated words. */
export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? 0 : trimmed.split(/\s+/).length;
}

/** Number of sentences, counting ".", "!" and "?" followed by a space or the end. */
export function sentenceCount(text: string): number {
  const matches = text.trim().match(/[.!?](?=\s|$)/g);
  return matches ? matches.length : 0;
}
