/**
 * The aligner contract (IAMA.md §1): an aligner turns the served policy π into an aligned one at
 * inference time by asking the engine for candidates (never sampling tokens itself) and choosing
 * among them by the request's weighted criteria. Budgets are fixed when an aligner is built
 * (`createBestOfN({ n: 4 })`), so `estimateCost` only needs the request's shape.
 *
 * Seeds: the request seed reaches the aligner as `rng` (`new Rng(seed)`). Candidate seeds and every
 * choice are forks of it ({@link GENERATION_STREAM}, {@link CHOICE_STREAM}), so one seed reproduces
 * both; `task.sampling.seed` is ignored.
 *
 * @module
 */
import type { Aggregator, Calibrator, CriteriaWeights, CriterionRegistry } from "./criteria/mod.ts";
import type {
  ComputeSpent,
  FinishReason,
  GeneratedToken,
  GenerationEngine,
  SamplingParams,
} from "../models/engine/types.ts";
import type { Rng } from "../models/random.ts";

/** Stream id of the choice generator: `rng.fork(CHOICE_STREAM)`. */
export const CHOICE_STREAM = 0;
/** Stream id of candidate batch b's engine seed: `rng.fork(GENERATION_STREAM + b)`. */
export const GENERATION_STREAM = 1;

/** What the candidates are judged on. */
export interface TaskCriteria {
  /** Criterion name → non-negative weight (at least one positive). */
  weights: CriteriaWeights;
  /** Per-criterion parameters, by criterion name. */
  params?: Readonly<Record<string, Record<string, unknown>>>;
  /** How weighted calibrated scores combine (default sum). */
  aggregator?: Aggregator;
}

/** One request to align: what to generate and what to prefer. */
export interface AlignmentTask {
  /** Engine model name. */
  model: string;
  promptIds: number[];
  /** Prompt text, as criteria see it. */
  prompt: string;
  sampling: SamplingParams;
  criteria: TaskCriteria;
  calibrator: Calibrator;
}

/** What an aligner is run with. */
export interface AlignerContext {
  engine: GenerationEngine;
  criteria: CriterionRegistry;
  /** The request's generator (`new Rng(seed)`); aligners only fork it. */
  rng: Rng;
  signal?: AbortSignal;
  /**
   * Called with each piece of the answer as soon as it is final, for aligners that commit text before
   * the run ends (blockwise decoding: every chosen block). Others call it never; the pieces joined are
   * a prefix of `choice.text` (the rest is known when the run returns).
   */
  onCommit?: (piece: CommittedPiece) => void;
}

/** A piece of the answer an aligner has committed to (see {@link AlignerContext.onCommit}). */
export interface CommittedPiece {
  text: string;
  tokens: GeneratedToken[];
}

/** The request's shape, enough to predict cost. */
export interface CostParams {
  promptTokens: number;
  maxTokens: number;
  /** Criteria with a positive weight. */
  criteriaCount: number;
}

/** Predicted compute (for runs that generate `maxTokens` per candidate; an upper bound otherwise). */
export interface Cost {
  forwardPasses: number;
  /** Prompt tokens prefilled: each engine request prefills its whole prompt once for all its candidates. */
  prefillTokens: number;
  generatedTokens: number;
  /** Criterion scorings: one per (positively weighted criterion, candidate). */
  rewardEvaluations: number;
}

/** The completion an aligner returns. */
export interface Choice {
  /** Index among the candidates considered (in draw order). */
  index: number;
  text: string;
  completionTokens: number;
  finishReason: FinishReason;
  /** Its tokens (an ending EOS included), with log-probs when `task.sampling.logprobs` was set. */
  tokens: GeneratedToken[];
}

/** Compute a run spent: the engine's, summed over its generate calls, plus scoring and wall time. */
export interface ReceiptCompute extends ComputeSpent {
  rewardEvaluations: number;
  /** Wall-clock time of the whole run (generation, scoring, choice). */
  wallMilliseconds: number;
}

/** One criterion's part in the chosen candidate's score (null = not applicable). */
export interface ReceiptCriterion {
  weight: number;
  raw: number | null;
  calibrated: number | null;
}

/** What was done for a request and why this completion: JSON-ready (NaN becomes null). */
export interface Receipt {
  aligner: string;
  /** The aligner's budget and parameters. */
  params: Record<string, unknown>;
  modelVersion: string;
  /** Engine seed of each candidate batch. */
  seeds: number[];
  /** Candidates considered. */
  candidates: number;
  chosen: number;
  /** Aggregate of the chosen candidate (absent when nothing was scored). */
  aggregate?: number | null;
  /** Aggregate of every candidate, in draw order. */
  aggregates?: (number | null)[];
  /** Per-criterion raw and calibrated scores of the chosen candidate. */
  criteria?: Record<string, ReceiptCriterion>;
  aggregator?: Aggregator;
  calibrationVersion?: string;
  compute: ReceiptCompute;
  /** Aligner-specific facts (e.g. rejection sampling's acceptance). */
  details?: Record<string, unknown>;
}

/** The result of {@link Aligner.run}. */
export interface AlignerResult {
  choice: Choice;
  receipt: Receipt;
}

/** An inference-time aligner with its budget. */
export interface Aligner {
  readonly name: string;
  /** The budget and parameters it was built with (as in receipts). */
  readonly params: Record<string, unknown>;
  estimateCost(params: CostParams): Cost;
  run(task: AlignmentTask, context: AlignerContext): Promise<AlignerResult>;
}
