/**
 * Scoring the candidates of one request with the criteria its weights name: the step between the
 * registry and {@link weightedScores}. Everything that can be rejected up front is, before any
 * criterion runs: unknown names, bad weights, bad per-criterion params.
 *
 * @module
 */
import type { CriterionRegistry } from "./registry.ts";
import { validateParams } from "./params.ts";
import { type CriteriaWeights, validateWeights } from "./weighted_score.ts";

/** Options of {@link scoreCandidates}. */
export interface ScoreCandidatesOptions {
  /** Per-criterion parameters, by criterion name. */
  params?: Readonly<Record<string, Record<string, unknown>>>;
  partial?: boolean;
  signal?: AbortSignal;
}

/**
 * Checks weights and params of a request without scoring anything (call it before generating).
 * Returns the positive weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBuiltinCriteria, CriterionRegistry } from "./registry.ts";
 * import { validateRequestCriteria } from "./score_candidates.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * assert.deepEqual(validateRequestCriteria(registry, { length: 1, civility: 0 }), { length: 1 });
 * assert.throws(() => validateRequestCriteria(registry, { length: 1 }, { length: { target: -5 } }), /params\.target/);
 * ```
 */
export function validateRequestCriteria(
  registry: CriterionRegistry,
  weights: CriteriaWeights,
  params: ScoreCandidatesOptions["params"] = {},
): Record<string, number> {
  const positive = validateWeights(weights, registry.names());
  for (const [name, criterionParams] of Object.entries(params)) {
    validateParams(registry.get(name), criterionParams);
  }
  return positive;
}

/**
 * Raw scores of every positively weighted criterion for the candidates, criteria run concurrently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBuiltinCriteria, CriterionRegistry } from "./registry.ts";
 * import { scoreCandidates } from "./score_candidates.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * const raw = await scoreCandidates(registry, { length: 1, sentiment: 2 }, "Hi?", ["Hello, lovely day!", "Hi"], {
 *   params: { length: { target: 1, scale: 1 } },
 * });
 * assert.deepEqual([...raw.length], [-4, 0]);
 * assert.deepEqual(Object.keys(raw), ["length", "sentiment"]);
 * ```
 */
export async function scoreCandidates(
  registry: CriterionRegistry,
  weights: CriteriaWeights,
  prompt: string,
  candidates: readonly string[],
  options: ScoreCandidatesOptions = {},
): Promise<Record<string, Float64Array>> {
  const names = Object.keys(validateRequestCriteria(registry, weights, options.params));
  const scores = await Promise.all(names.map((name) =>
    registry.get(name).score(prompt, candidates, {
      params: options.params?.[name],
      partial: options.partial,
      signal: options.signal,
    })
  ));
  scores.forEach((row, k) => {
    if (row.length !== candidates.length) {
      throw new RangeError(
        `criterion "${names[k]}" returned ${row.length} scores for ${candidates.length} candidates`,
      );
    }
  });
  return Object.fromEntries(names.map((name, k) => [name, scores[k]]));
}
