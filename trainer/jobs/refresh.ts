/**
 * One refresh, start to verdict: train the serving version by non-linear GRPO (trainer/grpo), then
 * compare the result with the serving version on the evaluation grid and apply the promotion gate
 * (trainer/evaluation), and measure the new version's calibration and quality curves (trainer/calibration). Runs wherever it is called — the job worker calls it so that serving never
 * waits behind a training step. Registering and promoting the version is the caller's (main thread).
 *
 * @module
 */
import { join } from "node:path";
import {
  createBuiltinCriteria,
  CriterionRegistry,
  loadShippedRewardModels,
} from "../../aligners/criteria/mod.ts";
import { ServingPlans } from "../../aligners/quality_curves/mod.ts";
import { createEngine } from "../../models/engine/mod.ts";
import { readModelFolder } from "../../models/engine/model_info.ts";
import { calibrateModelFolder } from "../calibration/calibrate_folder.ts";
import { generateDialogues } from "../corpus/mod.ts";
import {
  decidePromotion,
  evaluateCandidate,
  type EvaluationReport,
  type PromotionDecision,
} from "../evaluation/mod.ts";
import { type GrpoStepLog, runGrpo } from "../grpo/mod.ts";
import type { JobSpec } from "./job_spec.ts";

/** What a refresh starts from. */
export interface RefreshInput {
  spec: JobSpec;
  /** Folder of the serving version: the starting weights, the KL reference and the comparison. */
  servingFolder: string;
  /** The job's work directory (checkpoints make a second call resume). */
  workDir: string;
  /** onnxruntime threads for training and evaluation (serving keeps its own). */
  threads: number;
}

/** Progress reported while a refresh runs. */
export type RefreshEvent =
  | { type: "step"; log: GrpoStepLog }
  | { type: "evaluating"; done: number; total: number }
  | { type: "calibrating"; done: number; total: number };

/** How a refresh ended. */
export type RefreshOutcome =
  | { completed: false; completedSteps: number }
  | {
    completed: true;
    /** The trained model folder. */
    weightsFolder: string;
    /** Whether the folder holds calibration.json and quality_curves.json for the new version. */
    calibrated: boolean;
    report: EvaluationReport;
    decision: PromotionDecision;
  };

const CANDIDATE = "candidate";
const SERVING = "serving";

/** The training prompts a spec names. */
export function trainingPrompts(spec: JobSpec["prompts"]): string[] {
  if (spec.source === "explicit") return [...spec.texts];
  return [...new Set(generateDialogues({ seed: spec.seed, count: spec.count }).map((d) => d.prompt))];
}

/** Trains, evaluates and decides; stops early (completed: false, checkpoint kept) when `signal` aborts. */
export async function runRefresh(
  input: RefreshInput,
  onEvent: (event: RefreshEvent) => void,
  signal?: AbortSignal,
): Promise<RefreshOutcome> {
  const rewardModels = await loadShippedRewardModels([input.servingFolder]);
  try {
    const criteria = new CriterionRegistry([...createBuiltinCriteria(), ...rewardModels.criteria]);
    // The serving version's statistics are the common scale: of the training rewards, and of both models
    // in the evaluation (identity for criteria it has none for).
    const plans = new ServingPlans();
    const { info: serving } = await readModelFolder({ name: SERVING, path: input.servingFolder });
    await plans.load(input.servingFolder, serving.version);
    const { calibrator } = plans.for(serving.version);
    const trained = await runGrpo({
      config: { ...input.spec.training, threads: input.threads },
      policyFolder: input.servingFolder,
      workDir: join(input.workDir, "grpo"),
      criteria,
      calibrator,
      prompts: trainingPrompts(input.spec.prompts),
      signal,
      onStep: (log) => onEvent({ type: "step", log }),
    });
    if (!trained.summary.completed) {
      return { completed: false, completedSteps: trained.summary.completedSteps };
    }

    const engine = await createEngine({
      models: [
        { name: CANDIDATE, path: trained.weightsFolder },
        { name: SERVING, path: input.servingFolder },
      ],
      threads: input.threads,
    });
    try {
      const report = await evaluateCandidate({
        engine,
        candidateModel: CANDIDATE,
        servingModel: SERVING,
        grid: input.spec.evaluation,
        criteria,
        calibrator,
        signal,
        onProgress: ({ done, total }) => onEvent({ type: "evaluating", done, total }),
      });
      if (signal?.aborted) return { completed: false, completedSteps: trained.summary.completedSteps };
      const calibration = input.spec.calibration;
      if (calibration !== false) {
        // The new version carries its own statistics and quality curves, for when it serves.
        await calibrateModelFolder({
          folder: trained.weightsFolder,
          engine,
          model: CANDIDATE,
          criteria,
          prompts: calibration.prompts,
          samplesPerPrompt: calibration.samplesPerPrompt,
          maxTokens: calibration.maxTokens,
          blockwiseRuns: calibration.blockwiseRuns,
          signal,
          progress: (done, total) => onEvent({ type: "calibrating", done, total }),
        });
        if (signal?.aborted) return { completed: false, completedSteps: trained.summary.completedSteps };
      }
      return {
        completed: true,
        weightsFolder: trained.weightsFolder,
        calibrated: calibration !== false,
        report,
        decision: decidePromotion(report, report.grid),
      };
    } finally {
      await engine.close();
    }
  } finally {
    await rewardModels.release();
  }
}
