/**
 * The aligned reward of finished responses as the quality curves count it: every criterion of the
 * weighting scored once on the complete responses with its default parameters, calibrated, and summed
 * with the weights (aggregator sum); null where no criterion applies. measure.ts tabulates the sampled
 * responses with it and measure_blockwise.ts the answers blockwise decoding commits to, so best-of-N's
 * expected reward and blockwise's measured reward are in the same units.
 *
 * @module
 */
import { aggregate, type Calibrator, type CriteriaWeights, type CriterionRegistry } from "../criteria/mod.ts";

/** The criteria a weighting uses (positive weight), in its key order. */
export function weightedCriteria(weights: CriteriaWeights): string[] {
  return Object.keys(weights).filter((name) => weights[name] > 0);
}

/**
 * Per response: the weighted sum of its calibrated scores; null when none is finite.
 * `calibrated[c][j]` is criterion `names[c]`'s calibrated score of response j.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summedAggregates } from "./response_aggregates.ts";
 * const calibrated = [Float64Array.of(1, NaN, NaN), Float64Array.of(3, 2, NaN)];
 * assert.deepEqual(summedAggregates(calibrated, ["a", "b"], { a: 1, b: 3 }), [2.5, 2, null]);
 * ```
 */
export function summedAggregates(
  calibrated: readonly ArrayLike<number>[],
  names: readonly string[],
  weights: CriteriaWeights,
): (number | null)[] {
  const count = calibrated[0]?.length ?? 0;
  return Array.from({ length: count }, (_, j) => {
    const value = aggregate(
      calibrated.map((scores) => scores[j]),
      names.map((name) => weights[name]),
      { type: "sum" },
    );
    return Number.isFinite(value) ? value : null;
  });
}

/**
 * Scores complete responses to one prompt under a weighting (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../criteria/mod.ts";
 * import { responseAggregates } from "./response_aggregates.ts";
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * const stats = { mean: 10, std: 5, quantiles: [], samples: 2 };
 * const calibrator = new Calibrator({ modelVersion: "v1", criteria: { length: stats } });
 * const raw = await registry.get("length").score("Hi", ["a b c", "a"]);
 * const expected = [...raw].map((score) => (score - 10) / 5);
 * assert.deepEqual(await responseAggregates(registry, calibrator, { length: 2 }, "Hi", ["a b c", "a"]), expected);
 * ```
 */
export async function responseAggregates(
  registry: CriterionRegistry,
  calibrator: Calibrator,
  weights: CriteriaWeights,
  prompt: string,
  responses: readonly string[],
  signal?: AbortSignal,
): Promise<(number | null)[]> {
  const names = weightedCriteria(weights);
  const calibrated: Float64Array[] = [];
  for (const name of names) {
    signal?.throwIfAborted();
    const raw = await registry.get(name).score(prompt, responses, { signal });
    calibrated.push(calibrator.calibrate(name, raw));
  }
  return summedAggregates(calibrated, names, weights);
}
