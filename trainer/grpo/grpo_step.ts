/**
 * One non-linear GRPO step (IAMA.md §4): rollouts from the engine serving the current weights, scores,
 * sampled tasks, first-variation rewards and advantages, old and reference log-probs, then
 * `policyEpochs` clipped-surrogate + KL updates with AdamW. Every random choice of step s comes from
 * `Rng(seed).fork(s)`, so a step is reproduced from the run seed and its index alone.
 *
 * @module
 */
import type { Calibrator, CriterionRegistry } from "../../aligners/criteria/mod.ts";
import type { GenerationEngine } from "../../models/engine/mod.ts";
import type { Parameters } from "../../models/gpt/parameters.ts";
import type { TrainingSession } from "../../models/gpt/training_session.ts";
import { Rng } from "../../models/random.ts";
import { type AdamWState, adamWStep, DEFAULT_ADAMW, warmupCosineLearningRate } from "../adamw.ts";
import { renderPrompt } from "../default_model/chat_format.ts";
import { type AlignerSpec, TaskSampler } from "../iama/mod.ts";
import type { GrpoConfig } from "./config.ts";
import { directionFidelity, sequenceLogRatios } from "./direction.ts";
import { nextKlBeta } from "./kl_controller.ts";
import { policyGradient, tokenLogprobs, tokenStatistics } from "./policy_update.ts";
import { type GroupAdvantages, groupAdvantages, type GroupScores, scoreGroup } from "./rewards.ts";
import { collectRollouts, type Completion } from "./rollouts.ts";
import { packPolicyRows, type PolicyRow } from "./sequences.ts";

/** What one step logs (returned to `onStep` and appended to the run's JSONL log). */
export interface GrpoStepLog {
  /** 1-based index of the step just completed, and the run's total (for progress and ETA). */
  step: number;
  totalSteps: number;
  /** Mean score per criterion over the step's completions (not-applicable scores left out). */
  meanRawReward: Record<string, number>;
  meanCalibratedReward: Record<string, number>;
  /** Each group's tasks with their plug-in values R̂_k, and g(R̂). */
  groups: {
    prompt: string;
    tasks: { criterionWeights: Record<string, number>; aligner: AlignerSpec; value: number }[];
    objective: number;
  }[];
  /** Mean of g(R̂) over groups. */
  meanObjective: number;
  /** k3 KL(π ‖ π_ref) per completion token, at the rollout policy. */
  kl: number;
  /**
   * Within-group correlation of the rollouts' log π/π_ref (rollout policy) with their advantages: how
   * much of the policy's change so far points along this step's objective direction (direction.ts).
   * Null while the policy equals the reference (the first step) or no group's advantages vary.
   */
  directionFidelity: number | null;
  /** β used by this step's loss. */
  beta: number;
  entropy: number;
  completionLength: { mean: number; min: number; max: number };
  /** Fraction of completion tokens where clipping was active, mean over policy epochs. */
  clipFraction: number;
  /** Loss and gradient norm (before clipping), means over policy epochs. */
  loss: number;
  gradientNorm: number;
  learningRate: number;
  /** Wall time of the step, and its phases: writing and loading the weights into the engine, rollouts,
   * scoring with tasks and advantages, and the log-prob forwards with the policy updates. */
  seconds: number;
  phaseSeconds: { serve: number; rollouts: number; scoring: number; update: number };
}

/** Per-sample data of a step, for callers who want more than the log (not written to disk). */
export interface GrpoStepDetails {
  groups: { prompt: string; completions: Completion[]; scores: GroupScores; advantages: GroupAdvantages }[];
}

/** What a step needs that does not change between steps. */
export interface GrpoStepContext {
  config: GrpoConfig;
  engine: GenerationEngine;
  /** Name the engine serves the current weights under. */
  model: string;
  session: TrainingSession;
  referenceParameters: Parameters;
  criteria: CriterionRegistry;
  criterionNames: readonly string[];
  calibrator?: Calibrator;
  taskSampler: TaskSampler;
  prompts: readonly string[];
  padTokenId: number;
  signal?: AbortSignal;
}

/** The state a step changes in place: the weights, the optimizer and β (set for the next step). */
export interface GrpoTrainingState {
  parameters: Parameters;
  optimizer: AdamWState;
  beta: number;
}

/** The prompts of one step: `count` distinct indices (with repeats only if there are fewer prompts). */
export function choosePrompts(promptCount: number, count: number, rng: Rng): number[] {
  let order: number[] = [];
  const chosen: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % promptCount;
    if (k === 0) order = Array.from({ length: promptCount }, (_, index) => index); // a new pass
    const j = k + rng.nextInt(promptCount - k); // partial Fisher–Yates
    [order[k], order[j]] = [order[j], order[k]];
    chosen.push(order[k]);
  }
  return chosen;
}

/**
 * Runs step `stepIndex` (0-based) and updates `state`. Returns undefined, with `state` untouched, when the
 * signal aborted the rollouts.
 */
export async function runGrpoStep(
  context: GrpoStepContext,
  state: GrpoTrainingState,
  stepIndex: number,
): Promise<{ log: GrpoStepLog; details: GrpoStepDetails } | undefined> {
  const { config } = context;
  const started = performance.now();
  const rng = new Rng(config.seed).fork(stepIndex);
  const requests = choosePrompts(context.prompts.length, config.promptsPerStep, rng).map((index) => ({
    prompt: context.prompts[index],
    renderedPrompt: renderPrompt(context.prompts[index]),
    seed: rng.nextUint32(),
  }));
  const rollouts = await collectRollouts(context.engine, context.model, requests, {
    groupSize: config.groupSize,
    maxTokens: config.maxTokens,
    signal: context.signal,
  });
  if (context.signal?.aborted) return undefined;
  const rolloutsDone = performance.now();

  const groups: GrpoStepDetails["groups"] = [];
  for (const rollout of rollouts) {
    const texts = rollout.completions.map((completion) => completion.text);
    const scores = await scoreGroup(context.criteria, context.criterionNames, rollout.prompt, texts, {
      calibrator: context.calibrator,
      params: config.criterionParams, // no signal: once rollouts are in, the step finishes
    });
    const tasks = context.taskSampler.sampleMany(config.tasks.tasksPerGroup, rng);
    const advantages = groupAdvantages(tasks, config.aggregator, scores.calibrated, config.advantage);
    groups.push({ prompt: rollout.prompt, completions: rollout.completions, scores, advantages });
  }
  const scored = performance.now();

  const rows: PolicyRow[] = rollouts.flatMap((rollout, g) =>
    rollout.completions.map((completion, j) => ({
      tokens: [...rollout.promptIds, ...completion.tokenIds],
      promptLength: rollout.promptIds.length,
      advantage: groups[g].advantages.advantages[j],
    }))
  );
  const batches = packPolicyRows(rows, config.microBatchRows, context.padTokenId);
  const oldLogprobs = await tokenLogprobs(context.session, batches, state.parameters);
  const refLogprobs = await tokenLogprobs(context.session, batches, context.referenceParameters);
  const fidelity = directionFidelity(
    rollouts.map((rollout) => rollout.completions.length),
    sequenceLogRatios(batches, oldLogprobs, refLogprobs),
    rows.map((row) => row.advantage),
  );
  const learningRate = warmupCosineLearningRate(
    stepIndex,
    config.learningRate,
    config.warmupSteps,
    config.steps,
    config.finalLearningRateRatio,
  );
  const adamW = {
    ...DEFAULT_ADAMW,
    beta1: config.adamBeta1,
    beta2: config.adamBeta2,
    weightDecay: config.weightDecay,
    maxGradientNorm: config.gradientClipNorm,
  };
  let loss = 0;
  let gradientNorm = 0;
  let clipFraction = 0;
  let kl = 0;
  let entropy = 0;
  for (let epoch = 0; epoch < config.policyEpochs; epoch++) {
    const update = await policyGradient(context.session, batches, {
      oldLogprobs,
      refLogprobs,
      klBeta: state.beta,
      clipEpsilon: config.clipEpsilon,
    }, state.parameters);
    const statistics = tokenStatistics(batches, {
      logprobs: update.logprobs,
      oldLogprobs,
      refLogprobs,
      entropy: update.entropy,
    }, config.clipEpsilon);
    if (epoch === 0) {
      kl = statistics.kl;
      entropy = statistics.entropy;
    }
    clipFraction += statistics.clipFraction / config.policyEpochs;
    loss += update.loss / config.policyEpochs;
    gradientNorm += adamWStep(state.parameters, update.gradients, state.optimizer, learningRate, adamW) /
      config.policyEpochs;
  }
  const finished = performance.now();
  const betaUsed = state.beta;
  state.beta = nextKlBeta(config.kl, state.beta, kl);

  const lengths = rows.map((row) => row.tokens.length - row.promptLength);
  const log: GrpoStepLog = {
    step: stepIndex + 1,
    totalSteps: config.steps,
    meanRawReward: meanScores(groups.map((group) => group.scores.raw)),
    meanCalibratedReward: meanScores(groups.map((group) => group.scores.calibrated)),
    groups: groups.map((group) => ({
      prompt: group.prompt,
      tasks: group.advantages.tasks.map((task, k) => ({
        criterionWeights: { ...task.criterionWeights },
        aligner: task.aligner,
        value: group.advantages.taskValues[k],
      })),
      objective: group.advantages.objective,
    })),
    meanObjective: groups.reduce((sum, group) => sum + group.advantages.objective, 0) / groups.length,
    kl,
    directionFidelity: fidelity,
    beta: betaUsed,
    entropy,
    completionLength: {
      mean: lengths.reduce((a, b) => a + b, 0) / lengths.length,
      min: Math.min(...lengths),
      max: Math.max(...lengths),
    },
    clipFraction,
    loss,
    gradientNorm,
    learningRate,
    seconds: (finished - started) / 1000,
    phaseSeconds: {
      serve: 0, // filled in by the run, which serves the weights
      rollouts: (rolloutsDone - started) / 1000,
      scoring: (scored - rolloutsDone) / 1000,
      update: (finished - scored) / 1000,
    },
  };
  return { log, details: { groups } };
}

/** Mean per criterion over groups, NaN scores left out (NaN when a criterion never applied). */
function meanScores(groups: readonly Record<string, Float64Array>[]): Record<string, number> {
  const means: Record<string, number> = {};
  for (const name of Object.keys(groups[0] ?? {})) {
    let sum = 0;
    let count = 0;
    for (const scores of groups) {
      for (const value of scores[name]) {
        if (Number.isFinite(value)) {
          sum += value;
          count++;
        }
      }
    }
    means[name] = count === 0 ? NaN : sum / count;
  }
  return means;
}
