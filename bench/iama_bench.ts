/**
 * `deno task bench:iama`: IAMA.md §5's two LLM experiments (paper §6.1 and §6.2) at small scale on the
 * default model, IAMA (non-linear GRPO with best-of-4 tasks) against standard GRPO (identity aligner), same
 * steps, prompts, seed, learning rate and KL control (the same fixed β = 0.05 in both experiments).
 * Results and settings: docs/iama.md.
 *
 * (a) Length control: criteria r_i = −((|y| − L_i)/L_max)², L = 5 and 30 words, L_max = 40. IAMA: tasks
 *     BoN_4 with r_1 and BoN_4 with r_2 (weighted sum); GRPO: identity on (r_1 + r_2)/2. Evaluated on
 *     held-out prompts: length histogram, bimodality, BoN_N values for N ∈ {1, 2, 4}.
 * (b) Conflicting reward models: helpfulness and harmlessness as z-scores under the starting model; the
 *     methods meta-trained over a grid of weightings: IAMA with BoN_4 tasks, GRPO with identity tasks,
 *     and "IAMA mix" with the refresh job's default task mix (BoN_4 weight 3 + identity weight 1). One
 *     run each at fixed β, weights kept every 12 steps: each method leaves a ladder of models ("rungs") at
 *     increasing KL, the default model (KL 0) the bottom rung of all three. Evaluated for every rung: KL
 *     from the default model, mean helpfulness and harmlessness of plain samples and of BoN_4 answers at
 *     each weighting. Compared at matched KL without interpolation (iama_ladder.ts), IAMA against GRPO and
 *     IAMA mix against GRPO: each rung of one method against the other's rungs just below and just above
 *     its KL, in both directions, with paired (per-prompt) standard errors, on three metrics: the BoN_4
 *     mean weighted value, the plain-sample value, and the BoN_4 gain (the first minus the second: what
 *     best-of-4 adds on top of plain sampling). The verdicts assume only that a method's value does not
 *     decrease with KL (the two values) or does not increase with KL (the gain: training makes the base
 *     less diverse, as measured).
 *
 * Checks first: the best-of-N pool estimator against enumeration of all subsets, the bimodality
 * coefficient against closed forms, and the length criteria against the formula.
 *
 *     deno run --allow-all bench/iama_bench.ts                # full (about an hour on 2 cores)
 *     deno run --allow-all bench/iama_bench.ts --train-only   # train (or find) the weights, then stop
 *     deno run --allow-all bench/iama_bench.ts --quick        # smoke test (≈ 1 min), writes under /tmp only
 *
 * Trained weights stay under `.cache/iama/` (full) or `/tmp/iama_quick/` (quick); a rerun reuses weights
 * already there (delete the folder to retrain).
 */
import { join } from "node:path";
import { createEngine } from "../models/engine/mod.ts";
import { writeFileAtomic } from "../models/io/atomic_write.ts";
import { LENGTH_CRITERIA, LENGTH_SCALE, LENGTH_TARGETS, lengthCriteria } from "./iama_criteria.ts";
import { evaluateLengths, samplePools } from "./iama_eval.ts";
import { writeCharts } from "./iama_charts.ts";
import { compareLadders, LADDER_METRICS, METRIC_DIRECTIONS, rungOf } from "./iama_ladder.ts";
import { printTables } from "./iama_tables.ts";
import { type RunPlan, snapshotBases, trainingRecord, trainInPairs } from "./iama_runs.ts";
import {
  type BaseEvaluation,
  BEST_OF_FOUR,
  calibratedRewardModels,
  DEFAULT_MODEL,
  evaluateRewardBase,
  evaluationSizes,
  HELPFULNESS_WEIGHTS,
  iamaArgs,
  iamaPrompts,
  IDENTITY,
  klFromDefault,
  MAX_TOKENS,
  progressClock,
  resultSettings,
  type RewardMethod,
  rewardTasks,
  roundedJson,
  SEED,
  SHARED_TRAINING,
  trainingRewardModels,
} from "./iama_setup.ts";
import { checkStatistics } from "./iama_stats.ts";

const { quick, trainOnly } = iamaArgs(Deno.args);

const SIZES = {
  ...evaluationSizes(quick),
  ...(quick
    ? {
      lengthSnapshots: [2],
      rewardSnapshots: [1, 2],
      rewardPromptsPerStep: 4,
    }
    : {
      lengthSnapshots: [80],
      // Weights kept every 12 steps: both runs leave a ladder of models at increasing KL, and each IAMA rung
      // is compared with the GRPO rungs just below and just above its KL (no interpolation, no controller).
      rewardSnapshots: [12, 24, 36, 48, 60, 72, 84, 96],
      rewardPromptsPerStep: 8,
    }),
};
const WORK_ROOT = quick ? "/tmp/iama_quick" : ".cache/iama";
const OUT_DIR = quick ? "/tmp/iama_quick/out" : "docs";
const BUDGETS = [1, 2, 4];
const LENGTH_RADIUS = 5; // words either side of a target counted as "near" it
const HISTOGRAM = { binWidth: 2, bins: 26 }; // 0..50 words, the last bin takes the rest

const progress = progressClock();

// ---- checks before anything is trained --------------------------------------------------------------
checkStatistics();
{
  const registry = lengthCriteria();
  for (const name of LENGTH_CRITERIA) {
    const [score] = await registry.get(name).score("", ["one two three"]);
    const expected = -(((3 - LENGTH_TARGETS[name]) / LENGTH_SCALE) ** 2);
    if (Math.abs(score - expected) > 1e-12) throw new Error(`${name}: ${score} vs ${expected}`);
  }
}
progress("checks passed: BoN pool estimator = subset enumeration, bimodality closed forms, length formula");

// ---- prompts and the reward models' calibration under the starting model ------------------------------
const prompts = iamaPrompts(SIZES);
const rewardModels = await calibratedRewardModels(prompts, SIZES.calibrationPrompts);
progress(
  `calibrated: ${
    JSON.stringify(rewardModels.set.criteria, ["mean", "std", "samples", "helpfulness", "harmlessness"])
  }`,
);

// ---- training ---------------------------------------------------------------------------------------
// (b): twice the prompts per step of (a) (the BoN first variation is the noisier signal).
const rewardShared = { ...SHARED_TRAINING, promptsPerStep: SIZES.rewardPromptsPerStep };
/** Run name of experiment (b) for a method, e.g. `reward_iama_ladder`. */
const rewardRun = (method: RewardMethod) => `reward_${method}_ladder`;
const lengthRegistry = () =>
  Promise.resolve({ registry: lengthCriteria(), release: () => Promise.resolve() });

const plans: RunPlan[] = [
  {
    name: "length_iama",
    snapshots: SIZES.lengthSnapshots,
    // Both tasks drawn per group: 16 draws from the two-point grid, so each group's r̃ is (nearly) the
    // equal-weight sum of the two BoN_4 first variations (an unbiased estimate of it).
    config: {
      ...SHARED_TRAINING,
      tasks: {
        criterionWeights: { kind: "grid", points: [{ length_short: 1 }, { length_long: 1 }] },
        aligners: BEST_OF_FOUR,
        tasksPerGroup: 16,
      },
    },
    criteria: lengthRegistry,
    prompts: prompts.training,
  },
  {
    name: "length_grpo",
    snapshots: SIZES.lengthSnapshots,
    config: {
      ...SHARED_TRAINING,
      tasks: {
        criterionWeights: { kind: "grid", points: [{ length_short: 0.5, length_long: 0.5 }] },
        aligners: IDENTITY,
        tasksPerGroup: 1,
      },
    },
    criteria: lengthRegistry,
    prompts: prompts.training,
  },
  // (IAMA, GRPO) trained side by side, then IAMA with the refresh job's mix.
  ...(["iama", "grpo", "iama_mix"] as const).map((method) => ({
    name: rewardRun(method),
    snapshots: SIZES.rewardSnapshots,
    config: { ...rewardShared, tasks: rewardTasks(method) },
    criteria: trainingRewardModels,
    calibrator: rewardModels.calibrator,
    prompts: prompts.balancedTraining,
  })),
];
const outcomes = await trainInPairs(plans, DEFAULT_MODEL, WORK_ROOT, progress);
progress("training done");
if (trainOnly) Deno.exit(0);

// ---- evaluation -------------------------------------------------------------------------------------
const engine = await createEngine({
  models: snapshotBases(DEFAULT_MODEL, outcomes),
  threads: 2,
  maxBatchSize: 64,
});
const lengthOptions = {
  targets: { ...LENGTH_TARGETS },
  radius: LENGTH_RADIUS,
  budgets: BUDGETS,
  ...HISTOGRAM,
};
const lengthBases = [
  "default",
  ...SIZES.lengthSnapshots.flatMap((s) => [`length_iama@${s}`, `length_grpo@${s}`]),
];
const lengthResults: Record<string, Awaited<ReturnType<typeof evaluateLengths>>> = {};
for (const base of lengthBases) {
  const pools = await samplePools(engine, base, prompts.lengthEval, SIZES.evalSamples, MAX_TOKENS, SEED + 1);
  lengthResults[base] = await evaluateLengths(pools, lengthCriteria(), lengthOptions);
  progress(`evaluated ${base}: mean length ${lengthResults[base].meanLength.toFixed(1)} words`);
}
const ladderOf = (method: RewardMethod) =>
  SIZES.rewardSnapshots.map((steps) => `${rewardRun(method)}@${steps}`);
const ladders = { iama: ladderOf("iama"), grpo: ladderOf("grpo"), iama_mix: ladderOf("iama_mix") };
const rewardBases = ["default", ...ladders.iama, ...ladders.grpo, ...ladders.iama_mix];
const rewardResults: Record<string, BaseEvaluation> = {};
for (const base of [...new Set([...rewardBases, ...lengthBases])]) {
  const kl = await klFromDefault(engine, base, prompts, SIZES);
  if (lengthResults[base]) Object.assign(lengthResults[base], { kl });
  if (!rewardBases.includes(base)) continue;
  rewardResults[base] = await evaluateRewardBase(engine, base, prompts, SIZES, rewardModels, kl);
  progress(`evaluated ${base}: KL ${kl.perSequence.toFixed(3)} ± ${kl.standardError.toFixed(3)}`);
}
await engine.close();
await rewardModels.release();

// ---- report -----------------------------------------------------------------------------------------
// Each rung of one ladder against the other ladder's rungs bracketing its KL, in both directions: IAMA and
// IAMA mix each against GRPO.
const rungs = (bases: string[]) => bases.map((base) => rungOf(base, rewardResults[base]));
const bottom = rungOf("default", rewardResults.default);
const LABELS = { iama: "IAMA", grpo: "GRPO", iama_mix: "IAMA mix" } as const;
const comparisons =
  ([["iama", "grpo"], ["grpo", "iama"], ["iama_mix", "grpo"], ["grpo", "iama_mix"]] as const)
    .map(([subject, other]) => ({
      key: `${subject}_vs_${other}`,
      subject: LABELS[subject],
      other: LABELS[other],
      rungs: compareLadders(
        rungs(ladders[subject]),
        rungs(ladders[other]),
        bottom,
        LADDER_METRICS,
        METRIC_DIRECTIONS,
      ),
    }));
// Keyed `iama_vs_grpo`, `grpo_vs_iama`, `iama_mix_vs_grpo`, `grpo_vs_iama_mix`.
const ladder = Object.fromEntries(comparisons.map((c) => [c.key, c.rungs]));
const settings = {
  ...resultSettings({ quick, sizes: SIZES, calibration: rewardModels.set, plans, outcomes }),
  lengthTargets: LENGTH_TARGETS,
  lengthScale: LENGTH_SCALE,
  lengthRadius: LENGTH_RADIUS,
};
const results = {
  settings,
  length: Object.fromEntries(
    Object.entries(lengthResults).map(([base, result]) => [base, { ...result, lengths: undefined }]),
  ),
  rewards: rewardResults,
  ladder,
  training: trainingRecord(outcomes).steps,
};
await Deno.mkdir(OUT_DIR, { recursive: true });
await writeFileAtomic(join(OUT_DIR, "iama_results.json"), roundedJson(results));
await writeCharts(OUT_DIR, {
  lengthResults,
  rewardResults,
  outcomes,
  lengthBases,
  ladders,
  rewardRuns: { iama: rewardRun("iama"), grpo: rewardRun("grpo"), iama_mix: rewardRun("iama_mix") },
});
printTables({
  lengthResults,
  rewardResults,
  lengthBases,
  rewardBases,
  comparisons,
  budgets: BUDGETS,
  weights: HELPFULNESS_WEIGHTS,
});
progress(`wrote ${OUT_DIR}/iama_results.json and ${OUT_DIR}/iama_*.png`);
