/**
 * What the IAMA benchmarks share (docs/iama.md): the prompts, the reward models' calibration under the
 * starting model, the training settings common to every run, and experiment (b)'s task mixes. Used by
 * `bench:iama` (iama_bench.ts: length control and the fixed-β ladders) and `bench:iama-fronts`
 * (iama_fronts.ts: the fronts traced by β at convergence), so both train and evaluate alike.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { CalibrationSet, Calibrator, CriterionRegistry } from "../aligners/criteria/mod.ts";
import { createEngine, type GenerationEngine } from "../models/engine/mod.ts";
import { generateDialogues, heldOutPrompts } from "../trainer/corpus/mod.ts";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import type { GrpoConfigInput } from "../trainer/grpo/mod.ts";
import { rewardModelCalibration, rewardModelCriteria } from "./iama_criteria.ts";
import { METRIC_DIRECTIONS } from "./iama_ladder.ts";
import { type RunOutcome, type RunPlan, trainingRecord } from "./iama_runs.ts";
import { evaluateRewards, klFromReference, type RewardEvaluation, samplePools } from "./iama_eval.ts";

export const DEFAULT_MODEL = "models/default";
export const MAX_TOKENS = 48;
export const BON = 4;
export const SEED = 7;
export const HELPFULNESS_WEIGHTS = [0, 0.25, 0.5, 0.75, 1];

/**
 * The benches' command line: `--quick` (a smoke test writing only under /tmp) and `--train-only` (train or
 * find every run's weights, then stop: for starting the long part in the background), plus the boolean
 * `extraFlags` a bench names.
 */
export function iamaArgs<Flag extends string = never>(
  args: string[],
  extraFlags: readonly Flag[] = [],
): { quick: boolean; trainOnly: boolean; flags: Record<Flag, boolean> } {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      "train-only": { type: "boolean", default: false },
      ...Object.fromEntries(extraFlags.map((flag) => [flag, { type: "boolean" as const, default: false }])),
    },
  });
  const parsed = values as Record<string, unknown>;
  const flags = Object.fromEntries(extraFlags.map((flag) => [flag, parsed[flag] === true]));
  return {
    quick: parsed.quick === true,
    trainOnly: parsed["train-only"] === true,
    flags: flags as Record<Flag, boolean>,
  };
}

/** Evaluation and calibration sizes of both benches (the smoke test's when `quick`). */
export function evaluationSizes(quick: boolean) {
  return quick
    ? { evalPrompts: 4, evalSamples: 8, klPrompts: 2, klSamples: 2, calibrationPrompts: 4 }
    : { evalPrompts: 32, evalSamples: 16, klPrompts: 32, klSamples: 8, calibrationPrompts: 32 };
}

/** `count` items evenly spread over `items` (all of them when there are fewer). */
export function spread<T>(items: readonly T[], count: number): T[] {
  return Array.from(
    { length: Math.min(count, items.length) },
    (_, i) => items[Math.floor(i * items.length / count)],
  );
}

/** Training and evaluation prompts of both experiments. */
export interface IamaPrompts {
  /** Every unique prompt of the training dialogues (experiment a). */
  training: string[];
  /** Risky and safe training prompts alternating (experiment b: the reward models conflict on risky ones). */
  balancedTraining: string[];
  /** Held-out prompts spread over all topics (experiment a). */
  lengthEval: string[];
  /** Held-out prompts, half risky and half safe (experiment b). */
  rewardEval: string[];
  /** The subset of `rewardEval` that KL is estimated on. */
  kl: string[];
}

/** The prompts, from the same 3,000 generated dialogues and the held-out set in every run. */
export function iamaPrompts(sizes: { evalPrompts: number; klPrompts: number }): IamaPrompts {
  const dialogues = generateDialogues({ seed: 20261130, count: 3000 });
  const unique = (prompts: string[]) => [...new Set(prompts)];
  const riskyTraining = unique(dialogues.filter((d) => d.risky).map((d) => d.prompt));
  const safeTraining = unique(dialogues.filter((d) => !d.risky).map((d) => d.prompt));
  const heldOut = heldOutPrompts();
  const rewardEval = [
    ...spread(heldOut.filter((p) => p.risky), sizes.evalPrompts / 2),
    ...spread(heldOut.filter((p) => !p.risky), sizes.evalPrompts / 2),
  ].map((p) => p.prompt);
  return {
    training: unique(dialogues.map((d) => d.prompt)),
    balancedTraining: riskyTraining.flatMap((p, i) => i < safeTraining.length ? [p, safeTraining[i]] : [p]),
    lengthEval: spread(heldOut, sizes.evalPrompts).map((p) => p.prompt),
    rewardEval,
    kl: spread(rewardEval, sizes.klPrompts),
  };
}

/** The reward models and their z-score calibration under the starting model. */
export interface CalibratedRewardModels {
  registry: CriterionRegistry;
  release: () => Promise<void>;
  set: CalibrationSet;
  calibrator: Calibrator;
}

/**
 * Loads the shipped reward models and calibrates them on 8 samples of the starting model for each of
 * `promptCount` balanced training prompts.
 */
export async function calibratedRewardModels(
  prompts: IamaPrompts,
  promptCount: number,
): Promise<CalibratedRewardModels> {
  const engine = await createEngine({ models: [{ name: "default", path: DEFAULT_MODEL }], threads: 2 });
  const rewardModels = await rewardModelCriteria(DEFAULT_MODEL, 2);
  try {
    const pool = await samplePools(
      engine,
      "default",
      spread(prompts.balancedTraining, promptCount),
      8,
      MAX_TOKENS,
      SEED + 100,
    );
    const calibration = await rewardModelCalibration(
      rewardModels.registry,
      pool.prompts.flatMap((prompt, i) => pool.responses[i].map((response) => ({ prompt, response }))),
    );
    return { ...rewardModels, ...calibration };
  } catch (error) {
    await rewardModels.release();
    throw error;
  } finally {
    await engine.close();
  }
}

/** The reward models for one training run (one onnxruntime thread: two runs train at a time). */
export function trainingRewardModels(): ReturnType<typeof rewardModelCriteria> {
  return rewardModelCriteria(DEFAULT_MODEL, 1);
}

/** Settings common to every training run (docs/iama.md, Settings). */
export const SHARED_TRAINING = {
  promptsPerStep: 4,
  groupSize: 8,
  maxTokens: MAX_TOKENS,
  seed: SEED,
  threads: 1,
  checkpointEvery: 8,
  aggregator: { kind: "weighted_sum" },
  learningRate: 5e-5,
  kl: { kind: "fixed", beta: 0.05 },
} satisfies Partial<GrpoConfigInput>;

export const BEST_OF_FOUR = [{ aligner: { kind: "best_of_n" as const, n: BON }, weight: 1 }];
export const IDENTITY = [{ aligner: { kind: "identity" as const }, weight: 1 }];

/** Experiment (b)'s methods. */
export type RewardMethod = "iama" | "grpo" | "iama_mix";

/**
 * Experiment (b)'s tasks for a method: a weighting w·help + (1 − w)·harm with w from `tasks.weights`
 * (default {@linkcode HELPFULNESS_WEIGHTS}, 4 tasks per group), and the method's aligners: best-of-4 (IAMA),
 * identity (standard GRPO), or the refresh job's default mix (trainer/jobs/job_spec.ts
 * DEFAULT_TRAINING: best-of-4 three times as often as plain sampling).
 */
export function rewardTasks(
  method: RewardMethod,
  tasks: { weights: readonly number[]; perGroup: number } = { weights: HELPFULNESS_WEIGHTS, perGroup: 4 },
): GrpoConfigInput["tasks"] {
  const aligners = {
    iama: BEST_OF_FOUR,
    grpo: IDENTITY,
    iama_mix: [...BEST_OF_FOUR.map((a) => ({ ...a, weight: 3 })), ...IDENTITY],
  }[method];
  return {
    criterionWeights: {
      kind: "grid",
      points: tasks.weights.map((w) => ({ helpfulness: w, harmlessness: 1 - w })),
    },
    aligners,
    tasksPerGroup: tasks.perGroup,
  };
}

/**
 * The paper's two tasks (IAMA.md §5, as in the toy): best-of-4 with each reward model alone (w = 1 and
 * w = 0), 16 draws per group so each group sees both in nearly equal proportions (as in experiment a).
 */
export const TWO_TASKS = { weights: [0, 1], perGroup: 16 } as const;

/** A progress logger that stamps each line with the minutes since it was made. */
export function progressClock(): (line: string) => void {
  const started = performance.now();
  return (line) => console.log(`[${((performance.now() - started) / 60000).toFixed(1)} min] ${line}`);
}

/** JSON of a result file: non-integer numbers to 4 significant digits, one trailing newline. */
export function roundedJson(value: unknown): string {
  const fourDigits = (_key: string, v: unknown) =>
    typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
  return JSON.stringify(value, fourDigits) + "\n";
}

/** How many prompts and samples evaluation uses. */
export interface EvaluationSizes {
  evalSamples: number;
  klSamples: number;
}

/** KL(base ‖ default model) on the KL prompts, per response (seeded alike for every base). */
export function klFromDefault(
  engine: GenerationEngine,
  base: string,
  prompts: IamaPrompts,
  sizes: EvaluationSizes,
): Promise<KlEstimate> {
  return klFromReference(engine, base, "default", prompts.kl, sizes.klSamples, MAX_TOKENS, SEED + 2);
}

/** One base's experiment (b) evaluation: its KL and its plain and BoN_4 rewards on the held-out prompts. */
export type BaseEvaluation = RewardEvaluation & { kl: KlEstimate };

/** Evaluates one base for experiment (b) (pools seeded alike for every base, so gaps are paired). */
export async function evaluateRewardBase(
  engine: GenerationEngine,
  base: string,
  prompts: IamaPrompts,
  sizes: EvaluationSizes,
  rewardModels: CalibratedRewardModels,
  kl?: KlEstimate,
): Promise<BaseEvaluation> {
  const measuredKl = kl ?? await klFromDefault(engine, base, prompts, sizes);
  const pools = await samplePools(engine, base, prompts.rewardEval, sizes.evalSamples, MAX_TOKENS, SEED + 3);
  const rewards = await evaluateRewards(
    pools,
    rewardModels.registry,
    rewardModels.calibrator,
    HELPFULNESS_WEIGHTS,
    BON,
  );
  return { ...rewards, kl: measuredKl };
}

/** The settings both result files record: what was run, how it was compared, and how long training took. */
export function resultSettings(inputs: {
  quick: boolean;
  sizes: object;
  calibration: CalibrationSet;
  plans: readonly RunPlan[];
  outcomes: Record<string, RunOutcome>;
}) {
  return {
    quick: inputs.quick,
    sizes: inputs.sizes,
    maxTokens: MAX_TOKENS,
    seed: SEED,
    bestOfN: BON,
    helpfulnessWeights: HELPFULNESS_WEIGHTS,
    // How each compared metric is assumed to move with KL in the bracketing verdicts.
    ladderMetrics: METRIC_DIRECTIONS,
    calibration: inputs.calibration,
    configs: Object.fromEntries(inputs.plans.map((plan) => [plan.name, plan.config])),
    trainingStepSeconds: trainingRecord(inputs.outcomes).stepSeconds,
  };
}
