/**
 * `length`: closeness to a target length (verifiable criterion), IAMA.md §5:
 *
 *     r(y) = −((|y| − L) / L_max)²
 *
 * |y| counts words (runs of non-space characters) or, when the criterion is built with a token
 * counter, tokens. L is `params.target` (default: the configured default target) and L_max the
 * scale (`params.scale`, default: the configured scale). r = 0 exactly on target; being 1·L_max off
 * costs 1.
 *
 * Partial scoring *(project choice)*: a prefix is scored by the best score any completion of it
 * could still reach. A prefix shorter than the target is not yet penalised (0: it can still land on
 * target); one already past it is penalised for the overshoot so far, which can only grow. So the
 * partial score is an optimistic upper bound of the final score, and equals it once the prefix
 * reaches or passes the target.
 *
 * @module
 */
import { z } from "zod";
import type { Criterion, ScoreOptions } from "./criterion.ts";
import { parseParams } from "./params.ts";
import { scoreSync } from "./_scoring.ts";

/** Configuration of {@link createLengthCriterion}. */
export interface LengthCriterionConfig {
  /** Target length L when a request gives none. Default 50. */
  defaultTarget?: number;
  /** Scale L_max when a request gives none. Default 100. */
  defaultScale?: number;
  /** Counts the length of a response in tokens; default: words (runs of non-space characters). */
  countTokens?: (text: string) => number;
}

/** Per-request parameters of `length`. */
export const lengthParamsSchema = z.strictObject({
  /** Target length L, in words (or tokens when the criterion counts tokens). */
  target: z.number().int().min(0).max(1_000_000).optional(),
  /** Scale L_max: the distance from target that costs 1. */
  scale: z.number().positive().max(1_000_000).optional(),
});

/**
 * Number of words: runs of non-whitespace characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countWords } from "./length.ts";
 * assert.equal(countWords("  Boil the eggs,\tthen cool them. "), 6);
 * ```
 */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/**
 * The length reward for a response of `length` units; with `partial`, the best reachable score.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lengthReward } from "./length.ts";
 * assert.equal(lengthReward(75, 50, 100), -0.0625); // 25 over → −(25/100)²
 * assert.equal(lengthReward(30, 50, 100, true), 0); // a short prefix can still reach 50
 * ```
 */
export function lengthReward(length: number, target: number, scale: number, partial = false): number {
  if (partial && length <= target) return 0;
  const distance = (length - target) / scale;
  return distance === 0 ? 0 : -(distance * distance);
}

/**
 * Creates the `length` criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLengthCriterion } from "./length.ts";
 * const length = createLengthCriterion({ defaultTarget: 3, defaultScale: 2 });
 * const scores = await length.score("", ["one two three", "one"], { params: { target: 1 } });
 * assert.deepEqual([...scores], [-1, 0]);
 * ```
 */
export function createLengthCriterion(config: LengthCriterionConfig = {}): Criterion {
  const defaults = parseParams("length", lengthParamsSchema, {
    target: config.defaultTarget ?? 50,
    scale: config.defaultScale ?? 100,
  });
  const measure = config.countTokens ?? countWords;
  const unit = config.countTokens ? "tokens" : "words";
  return {
    name: "length",
    description: `Closeness to a target length in ${unit}: -((|y| - target) / scale)^2 ` +
      `(params: target, default ${defaults.target}; scale, default ${defaults.scale}).`,
    kind: "verifiable",
    supportsPartial: true,
    paramsSchema: lengthParamsSchema,
    score(_prompt: string, candidates: readonly string[], options: ScoreOptions = {}): Promise<Float64Array> {
      return scoreSync(() => {
        const params = parseParams("length", lengthParamsSchema, options.params);
        const target = params.target ?? defaults.target!;
        const scale = params.scale ?? defaults.scale!;
        return Float64Array.from(candidates, (text) => {
          options.signal?.throwIfAborted();
          return lengthReward(measure(text), target, scale, options.partial ?? false);
        });
      });
    },
  };
}
