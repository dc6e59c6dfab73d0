/**
 * The training runs of the IAMA benchmark (docs/iama.md): each experiment trains an IAMA base
 * (non-linear GRPO with best-of-4 tasks) and a standard-GRPO base (identity aligner) with the same steps,
 * prompts, seed, learning rate and KL control, two runs at a time (one onnxruntime thread each).
 *
 * A run can stop at several step counts ("snapshots"): runGrpo is called with `steps` = each snapshot in
 * turn (it resumes from its checkpoint; the learning rate is constant, so this is the same run as one call)
 * and the weights after each call are kept, giving models at increasing KL from the start.
 *
 * @module
 */
import { join } from "node:path";
import type { Calibrator, CriterionRegistry } from "../aligners/criteria/mod.ts";
import { type GrpoConfigInput, type GrpoStepLog, runGrpo } from "../trainer/grpo/mod.ts";
import { readPolicyFolder, writePolicyFolder } from "../trainer/grpo/policy_folder.ts";
import { pathExists } from "../models/io/path_exists.ts";

/** One training run to perform. */
export interface RunPlan {
  name: string;
  config: GrpoConfigInput;
  /** Step counts after which the weights are kept (ascending; the last is the run's length). */
  snapshots: number[];
  criteria: () => Promise<{ registry: CriterionRegistry; release: () => Promise<void> }>;
  calibrator?: Calibrator;
  prompts: readonly string[];
}

/** What a finished run leaves: one model folder per snapshot and the step logs. */
export interface RunOutcome {
  name: string;
  snapshots: { steps: number; folder: string }[];
  log: GrpoStepLog[];
  seconds: number;
}

/** The folder a snapshot's weights are kept in. */
export function snapshotFolder(workRoot: string, run: string, steps: number): string {
  return join(workRoot, run, `weights_step${steps}`);
}

/** Trains one run through all its snapshots; snapshots already on disk are not recomputed. */
export async function trainRun(
  plan: RunPlan,
  policyFolder: string,
  workRoot: string,
  progress: (line: string) => void,
): Promise<RunOutcome> {
  const started = performance.now();
  const workDir = join(workRoot, plan.name);
  const snapshots: RunOutcome["snapshots"] = [];
  for (const steps of plan.snapshots) {
    const folder = snapshotFolder(workRoot, plan.name, steps);
    if (!await pathExists(join(folder, "config.json"))) {
      const { registry, release } = await plan.criteria();
      try {
        const result = await runGrpo({
          config: { ...plan.config, steps },
          policyFolder,
          workDir,
          criteria: registry,
          calibrator: plan.calibrator,
          prompts: plan.prompts,
          onStep: (log) => {
            if (log.step % 5 === 0 || log.step === steps) {
              const rewards = Object.entries(log.meanRawReward).map(([k, v]) => `${k} ${v.toFixed(3)}`);
              progress(
                `${plan.name} step ${log.step}/${plan.snapshots.at(-1)} ${log.seconds.toFixed(1)} s ` +
                  `kl ${log.kl.toFixed(4)} len ${log.completionLength.mean.toFixed(1)} ${rewards.join(" ")}`,
              );
            }
          },
        });
        const { template, parameters } = await readPolicyFolder(result.weightsFolder);
        await writePolicyFolder(folder, template, parameters);
      } finally {
        await release();
      }
    }
    snapshots.push({ steps, folder });
  }
  const logText = await Deno.readTextFile(join(workDir, "log.jsonl"));
  const log = logText.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
  return { name: plan.name, snapshots, log, seconds: (performance.now() - started) / 1000 };
}

/** Trains the runs two at a time (in order), returning their outcomes by name. */
export async function trainInPairs(
  plans: readonly RunPlan[],
  policyFolder: string,
  workRoot: string,
  progress: (line: string) => void,
): Promise<Record<string, RunOutcome>> {
  const outcomes: Record<string, RunOutcome> = {};
  for (let i = 0; i < plans.length; i += 2) {
    const pair = plans.slice(i, i + 2);
    const done = await Promise.all(pair.map((plan) => trainRun(plan, policyFolder, workRoot, progress)));
    for (const outcome of done) outcomes[outcome.name] = outcome;
  }
  return outcomes;
}

/** Every kept snapshot as an engine model `run@steps`, after the default model. */
export function snapshotBases(
  defaultModel: string,
  outcomes: Record<string, RunOutcome>,
): { name: string; path: string }[] {
  return [
    { name: "default", path: defaultModel },
    ...Object.values(outcomes).flatMap((outcome) =>
      outcome.snapshots.map((snapshot) => ({
        name: `${outcome.name}@${snapshot.steps}`,
        path: snapshot.folder,
      }))
    ),
  ];
}

/**
 * What the result files keep of training: per run, the sum of its logged step times (also right when a
 * rerun reused the weights and trained nothing) and the main fields of every step's log.
 */
export function trainingRecord(outcomes: Record<string, RunOutcome>) {
  const runs = Object.values(outcomes);
  return {
    stepSeconds: Object.fromEntries(
      runs.map((o) => [o.name, o.log.reduce((sum, log) => sum + log.seconds, 0)]),
    ),
    steps: Object.fromEntries(
      runs.map((o) => [
        o.name,
        o.log.map((log) => ({
          step: log.step,
          kl: log.kl,
          beta: log.beta,
          meanLength: log.completionLength.mean,
          meanRawReward: log.meanRawReward,
          meanObjective: log.meanObjective,
          seconds: log.seconds,
        })),
      ]),
    ),
  };
}
