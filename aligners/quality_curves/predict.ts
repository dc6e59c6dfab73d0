/**
 * Predictions from quality curves: expected completion lengths (the cost model's input), expected
 * compute and engine time of an aligner run, and the measured weighting nearest to a request's.
 *
 * Lengths: the K measured completion lengths of each prompt stand for that prompt's law (so the
 * longest of n candidates keeps the within-prompt correlation), averaged over prompts. A request with
 * `maxTokens` above the measured one cannot be told from the data how far responses cut at the
 * measured limit would have run: they count as running to `maxTokens` (an upper bound). Blockwise
 * decoding's continuations of a prefix of d tokens follow the same per-prompt law given L > d, except
 * the committed one: the scores choose it, so its length follows the law measured by running blockwise
 * (measure_blockwise.ts) or, for a configuration not measured, the law of the answer best-of-k chooses
 * under the nearest measured weighting (chosen_law.ts, from each response's measured aggregate). Where
 * blockwise's runs were measured and the request is no longer than they were, its compute is instead
 * their blocks replayed (blockwise_replay.ts).
 *
 * Nearest weighting: weights are normalised to sum 1 and compared by L1 distance over the union of
 * criteria (0 = the same weighting up to scale). Curves are in the calibrated units of that
 * weighting, so they rank options for the request without claiming its exact reward.
 *
 * @module
 */
import type { Cost, CostParams } from "../aligner.ts";
import {
  type BatchShape,
  type BlockExpectation,
  type CompletionLengths,
  type ContinuationLengths,
  expectedBlockwiseCost,
  expectedCost,
} from "../cost.ts";
import type { CriteriaWeights } from "../criteria/mod.ts";
import { replayBlockwiseCost } from "./blockwise_replay.ts";
import { chosenProbabilities } from "./chosen_law.ts";
import { engineMilliseconds } from "./engine_time.ts";
import { expectedMaxOfN } from "./order_statistics.ts";
import type { CurvePoint, QualityCurves, WeightingCurves } from "./store.ts";

/** Expected compute of a run, with its predicted engine time. */
export interface PredictedCost extends Cost {
  milliseconds: number;
}

/** Curves are not changed once loaded, so one set of memoised laws per curves object serves every request. */
const lawsByCurves = new WeakMap<object, CompletionLengths & ContinuationLengths>();

/** Entries a memo keeps before it starts over (distinct max_tokens and block shapes seen by one model). */
const MEMO_LIMIT = 4096;

/**
 * Expected completion lengths from the curves' measured lengths, memoised per `curves` object (the laws
 * need every measured length, so computing them per request cost the planner ~4.5 ms on the default
 * model's curves: `deno task bench:plan`). `curves` must not be changed after the first call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { completionLengths } from "./predict.ts";
 * const lengths = completionLengths({ completionTokens: [[2, 8], [4, 4]], sampling: { maxTokens: 8 } });
 * assert.equal(lengths.meanTokens(8), 4.5);
 * assert.equal(lengths.meanTokens(3), 2.75); // min(L, 3): 2, 3, 3, 3
 * assert.equal(lengths.meanLongest(2, 8), (6.5 + 4) / 2); // E[max of 2] per prompt: 0.25·2 + 0.75·8, 4
 * assert.equal(lengths.meanTokens(10), 5); // the response cut at 8 counts as running to 10: (2 + 10 + 4 + 4) / 4
 * // A block of 3 tokens after 4 committed: only the 8 of the first prompt goes on (3 more tokens).
 * assert.deepEqual(lengths.block(2, 4, 3, 8), { reached: 0.25, meanTokens: 0.75, meanLongest: 0.75 });
 * ```
 */
export function completionLengths(
  curves: { completionTokens: readonly (readonly number[])[]; sampling: { maxTokens: number } },
): CompletionLengths & ContinuationLengths {
  let laws = lawsByCurves.get(curves);
  if (laws === undefined) {
    laws = lengthLaws(curves);
    lawsByCurves.set(curves, laws);
  }
  return laws;
}

/** The laws of {@link completionLengths}, each value computed once per argument list. */
function lengthLaws(
  curves: { completionTokens: readonly (readonly number[])[]; sampling: { maxTokens: number } },
): CompletionLengths & ContinuationLengths {
  const measuredLimit = curves.sampling.maxTokens;
  const clipped = (maxTokens: number) =>
    curves.completionTokens.map((lengths) =>
      lengths.map((length) => (length >= measuredLimit ? maxTokens : Math.min(length, maxTokens)))
    );
  const cache = new Map<string, number>();
  const blocks = new Map<string, BlockExpectation>();
  const memo = (key: string, compute: () => number) => {
    if (!cache.has(key)) {
      if (cache.size >= MEMO_LIMIT) cache.clear();
      cache.set(key, compute());
    }
    return cache.get(key)!;
  };
  return {
    meanTokens: (maxTokens) =>
      memo(`t${maxTokens}`, () => {
        const all = clipped(maxTokens).flat();
        return all.reduce((a, b) => a + b, 0) / all.length;
      }),
    meanLongest: (n, maxTokens) =>
      memo(`l${n},${maxTokens}`, () => {
        const perPrompt = clipped(maxTokens).map((lengths) => expectedMaxOfN(lengths, n));
        return perPrompt.reduce((a, b) => a + b, 0) / perPrompt.length;
      }),
    block: (k, done, size, maxTokens) => {
      const key = `b${k},${done},${size},${maxTokens}`;
      if (!blocks.has(key)) {
        if (blocks.size >= MEMO_LIMIT) blocks.clear();
        blocks.set(key, blockExpectation(clipped(maxTokens), k, done, size));
      }
      return blocks.get(key)!;
    },
  };
}

/** Per prompt: the lengths above `done`, continued for at most `size` tokens; averaged over prompts. */
function blockExpectation(
  perPrompt: readonly (readonly number[])[],
  k: number,
  done: number,
  size: number,
): BlockExpectation {
  const mean: BlockExpectation = { reached: 0, meanTokens: 0, meanLongest: 0 };
  for (const lengths of perPrompt) {
    const steps = lengths.filter((length) => length > done).map((length) => Math.min(length - done, size));
    if (steps.length === 0) continue;
    const reached = steps.length / lengths.length;
    mean.reached += reached / perPrompt.length;
    mean.meanTokens += steps.reduce((a, b) => a + b, 0) / lengths.length / perPrompt.length;
    mean.meanLongest += reached * expectedMaxOfN(steps, k) / perPrompt.length;
  }
  return mean;
}

/**
 * Continuation lengths when the committed (chosen) answer's length has its own law: scores that prefer
 * longer or shorter answers pick continuations that end later or sooner than a random candidate.
 * Per prompt p, the committed answer's length is `committedTokens[p][i]` with probability ∝
 * `committedWeights[p][i]` (default: uniform) and the k − 1 other candidates of a block follow
 * `curves.completionTokens[p]` given L > done (if none of those is that long, the committed law given
 * L > done). With the committed law equal to the candidates' it is {@link completionLengths}' `block`.
 * {@link chosenAnswerLengths} takes the weights from the curves' per-response aggregates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { committedLengths } from "./predict.ts";
 * // Candidates end after 1 or 3 tokens; the committed answer always runs 3. Block of 2 after 0, k = 2:
 * // committed 2 tokens, the other 1 or 2 (mean 1.5); longest 2.
 * const curves = { completionTokens: [[1, 3]], sampling: { maxTokens: 8 } };
 * const expected = { reached: 1, meanTokens: 1.75, meanLongest: 2 };
 * assert.deepEqual(committedLengths(curves, [[3]]).block(2, 0, 2, 8), expected);
 * assert.deepEqual(committedLengths(curves, [[1, 3]], [[0, 1]]).block(2, 0, 2, 8), expected);
 * ```
 */
export function committedLengths(
  curves: { completionTokens: readonly (readonly number[])[]; sampling: { maxTokens: number } },
  committedTokens: readonly (readonly number[])[],
  committedWeights?: readonly (readonly number[])[],
): ContinuationLengths {
  if (committedTokens.length !== curves.completionTokens.length) {
    throw new RangeError(
      `${committedTokens.length} committed laws for ${curves.completionTokens.length} prompts`,
    );
  }
  committedWeights?.forEach((weights, p) => {
    if (weights.length !== committedTokens[p].length) {
      throw new RangeError(`prompt ${p}: ${weights.length} weights for ${committedTokens[p].length} lengths`);
    }
  });
  /** A law as (length, weight) pairs, cut at maxTokens (measured cuts count as running to it). */
  const law = (lengths: readonly number[], weights: readonly number[] | undefined, maxTokens: number) =>
    lengths.map((l, i) => ({
      length: l >= curves.sampling.maxTokens ? maxTokens : Math.min(l, maxTokens),
      weight: weights?.[i] ?? 1,
    })).filter(({ weight }) => weight > 0);
  type Law = ReturnType<typeof law>;
  const mass = (xs: Law) => xs.reduce((sum, { weight }) => sum + weight, 0);
  return {
    block: (k, done, size, maxTokens) => {
      const mean: BlockExpectation = { reached: 0, meanTokens: 0, meanLongest: 0 };
      const steps = (xs: Law) =>
        xs.filter(({ length }) => length > done).map(({ length, weight }) => ({
          length: Math.min(length - done, size),
          weight,
        }));
      committedTokens.forEach((lengths, p) => {
        const committed = law(lengths, committedWeights?.[p], maxTokens);
        const chosen = steps(committed);
        if (chosen.length === 0) return;
        const candidates = steps(law(curves.completionTokens[p], undefined, maxTokens));
        const others = candidates.length > 0 ? candidates : chosen;
        const reached = mass(chosen) / mass(committed);
        const average = (xs: Law) =>
          xs.reduce((sum, { length, weight }) => sum + length * weight, 0) / mass(xs);
        const below = (xs: Law, v: number) => mass(xs.filter(({ length }) => length < v)) / mass(xs);
        // E[max] of positive integers: Σ_v P(max ≥ v).
        let longest = 0;
        for (let v = 1; v <= size; v++) longest += 1 - below(chosen, v) * below(others, v) ** (k - 1);
        mean.reached += reached / committedTokens.length;
        mean.meanTokens += reached * (average(chosen) + (k - 1) * average(others)) / k /
          committedTokens.length;
        mean.meanLongest += reached * longest / committedTokens.length;
      });
      return mean;
    },
  };
}

/**
 * Continuation lengths of blockwise decoding with k candidates under `weighting`: the committed answer's
 * length law is best-of-k's chosen answer's (chosen_law.ts, from the weighting's per-response aggregates),
 * the other candidates' the measured law. Curves measured without aggregates: the random-candidate law
 * ({@link completionLengths}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chosenAnswerLengths } from "./predict.ts";
 * // K = 2 responses, k = 2: the pair is both, and best-of-2 commits to the one of aggregate 1 (6 tokens);
 * // the other candidate runs 2 or 6. One block of 8: tokens (6 + 4) / 2 per candidate, longest 6.
 * const curves = { completionTokens: [[2, 6]], sampling: { maxTokens: 8 } };
 * const lengths = chosenAnswerLengths(curves, { aggregates: [[-1, 1]] }, 2);
 * assert.deepEqual(lengths.block(2, 0, 8, 8), { reached: 1, meanTokens: 5, meanLongest: 6 });
 * ```
 */
export function chosenAnswerLengths(
  curves: { completionTokens: readonly (readonly number[])[]; sampling: { maxTokens: number } },
  weighting: { aggregates?: readonly (readonly (number | null)[])[] },
  k: number,
): ContinuationLengths {
  if (weighting.aggregates === undefined) return completionLengths(curves);
  return committedLengths(
    curves,
    curves.completionTokens,
    weighting.aggregates.map((aggregates) => chosenProbabilities(aggregates, k)),
  );
}

/**
 * Expected compute and engine time of a run drawing `batches`, for a request of `params`' shape.
 *
 * @example
 * ```ts ignore
 * predictBatches(curves, { promptTokens: 14, maxTokens: 128, criteriaCount: 1 }, [{ size: 4, probability: 1 }], true);
 * ```
 */
export function predictBatches(
  curves: QualityCurves,
  params: CostParams,
  batches: readonly BatchShape[],
  scored: boolean,
  lengths: CompletionLengths = completionLengths(curves),
): PredictedCost {
  return timed(curves, expectedCost(params, batches, scored, lengths));
}

const normalised = (weights: CriteriaWeights) => {
  const positive = Object.entries(weights).filter(([, w]) => w > 0);
  const total = positive.reduce((sum, [, w]) => sum + w, 0);
  return new Map(positive.map(([name, w]) => [name, w / total]));
};

/**
 * The measured weighting nearest to `weights` (see the module documentation) and its distance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nearestWeighting } from "./predict.ts";
 * const weightings: { weights: Record<string, number> }[] = [{ weights: { a: 1 } }, { weights: { a: 1, b: 1 } }];
 * assert.deepEqual(nearestWeighting(weightings, { a: 2, b: 2 }), { weighting: weightings[1], distance: 0 });
 * assert.equal(nearestWeighting(weightings, { a: 3, b: 1 }).distance, 0.5);
 * ```
 */
export function nearestWeighting<W extends { weights: CriteriaWeights }>(
  weightings: readonly W[],
  weights: CriteriaWeights,
): { weighting: W; distance: number } {
  const target = normalised(weights);
  let best: { weighting: W; distance: number } | undefined;
  for (const weighting of weightings) {
    const measured = normalised(weighting.weights);
    let distance = 0;
    for (const name of new Set([...target.keys(), ...measured.keys()])) {
      distance += Math.abs((target.get(name) ?? 0) - (measured.get(name) ?? 0));
    }
    distance = Math.round(distance * 1e12) / 1e12;
    if (best === undefined || distance < best.distance) best = { weighting, distance };
  }
  if (best === undefined) throw new RangeError("no measured weighting");
  return best;
}

/** The candidate batches a run of a known aligner draws; undefined for an aligner the curves do not model. */
export function alignerBatches(
  aligner: { name: string; params: Record<string, unknown> },
  weighting?: WeightingCurves,
): BatchShape[] | undefined {
  const { name, params } = aligner;
  if (name === "plain_sampling") return [{ size: 1, probability: 1 }];
  if (name === "best_of_n" || name === "soft_best_of_n") {
    return [{ size: params.n as number, probability: 1 }];
  }
  if (name !== "rejection_sampling") return undefined;
  const same = (point: CurvePoint) =>
    point.aligner === name && Object.entries(point.params).every(([key, value]) => params[key] === value);
  const measured = weighting?.points.find(same);
  if (measured?.aligner === "rejection_sampling") return measured.batches;
  // Not measured for this bound and temperature: the worst case, every batch drawn.
  const [batchSize, maxDraws] = [params.batchSize as number, params.maxDraws as number];
  return Array.from({ length: Math.ceil(maxDraws / batchSize) }, (_, j) => ({
    size: Math.min(batchSize, maxDraws - j * batchSize),
    probability: 1,
  }));
}

/**
 * Expected compute of running `aligner` for a request (undefined for aligners the curves do not model).
 * Rejection sampling uses the early-stop probabilities measured for the nearest weighting when its
 * parameters were measured, else the worst case. Blockwise decoding: the blocks of the runs measured
 * with the same k and block size under the nearest weighting, replayed (blockwise_replay.ts); for a
 * request longer than those runs, {@link expectedBlockwiseCost} with their committed answers' length law;
 * for a configuration not measured, with best-of-k's chosen answer's law ({@link chosenAnswerLengths};
 * `lengths`, the random-candidate law, when the curves hold no aggregates). The planner prices its
 * blockwise options here.
 */
export function predictAlignerCost(
  curves: QualityCurves,
  aligner: { name: string; params: Record<string, unknown> },
  params: CostParams,
  weights: CriteriaWeights,
  lengths?: CompletionLengths & ContinuationLengths,
): PredictedCost | undefined {
  const { weighting } = nearestWeighting(curves.weightings, weights);
  if (aligner.name === "blockwise") {
    const { k, blockTokens, maxBlocks } = aligner.params as {
      k: number;
      blockTokens: number;
      maxBlocks?: number;
    };
    const measured = weighting.blockwise?.find((run) => run.k === k && run.blockTokens === blockTokens);
    const replayed = measured &&
      replayBlockwiseCost(
        measured.candidateTokens,
        curves.sampling.maxTokens,
        blockTokens,
        params,
        maxBlocks,
      );
    if (replayed !== undefined) return timed(curves, replayed);
    const continuations = measured !== undefined
      ? committedLengths(curves, measured.committedTokens)
      : weighting.aggregates === undefined
      ? lengths ?? completionLengths(curves)
      : chosenAnswerLengths(curves, weighting, k);
    return timed(curves, expectedBlockwiseCost(params, k, blockTokens, maxBlocks ?? Infinity, continuations));
  }
  const batches = alignerBatches(aligner, weighting);
  if (batches === undefined) return undefined;
  const scored = aligner.name !== "plain_sampling" || aligner.params.score === true;
  return predictBatches(curves, params, batches, scored, lengths);
}

/** A cost with its predicted engine time. */
function timed(curves: QualityCurves, cost: Cost): PredictedCost {
  return { ...cost, milliseconds: engineMilliseconds(curves.timing, cost) };
}
