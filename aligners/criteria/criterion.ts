/**
 * The criterion contract: a named, stateless scorer of (prompt, candidates). Higher is better for
 * every criterion, so non-negative weights always mean "more of this". NaN means "not applicable"
 * (the weighting drops it for that candidate and renormalises the other weights).
 *
 * @module
 */
import type { ZodType } from "zod";

/** How a criterion computes its score: a checkable rule, a word list, or a learned model. */
export type CriterionKind = "verifiable" | "lexicon" | "reward_model";

/** Options of {@link Criterion.score}. */
export interface ScoreOptions {
  /** The candidates are unfinished prefixes (e.g. for beam or lookahead aligners). */
  partial?: boolean;
  /** Per-request parameters, validated by the criterion's `paramsSchema`. */
  params?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** One scoring rule. */
export interface Criterion {
  readonly name: string;
  readonly description: string;
  readonly kind: CriterionKind;
  /** Whether a partial score means something; when false, `partial: true` scores are all NaN. */
  readonly supportsPartial: boolean;
  /** Schema of `ScoreOptions.params` (absent: the criterion takes none). */
  readonly paramsSchema?: ZodType<Record<string, unknown>>;
  /** One score per candidate, in order; NaN = not applicable. Throws CriterionParamsError on bad params. */
  score(prompt: string, candidates: readonly string[], options?: ScoreOptions): Promise<Float64Array>;
}

/** What {@link CriterionRegistry.list} tells about a criterion. */
export interface CriterionInfo {
  name: string;
  description: string;
  kind: CriterionKind;
  supportsPartial: boolean;
}
