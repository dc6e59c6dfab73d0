/**
 * The non-linear GRPO run (IAMA.md §4): one entry point, {@linkcode runGrpo}. It serves the current weights
 * from its own engine (swapped in each step), runs {@linkcode runGrpoStep} per step, appends each step's
 * log to `workDir/log.jsonl`, checkpoints every `checkpointEvery` steps and when stopped, resumes from the
 * checkpoint when one exists, and writes the last weights as a model folder.
 *
 * Files under `workDir`: `policy/` (the weights being served), `checkpoint.safetensors` (weights, AdamW
 * moments; step, β and the configuration in its metadata), `log.jsonl`, `weights/` (the result).
 * Randomness is derived from the seed and the step index, so the step count is the whole RNG state and a
 * stopped-and-resumed run ends with the same weights as an uninterrupted one.
 *
 * @module
 */
import { join } from "node:path";
import type { Calibrator, CriterionRegistry } from "../../aligners/criteria/mod.ts";
import { createEngine } from "../../models/engine/mod.ts";
import { TrainingSession } from "../../models/gpt/training_session.ts";
import { readGptModelFolder } from "../../models/gpt/model_folder.ts";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import { createAdamWState } from "../adamw.ts";
import { loadCheckpoint, saveCheckpoint } from "../checkpoint.ts";
import { type TaskDistribution, TaskSampler } from "../iama/mod.ts";
import { type GrpoConfig, type GrpoConfigInput, GrpoConfigSchema, RESUMABLE_CHANGES } from "./config.ts";
import { type GrpoStepDetails, type GrpoStepLog, type GrpoTrainingState, runGrpoStep } from "./grpo_step.ts";
import { initialKlBeta } from "./kl_controller.ts";
import { readPolicyFolder, writePolicyFolder } from "./policy_folder.ts";
import { criteriaOf } from "./rewards.ts";

/** Inputs of {@linkcode runGrpo}. */
export interface RunGrpoOptions {
  /** Plain JSON; missing fields take their defaults (config.ts). */
  config: GrpoConfigInput;
  /** The starting weights (a GPT model folder written by writeGptModelFolder). */
  policyFolder: string;
  /** π_ref of the KL term; default: `policyFolder`. */
  referenceFolder?: string;
  /** Where the run keeps its files; a run with a checkpoint here resumes. */
  workDir: string;
  criteria: CriterionRegistry;
  /** Calibrates the criteria to a common scale before tasks weight them (default: raw scores). */
  calibrator?: Calibrator;
  /** User messages, rendered with the project's chat format for the model; criteria see them as given. */
  prompts: readonly string[];
  /** Stops at the end of the current step (a step cut short in its rollouts is dropped), checkpointing. */
  signal?: AbortSignal;
  onStep?: (log: GrpoStepLog, details: GrpoStepDetails) => void;
}

/** What {@linkcode runGrpo} returns. */
export interface GrpoResult {
  /** Model folder with the weights after the last completed step. */
  weightsFolder: string;
  summary: {
    completedSteps: number;
    totalSteps: number;
    /** False when the signal stopped the run early. */
    completed: boolean;
    /** Steps this call ran (less than completedSteps after a resume). */
    stepsThisCall: number;
    finalBeta: number;
    lastStep?: GrpoStepLog;
    seconds: number;
  };
}

/** The checkpoint's configuration does not match this call's (other than steps, threads, checkpointEvery). */
export class GrpoResumeError extends Error {
  override name = "GrpoResumeError";
}

const MODEL_NAME = "policy";

/**
 * Trains `policyFolder` by non-linear GRPO; see the module documentation.
 *
 * @example
 * ```ts ignore
 * import { CriterionRegistry, createBuiltinCriteria } from "../../aligners/criteria/mod.ts";
 * import { runGrpo } from "./mod.ts";
 * const result = await runGrpo({
 *   config: { steps: 20, tasks: { criterionWeights: { kind: "grid", points: [{ length: 1 }] } } },
 *   policyFolder: "models/default",
 *   workDir: "/tmp/grpo-run",
 *   criteria: new CriterionRegistry(createBuiltinCriteria({ length: { defaultTarget: 10 } })),
 *   prompts: ["How do I boil an egg?"],
 *   onStep: (log) => console.log(`${log.step}/${log.totalSteps}`, log.meanRawReward),
 * });
 * console.log(result.weightsFolder);
 * ```
 */
export async function runGrpo(options: RunGrpoOptions): Promise<GrpoResult> {
  const started = performance.now();
  const config = GrpoConfigSchema.parse(options.config);
  if (options.prompts.length === 0) throw new RangeError("runGrpo needs at least one prompt");
  const distribution: TaskDistribution = config.tasks;
  const taskSampler = new TaskSampler(distribution);
  const criterionNames = criteriaOf(distribution);
  for (const name of criterionNames) options.criteria.get(name); // unknown names fail before any work

  await Deno.mkdir(options.workDir, { recursive: true });
  const checkpointPath = join(options.workDir, "checkpoint.safetensors");
  const logPath = join(options.workDir, "log.jsonl");
  const policyPath = join(options.workDir, "policy");
  const { template, parameters: initialParameters } = await readPolicyFolder(options.policyFolder);
  const reference = await readGptModelFolder(options.referenceFolder ?? options.policyFolder);

  const state: GrpoTrainingState = {
    parameters: initialParameters,
    optimizer: createAdamWState(initialParameters),
    beta: initialKlBeta(config.kl),
  };
  let startStep = 0;
  const resumed = await loadCheckpoint(checkpointPath);
  if (resumed) {
    assertResumable(resumed.notes.config as GrpoConfig, config);
    state.parameters = resumed.parameters;
    state.optimizer = resumed.optimizer;
    state.beta = Number(resumed.notes.beta);
    startStep = resumed.step;
    await truncateLog(logPath, startStep);
  } else {
    await Deno.remove(logPath).catch(() => {});
  }

  const save = (completedSteps: number) =>
    saveCheckpoint(checkpointPath, {
      step: completedSteps,
      parameters: state.parameters,
      optimizer: state.optimizer,
      notes: { beta: state.beta, config, seed: config.seed },
    });

  const session = await TrainingSession.create(template.config, {
    objective: "clipped_policy_gradient",
    threads: config.threads,
  });
  let engine: Awaited<ReturnType<typeof createEngine>> | undefined;
  let completedSteps = startStep;
  let savedSteps = resumed ? startStep : -1;
  let lastStep: GrpoStepLog | undefined;
  try {
    for (let step = startStep; step < config.steps; step++) {
      const serveStarted = performance.now();
      await writePolicyFolder(policyPath, template, state.parameters);
      const spec = { name: MODEL_NAME, path: policyPath, version: `step-${step}` };
      if (engine) await engine.swapModel(spec);
      else {
        engine = await createEngine({
          models: [spec],
          threads: config.threads,
          maxBatchSize: Math.max(config.groupSize, Math.min(64, config.promptsPerStep * config.groupSize)),
        });
      }
      const servedAt = performance.now();
      const outcome = await runGrpoStep(
        {
          config,
          engine,
          model: MODEL_NAME,
          session,
          referenceParameters: reference.parameters,
          criteria: options.criteria,
          criterionNames,
          calibrator: options.calibrator,
          taskSampler,
          prompts: options.prompts,
          padTokenId: template.specialTokens.pad,
          signal: options.signal,
        },
        state,
        step,
      );
      if (!outcome) break; // stopped during the rollouts: the step is dropped
      outcome.log.phaseSeconds.serve = (servedAt - serveStarted) / 1000;
      outcome.log.seconds += outcome.log.phaseSeconds.serve;
      completedSteps = step + 1;
      lastStep = outcome.log;
      await Deno.writeTextFile(logPath, JSON.stringify(outcome.log) + "\n", { append: true });
      options.onStep?.(outcome.log, outcome.details);
      const stopping = options.signal?.aborted ?? false;
      if (completedSteps % config.checkpointEvery === 0 || completedSteps === config.steps || stopping) {
        await save(completedSteps);
        savedSteps = completedSteps;
      }
      if (stopping) break;
    }
    if (savedSteps !== completedSteps) await save(completedSteps);
  } finally {
    await engine?.close();
    await session.release();
  }
  const weightsFolder = join(options.workDir, "weights");
  await writePolicyFolder(weightsFolder, template, state.parameters);
  return {
    weightsFolder,
    summary: {
      completedSteps,
      totalSteps: config.steps,
      completed: completedSteps === config.steps,
      stepsThisCall: completedSteps - startStep,
      finalBeta: state.beta,
      lastStep,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** Throws {@linkcode GrpoResumeError} if the configurations differ in anything but the resumable fields. */
function assertResumable(saved: GrpoConfig, current: GrpoConfig): void {
  const comparable = (config: GrpoConfig) => {
    const copy: Record<string, unknown> = { ...config };
    for (const key of RESUMABLE_CHANGES) delete copy[key];
    return JSON.stringify(copy);
  };
  if (comparable(saved) !== comparable(current)) {
    throw new GrpoResumeError(
      `the checkpoint was written with another configuration: ${comparable(saved)} vs ${comparable(current)}`,
    );
  }
}

/** Drops log lines of steps after `completedSteps` (run after the last checkpoint, then lost). */
async function truncateLog(path: string, completedSteps: number): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const kept = text.split("\n").filter((line) =>
    line.trim() !== "" && JSON.parse(line).step <= completedSteps
  );
  await writeFileAtomic(path, kept.map((line) => line + "\n").join(""));
}
