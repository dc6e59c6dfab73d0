/**
 * The prefix cache's reuse rule (prefix_cache.ts), without the cache, for cost models: how many prompt
 * tokens a request prefills when the engine holds the KV of a prefix of its prompt.
 *
 * @module
 */

/** The fewest shared prompt tokens the prefix cache reuses (a shorter prefix saves less than its copy). */
export const PREFIX_CACHE_MIN_TOKENS = 8;

/**
 * Prompt tokens a request of `promptTokens` prefills when `cachedTokens` of its prompt's leading tokens
 * are in the prefix cache: at most P − 1 are reused (one pass still yields the first tokens), and only
 * from {@link PREFIX_CACHE_MIN_TOKENS} on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefilledTokens } from "./prefix_reuse.ts";
 * assert.equal(prefilledTokens(40, 24), 16); // a prompt extending a cached 24-token one
 * assert.equal(prefilledTokens(40, 40), 1); // the same prompt again
 * assert.equal(prefilledTokens(12, 5), 12); // too short a prefix to reuse
 * ```
 */
export function prefilledTokens(promptTokens: number, cachedTokens: number): number {
  const reused = Math.min(cachedTokens, promptTokens - 1);
  return reused >= PREFIX_CACHE_MIN_TOKENS ? promptTokens - reused : promptTokens;
}
