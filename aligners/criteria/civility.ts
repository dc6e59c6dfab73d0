/**
 * `civility`: how free a response is of profanity (lexicon criterion; higher = cleaner).
 *
 * score = −100 · (matches of the LDNOOBW English list) / (number of words), so 0 for a clean text
 * and −1 per offending entry per 100 words. The list comes from the `naughty-words` package (403
 * entries, 124 of them multi-word phrases such as "blow job"); entries match whole words only (so
 * "class" never matches "ass"), longest phrase first, and a compound word that matches nothing as a
 * whole is checked part by part ("bad-ass" counts once). A multi-word entry counts as one match. A
 * text without words scores 0.
 *
 * Partial scoring: the prefix's own score, leaving out a last word that may be unfinished.
 *
 * @module
 */
import englishList from "naughty-words/en.json" with { type: "json" };
import type { Criterion, ScoreOptions } from "./criterion.ts";
import { validateParams } from "./params.ts";
import { scoreSync } from "./_scoring.ts";
import { PhraseLexicon, tokenizeWords, type Word } from "./_words.ts";

let lexicon: PhraseLexicon | undefined;

function profanityLexicon(): PhraseLexicon {
  lexicon ??= new PhraseLexicon(Object.fromEntries(englishList.map((entry) => [entry, 1])));
  return lexicon;
}

/**
 * Number of profanity-list matches among `words`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countProfanity } from "./civility.ts";
 * import { tokenizeWords } from "./_words.ts";
 * assert.equal(countProfanity(tokenizeWords("a classy assessment")), 0);
 * ```
 */
export function countProfanity(words: readonly Word[]): number {
  return profanityLexicon().match(words).length;
}

/**
 * Creates the `civility` criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCivilityCriterion } from "./civility.ts";
 * const civility = createCivilityCriterion();
 * const [clean] = await civility.score("Say hi", ["Hello there, friend"]);
 * assert.equal(clean, 0);
 * ```
 */
export function createCivilityCriterion(): Criterion {
  const criterion: Criterion = {
    name: "civility",
    description: "Freedom from profanity: -(matches of the LDNOOBW English list per 100 words); 0 is clean.",
    kind: "lexicon",
    supportsPartial: true,
    score(_prompt: string, candidates: readonly string[], options: ScoreOptions = {}): Promise<Float64Array> {
      return scoreSync(() => {
        validateParams(criterion, options.params);
        const scores = new Float64Array(candidates.length);
        for (let i = 0; i < candidates.length; i++) {
          options.signal?.throwIfAborted();
          const words = tokenizeWords(candidates[i], { partial: options.partial });
          const matches = words.length === 0 ? 0 : countProfanity(words);
          scores[i] = matches === 0 ? 0 : (-100 * matches) / words.length; // never −0
        }
        return scores;
      });
    },
  };
  return criterion;
}
