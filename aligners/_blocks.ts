/**
 * What blockwise aligners (blockwise decoding, pruned best-of-N) share: requesting a block, decoding an
 * answer made of several engine requests' tokens, and scoring a mix of finished and unfinished candidates.
 *
 * Scoring rule: a candidate whose text is final (it stopped, or reached max_tokens) is scored by every
 * criterion; an unfinished one with `partial: true`, where criteria without partial support answer NaN
 * and the weighting drops them (renormalising the others). A candidate no criterion can judge yet has
 * an aggregate of NaN and is never preferred to one that has a score (see choice.ts).
 *
 * @module
 */
import { candidateBreakdown, type CriterionRegistry } from "./criteria/mod.ts";
import type { AlignmentTask, ReceiptCriterion } from "./aligner.ts";
import { StopStringFilter } from "../models/engine/stop_strings.ts";
import type { GenerationEngine } from "../models/engine/types.ts";
import { type CandidateBatch, requestCandidates } from "./candidates.ts";
import { scoreTask } from "./score.ts";

/**
 * `text` cut before its first stop string, and whether one matched. Blockwise aligners decode the
 * whole answer so far (a character or a stop string may straddle a block boundary, which no single
 * engine request can see) and cut it here as the engine would have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutAtStop } from "./_blocks.ts";
 * assert.deepEqual(cutAtStop("Hi.\n\nBye", ["\n\n"]), { text: "Hi.", stopped: true });
 * assert.deepEqual(cutAtStop("Hi. Bye", ["\n\n"]), { text: "Hi. Bye", stopped: false });
 * ```
 */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  const filter = new StopStringFilter(stops);
  const cut = filter.push(text);
  return filter.stopped ? { text: cut, stopped: true } : { text, stopped: false };
}

/**
 * Decoded text of `ids` as the engine streams it (special tokens left out), cut at a stop string.
 *
 * @example
 * ```ts ignore
 * const { text, stopped } = await decodeAnswer(engine, "m", ids, ["\n\n"]);
 * ```
 */
export async function decodeAnswer(
  engine: GenerationEngine,
  model: string,
  ids: number[],
  stops: readonly string[],
): Promise<{ text: string; stopped: boolean }> {
  return cutAtStop(await engine.detokenize(model, ids, { skipSpecialTokens: true }), stops);
}

/** The part of an unfinished answer safe to show: without a trailing incomplete character (U+FFFD). */
export function settledText(text: string, final: boolean): string {
  return final ? text : text.replace(/\uFFFD+$/, "");
}

/** Aggregates of one block's candidates, with how to explain one of them in a receipt. */
export interface BlockScores {
  aggregates: Float64Array;
  rewardEvaluations: number;
  /** Per-criterion raw and calibrated scores of candidate i. */
  breakdown(i: number): Record<string, ReceiptCriterion>;
  aggregator: NonNullable<AlignmentTask["criteria"]["aggregator"]>;
  calibrationVersion?: string;
}

/**
 * Scores `texts`: those marked `final` with every criterion, the others as partial prefixes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "./criteria/mod.ts";
 * import { scoreBlock } from "./_blocks.ts";
 * const task = {
 *   prompt: "Hi?",
 *   criteria: { weights: { length: 1 }, params: { length: { target: 1, scale: 1 } } },
 *   calibrator: new Calibrator(undefined, { missing: "identity" }),
 * };
 * const registry = new CriterionRegistry(createBuiltinCriteria());
 * const scores = await scoreBlock(task, registry, ["Hello there", "Hi"], [true, true]);
 * assert.deepEqual([...scores.aggregates], [-1, 0]);
 * ```
 */
export async function scoreBlock(
  task: Pick<AlignmentTask, "prompt" | "criteria" | "calibrator">,
  registry: CriterionRegistry,
  texts: readonly string[],
  final: readonly boolean[],
  signal?: AbortSignal,
): Promise<BlockScores> {
  const groups = [true, false].map((isFinal) => texts.map((_, i) => i).filter((i) => final[i] === isFinal));
  const scored = await Promise.all(
    groups.map((indices, g) =>
      indices.length === 0
        ? undefined
        : scoreTask(task, registry, indices.map((i) => texts[i]), signal, g === 1)
    ),
  );
  const aggregates = new Float64Array(texts.length);
  const where: { group: number; at: number }[] = [];
  groups.forEach((indices, g) =>
    indices.forEach((i, at) => {
      aggregates[i] = scored[g]!.weighted.scores[at];
      where[i] = { group: g, at };
    })
  );
  const any = (scored[0] ?? scored[1])!.weighted;
  return {
    aggregates,
    rewardEvaluations: (scored[0]?.rewardEvaluations ?? 0) + (scored[1]?.rewardEvaluations ?? 0),
    breakdown: (i) => candidateBreakdown(scored[where[i].group]!.weighted, where[i].at),
    aggregator: any.aggregator,
    calibrationVersion: any.calibrationVersion,
  };
}

/** One block's continuation request: which candidates, after how many committed tokens. */
export interface BlockRequest {
  /** The prompt followed by the `done` tokens already generated for these candidates. */
  promptIds: number[];
  n: number;
  done: number;
  /** Random stream of the first candidate (default 0); candidate j draws from stream firstStream + j. */
  firstStream?: number;
}

/**
 * Requests the next block: at most `blockTokens` (and no further than `limit` in all), on the run's
 * one engine seed, resuming the candidates' random streams after `done` tokens.
 */
export function requestBlock(
  engine: GenerationEngine,
  task: AlignmentTask,
  block: BlockRequest,
  shape: { seed: number; blockTokens: number; limit: number },
  signal?: AbortSignal,
): Promise<CandidateBatch> {
  return requestCandidates(engine, {
    model: task.model,
    promptIds: block.promptIds,
    n: block.n,
    sampling: {
      ...task.sampling,
      maxTokens: Math.min(shape.blockTokens, shape.limit - block.done),
      seed: shape.seed,
    },
    resumeTokens: block.done,
    ...(block.firstStream === undefined ? {} : { firstStream: block.firstStream }),
  }, signal);
}

/** Checks a block length: an integer ≥ 1. */
export function checkBlockTokens(value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`blockTokens must be an integer ≥ 1, got ${value}`);
  }
}
