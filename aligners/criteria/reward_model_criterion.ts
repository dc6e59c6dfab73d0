/**
 * A bring-your-own reward model as a criterion: score = the logit of one label of a
 * sequence-classification model (models/reward_model) on the text built from prompt and response.
 *
 * Input text *(project choice)*: by default `prompt + "\n\n" + response` (`input: "concat"`); the
 * separator is configurable, and since special tokens written in the text are recognised, a
 * BERT-style pair model can be given `separator: " [SEP] "`. `input: "response"` scores the
 * response alone (e.g. a sentiment or toxicity classifier). Long inputs lose tokens at the start
 * (see models/reward_model/sequence_encoder.ts), so the response survives.
 *
 * Label: `label` option (name, `LABEL_k` or index); default the single logit of a one-label model,
 * or "positive" / LABEL_1 of a two-label model.
 *
 * Partial scoring: not supported (NaN): reward models are trained on finished responses.
 *
 * @module
 */
import { RewardModel, type RewardModelOptions } from "../../models/reward_model/mod.ts";
import type { Criterion, ScoreOptions } from "./criterion.ts";
import { validateParams } from "./params.ts";
import { notApplicable } from "./_scoring.ts";

/** The part of a loaded reward model the criterion uses (a RewardModel, or a stand-in in tests). */
export interface SequenceScorer {
  labelIndex(label?: string | number): number;
  scores(
    texts: readonly string[],
    labelIndex: number,
    options?: { signal?: AbortSignal },
  ): Promise<Float64Array>;
}

/** Options of {@link createRewardModelCriterion}. */
export interface RewardModelCriterionOptions {
  /** Criterion name (lower-case identifier, e.g. `helpfulness`). */
  name: string;
  description?: string;
  /** Label whose logit is the score (default: see module documentation). */
  label?: string | number;
  /** What the model reads: `concat` (prompt, separator, response; default) or `response` only. */
  input?: "concat" | "response";
  /** Between prompt and response in `concat` mode. Default "\n\n". */
  separator?: string;
  /**
   * Partial responses: `prefix` (default) scores an unfinished response as if it were complete — the
   * value estimate reward-guided decoding uses; `none` makes partial scores not applicable (NaN).
   */
  partial?: "prefix" | "none";
}

/**
 * The text a reward model reads for one candidate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rewardModelInput } from "./reward_model_criterion.ts";
 * assert.equal(rewardModelInput("Q?", "A."), "Q?\n\nA.");
 * assert.equal(rewardModelInput("Q?", "A.", { input: "response" }), "A.");
 * ```
 */
export function rewardModelInput(
  prompt: string,
  response: string,
  options: Pick<RewardModelCriterionOptions, "input" | "separator"> = {},
): string {
  return (options.input ?? "concat") === "response"
    ? response
    : prompt + (options.separator ?? "\n\n") + response;
}

/**
 * Wraps a loaded sequence classifier as a criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRewardModelCriterion } from "./reward_model_criterion.ts";
 * const byLength = { // a stand-in scorer: the text length
 *   labelIndex: () => 0,
 *   scores: (texts: readonly string[]) => Promise.resolve(Float64Array.from(texts, (t) => t.length)),
 * };
 * const criterion = createRewardModelCriterion(byLength, { name: "helpfulness", separator: "|" });
 * assert.deepEqual([...await criterion.score("ab", ["c", "cd"])], [4, 5]); // "ab|c", "ab|cd"
 * ```
 */
export function createRewardModelCriterion(
  model: SequenceScorer,
  options: RewardModelCriterionOptions,
): Criterion {
  const labelIndex = model.labelIndex(options.label);
  const criterion: Criterion = {
    name: options.name,
    description: options.description ?? `Reward model "${options.name}" (logit of label ${labelIndex}).`,
    kind: "reward_model",
    supportsPartial: options.partial !== "none",
    async score(prompt: string, candidates: readonly string[], scoreOptions: ScoreOptions = {}) {
      validateParams(criterion, scoreOptions.params);
      if (scoreOptions.partial && !criterion.supportsPartial) return notApplicable(candidates.length);
      const texts = candidates.map((response) => rewardModelInput(prompt, response, options));
      return await model.scores(texts, labelIndex, { signal: scoreOptions.signal });
    },
  };
  return criterion;
}

/**
 * Loads a model folder and wraps it as a criterion; `release()` frees the ONNX session.
 *
 * @example
 * ```ts ignore
 * const { criterion, release } = await loadRewardModelCriterion("models/rm", { name: "helpfulness", threads: 1 });
 * registry.register(criterion);
 * ```
 */
export async function loadRewardModelCriterion(
  path: string,
  options: RewardModelCriterionOptions & RewardModelOptions,
): Promise<{ criterion: Criterion; model: RewardModel; release: () => Promise<void> }> {
  const model = await RewardModel.load(path, options);
  try {
    const criterion = createRewardModelCriterion(model, options);
    return { criterion, model, release: () => model.release() };
  } catch (error) {
    await model.release();
    throw error;
  }
}
