/**
 * Log-probabilities as OpenAI reports them: from the model's unmodified distribution,
 * log_softmax(raw logits)[id] = logit[id] − log Σ_j exp(logit[j]), computed in float64, with
 * the most likely alternatives found without sorting the row.
 *
 * @module
 */
import { topIndices } from "./selection.ts";
import type { GeneratedToken } from "./types.ts";

/** log Σ_j exp(logits[j]) of one row [V], stabilised by the row's maximum. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  return max + Math.log(total);
}

/**
 * The chosen token's log-prob and, when `alternatives` > 0, the `alternatives` most likely tokens
 * (most likely first) under the raw distribution `logits` [V].
 *
 * @param tokenText the text shown for a token id
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const token = tokenLogprob(Float32Array.of(0, Math.log(3)), 1, 1, String);
 * assert.ok(Math.abs(token.logprob - Math.log(0.75)) < 1e-7);
 * assert.deepEqual(token.topLogprobs?.map((t) => t.tokenId), [1]);
 * ```
 */
export function tokenLogprob(
  logits: ArrayLike<number>,
  tokenId: number,
  alternatives: number,
  tokenText: (id: number) => string,
): GeneratedToken {
  const normaliser = logSumExp(logits);
  const token: GeneratedToken = { tokenId, text: tokenText(tokenId), logprob: logits[tokenId] - normaliser };
  if (alternatives > 0) {
    token.topLogprobs = topIndices(logits, alternatives).map((id) => ({
      tokenId: id,
      text: tokenText(id),
      logprob: logits[id] - normaliser,
    }));
  }
  return token;
}
