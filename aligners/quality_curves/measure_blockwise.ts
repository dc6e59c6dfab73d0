/**
 * Blockwise decoding measured by running it. The other aligners' costs follow from the sampled
 * responses' lengths and aggregates alone (best-of-k commits to the response with the
 * largest final aggregate: chosen_law.ts), but blockwise chooses block by block on *prefix* scores, and a
 * reward model judges an unfinished prefix differently from a finished answer: on the default model its
 * answers came out 9–13 % shorter than best-of-k's chosen answers under helpfulness, so the best-of-k
 * law overpredicted its compute by as much. Running it records, per prompt and run, the length of the
 * answer it commits to and what every block generated: the cost model replays the blocks
 * (blockwise_replay.ts) for the configurations measured. It also records that answer's aligned reward:
 * the finished answer scored as a complete response exactly as the sampled responses are
 * (response_aggregates.ts; one scoring per prompt over its runs' answers), so the curve point built from
 * it (curves.ts `blockwisePoint`) compares with best-of-N's expected reward.
 *
 * Runs are sequential; run r of prompt p draws from `new Rng(new Rng(seed).fork(p · runsPerPrompt + r)
 * .nextUint32())`, so a rerun reproduces every run.
 *
 * @module
 */
import type { ComputeSpent, GenerationEngine, SamplingParams } from "../../models/engine/types.ts";
import { Rng } from "../../models/random.ts";
import { createBlockwise } from "../blockwise.ts";
import type { Calibrator, CriteriaWeights, CriterionRegistry } from "../criteria/mod.ts";
import { responseAggregates } from "./response_aggregates.ts";

/** A blockwise configuration to measure, and how many runs per prompt. */
export interface BlockwiseMeasurement {
  k: number;
  blockTokens: number;
  runsPerPrompt: number;
}

/** Input of {@link measureBlockwise}. */
export interface MeasureBlockwiseOptions {
  engine: GenerationEngine;
  model: string;
  registry: CriterionRegistry;
  calibrator: Calibrator;
  prompts: readonly { text: string; promptIds: number[] }[];
  sampling: SamplingParams;
  weights: CriteriaWeights;
  measurement: BlockwiseMeasurement;
  seed: number;
  signal?: AbortSignal;
  /** Called after each prompt's runs. */
  onPrompt?: () => void;
  /** Called with each run's engine compute (calibration fits the engine time to it). */
  onRun?: (compute: ComputeSpent) => void;
}

/** Per prompt, per run: what blockwise decoding did. */
export interface MeasuredBlockwise {
  /** Completion tokens of the answer committed to. */
  committedTokens: number[][];
  /** Tokens each candidate of each block generated (the receipt's `candidateTokensPerBlock`). */
  candidateTokens: number[][][][];
  /** The committed answer's aggregate under the weighting (null: no criterion applies). */
  rewards: (number | null)[][];
}

/**
 * Runs blockwise decoding `runsPerPrompt` times on every prompt and records its answers' lengths and
 * rewards and its blocks.
 *
 * @example
 * ```ts ignore
 * const { committedTokens, candidateTokens, rewards } = await measureBlockwise({ engine, model: "default", registry,
 *   calibrator, prompts, sampling, weights: { helpfulness: 1 },
 *   measurement: { k: 4, blockTokens: 16, runsPerPrompt: 2 }, seed: 1 });
 * ```
 */
export async function measureBlockwise(options: MeasureBlockwiseOptions): Promise<MeasuredBlockwise> {
  const { k, blockTokens, runsPerPrompt } = options.measurement;
  if (!Number.isInteger(runsPerPrompt) || runsPerPrompt < 1) {
    throw new RangeError(`runsPerPrompt must be an integer ≥ 1, got ${runsPerPrompt}`);
  }
  const aligner = createBlockwise({ k, blockTokens });
  const seeds = new Rng(options.seed);
  const measured: MeasuredBlockwise = { committedTokens: [], candidateTokens: [], rewards: [] };
  for (const [p, prompt] of options.prompts.entries()) {
    const lengths: number[] = [];
    const blocks: number[][][] = [];
    const answers: string[] = [];
    for (let run = 0; run < runsPerPrompt; run++) {
      options.signal?.throwIfAborted();
      const { choice, receipt } = await aligner.run({
        model: options.model,
        promptIds: prompt.promptIds,
        prompt: prompt.text,
        sampling: options.sampling,
        criteria: { weights: options.weights },
        calibrator: options.calibrator,
      }, {
        engine: options.engine,
        criteria: options.registry,
        rng: new Rng(seeds.fork(p * runsPerPrompt + run).nextUint32()),
        signal: options.signal,
      });
      options.onRun?.(receipt.compute);
      lengths.push(choice.completionTokens);
      blocks.push(receipt.details!.candidateTokensPerBlock as number[][]);
      answers.push(choice.text);
    }
    measured.committedTokens.push(lengths);
    measured.candidateTokens.push(blocks);
    measured.rewards.push(
      await responseAggregates(
        options.registry,
        options.calibrator,
        options.weights,
        prompt.text,
        answers,
        options.signal,
      ),
    );
    options.onPrompt?.();
  }
  return measured;
}
