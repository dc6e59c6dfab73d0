/**
 * How far ahead of standard GRPO can IAMA + BoN_4 be near the default model? A first-order answer for
 * experiment (b) of docs/iama.md, from the default model's own samples, to read the fronts against.
 *
 * Near the reference, a policy that moves in direction f (per prompt, π ∝ π_ref · exp(ε f)) has
 * KL ≈ ε²/2 · Σ_p Var_p(f) and changes an objective J by ≈ ε · Σ_p Cov_p(f, δJ/δπ). IAMA moves along
 * the first variation r̃ of its own objective (the mean over the weightings w of the BoN_4 value of
 * w·ẑ_help + (1 − w)·ẑ_harm); standard GRPO along r̄ = (ẑ_help + ẑ_harm)/2, the first variation of the
 * plain value. At matched KL, then:
 *
 *     IAMA's BoN_4 gain / GRPO's BoN_4 gain = 1/ρ,    IAMA's plain gain / GRPO's plain gain = ρ,
 *
 * with ρ the within-prompt correlation of r̃ and r̄ (covariances and variances summed over prompts).
 *
 * r̃ is the trainer's plug-in estimate (trainer/iama/best_of_n.ts) on K samples per prompt, averaged over
 * the five weightings (the expectation of the 4 tasks drawn per group). The script prints:
 *
 * 1. ρ on the held-out evaluation prompts and on training prompts, and how closely one step's signal
 *    follows each direction when every group draws its own 4 weightings (as training does);
 * 2. the measured ratios of docs/iama_fronts_objective.json (each IAMA front point against GRPO's front
 *    interpolated linearly in KL);
 * 3. when the third design's weights are in .cache/iama (bench:iama-fronts --objective), each trained
 *    base's realised direction d(y) = log π_base(y|x) − log π_default(y|x) on the default model's samples,
 *    and its within-prompt correlation with r̃ and with r̄: how much of each objective's direction the
 *    training actually took;
 * 4. with `--groups32`: whether larger groups raise that fidelity. IAMA and GRPO train (or are found in
 *    .cache/iama) at β = 0.3 for 32 steps with M = 32 (4 prompts per step, 128 rollouts), and are compared
 *    with the third design's M = 16 runs at 32 steps: KL, values and realised directions. Expected,
 *    written before the runs (in the exploratory copy of this script that first ran them): if the plug-in
 *    estimator's noise limits IAMA's fidelity, corr(d_IAMA, r̃) rises from M = 16 to 32 by more than
 *    corr(d_GRPO, r̄) does. About 14 min of training on 2 cores.
 *
 * 5. with `--training-fidelity`: the trainer's own per-step `directionFidelity` (trainer/grpo/direction.ts:
 *    the within-group correlation of the rollouts' log π/π_ref with their advantages) for IAMA and GRPO
 *    at β = 0.3 with M = 16, 32 steps (.cache/iama/fidlog_*, about 7 min of training on 2 cores).
 *
 * 6. with `--two-tasks`: points 1–3 for the fourth design (bench:iama-fronts --two-tasks): r̃ is the first
 *    variation of the two tasks (w = 0 and w = 1), the bases and the measured ratios are that design's.
 *
 *     deno run --allow-all bench/iama_first_order.ts [--groups32] [--training-fidelity] [--two-tasks]
 *
 * @module
 */
import { join } from "node:path";
import { createEngine, type GenerationEngine } from "../models/engine/mod.ts";
import { Rng } from "../models/random.ts";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { responseLogprob } from "../trainer/evaluation/kl.ts";
import { pooledCorrelation } from "../trainer/grpo/direction.ts";
import type { RolloutGroup } from "../trainer/grpo/rollouts.ts";
import { firstVariationBestOfN } from "../trainer/iama/best_of_n.ts";
import { poolsOf, type RewardEvaluation, rewardScores, sampleGroups } from "./iama_eval.ts";
import { meanWeightedValue, plainValue, twoTaskValue } from "./iama_ladder.ts";
import { snapshotFolder, trainInPairs } from "./iama_runs.ts";
import {
  BON,
  calibratedRewardModels,
  DEFAULT_MODEL,
  evaluateRewardBase,
  evaluationSizes,
  HELPFULNESS_WEIGHTS,
  iamaArgs,
  iamaPrompts,
  MAX_TOKENS,
  progressClock,
  rewardTasks,
  SEED,
  SHARED_TRAINING,
  spread,
  trainingRewardModels,
  TWO_TASKS,
} from "./iama_setup.ts";

const { flags } = iamaArgs(Deno.args, ["groups32", "training-fidelity", "two-tasks"]);
/** The fourth design (`--two-tasks`): its task weightings, run names, results and objective. */
const DESIGN = flags["two-tasks"]
  ? {
    weights: TWO_TASKS.weights,
    prefix: "twotask",
    results: "docs/iama_fronts_two_tasks.json",
    value: twoTaskValue,
  }
  : {
    weights: HELPFULNESS_WEIGHTS,
    prefix: "objfront",
    results: "docs/iama_fronts_objective.json",
    value: meanWeightedValue,
  };
const SAMPLES = 16;
const TASKS_PER_GROUP = flags["two-tasks"] ? TWO_TASKS.perGroup : rewardTasks("iama").tasksPerGroup ?? 1;
const STEPS = 64;
// The fourth design traced GRPO's front at three more β (bench/iama_fronts.ts).
const betasOf = (method: string) =>
  method === "grpo" && flags["two-tasks"] ? [0.8, 0.6, 0.45, 0.3, 0.27, 0.15] : [0.6, 0.3, 0.15];
const BASES = ["iama", "grpo"].flatMap((method) =>
  betasOf(method).map((beta) => ({ name: `${DESIGN.prefix}_${method}_beta${beta}`, method, beta }))
);
const sizes = evaluationSizes(false);
const prompts = iamaPrompts(sizes);
const rewardModels = await calibratedRewardModels(prompts, sizes.calibrationPrompts);
const trained = [];
for (const base of BASES) {
  const path = snapshotFolder(".cache/iama", base.name, STEPS);
  if (await Deno.stat(join(path, "config.json")).then(() => true, () => false)) {
    trained.push({ name: `${base.name}@${STEPS}`, path });
  }
}
const GROUPS_STEPS = 32;
/** A β = 0.3 run of the third design's settings (unscaled advantages, 4 prompts per step) with groups of M. */
const betaPointThree = (method: "iama" | "grpo", groupSize: number, name: string) => ({
  name,
  snapshots: [GROUPS_STEPS],
  config: {
    ...SHARED_TRAINING,
    promptsPerStep: 4,
    groupSize,
    advantage: { scaleByStd: false },
    kl: { kind: "fixed" as const, beta: 0.3 },
    tasks: rewardTasks(method),
  },
  criteria: trainingRewardModels,
  calibrator: rewardModels.calibrator,
  prompts: prompts.balancedTraining,
});
const METHODS = ["iama", "grpo"] as const;
// Larger groups (point 4 of the module doc): M = 32 runs next to the M = 16 runs at the same step.
const larger = [];
if (flags.groups32) {
  const plans = METHODS.map((method) => betaPointThree(method, 32, `fid_${method}_beta0.3_m32`));
  await trainInPairs(plans, DEFAULT_MODEL, ".cache/iama", progressClock());
  for (const method of METHODS) {
    larger.push(
      { name: `${method} M = 16 @${GROUPS_STEPS}`, run: `objfront_${method}_beta0.3` },
      { name: `${method} M = 32 @${GROUPS_STEPS}`, run: `fid_${method}_beta0.3_m32` },
    );
  }
}
// The fidelity the trainer logs (point 5): the M = 16 runs at β = 0.3 again, for their step logs.
if (flags["training-fidelity"]) {
  const plans = METHODS.map((method) => betaPointThree(method, 16, `fidlog_${method}_beta0.3`));
  const outcomes = await trainInPairs(plans, DEFAULT_MODEL, ".cache/iama", progressClock());
  console.log(`directionFidelity logged in training (β = 0.3, M = 16), means over 8-step windows:\n`);
  console.log("| run | steps 1–8 | 9–16 | 17–24 | 25–32 | steps 2–32 |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const { name, log } of Object.values(outcomes)) {
    const mean = (from: number, to: number) => {
      const values = log.slice(from, to).flatMap((entry) => entry.directionFidelity ?? []);
      return (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3);
    };
    console.log(`| ${name} | ${[0, 8, 16, 24].map((s) => mean(s, s + 8)).join(" | ")} | ${mean(1, 32)} |`);
  }
  console.log();
}
const engine = await createEngine({
  models: [
    { name: "default", path: DEFAULT_MODEL },
    ...trained,
    ...larger.map(({ name, run }) => ({ name, path: snapshotFolder(".cache/iama", run, GROUPS_STEPS) })),
  ],
  threads: 2,
});

/** K samples of each prompt from the default model (the evaluation pools' seeds when `seed` is SEED + 3). */
const samples = (texts: readonly string[], seed: number) =>
  sampleGroups(engine, "default", texts, SAMPLES, MAX_TOKENS, seed);

/**
 * Per prompt, per sample: IAMA's first variation r̃ and GRPO's reward r̄, each the mean over `weights` (by
 * default the grid, the expectation of the tasks drawn per group); `weightsOf(p)` gives prompt p its own.
 */
function directionsOf(
  scores: { helpful: Float64Array[]; harmless: Float64Array[] },
  weightsOf: (prompt: number) => readonly number[] = () => DESIGN.weights,
): { iama: number[][]; grpo: number[][] } {
  const { helpful, harmless } = scores;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const grpo = helpful.map((help, p) => {
    const w = mean(weightsOf(p)); // r̄ is linear in w
    return Array.from(help, (h, j) => w * h + (1 - w) * harmless[p][j]);
  });
  const iama = helpful.map((help, p) => {
    const weights = weightsOf(p);
    const first = new Array<number>(help.length).fill(0);
    for (const w of weights) {
      firstVariationBestOfN(Array.from(help, (h, j) => w * h + (1 - w) * harmless[p][j]), BON)
        .forEach((value, j) => first[j] += value / weights.length);
    }
    return first;
  });
  return { iama, grpo };
}

/** The reward models' scores of the groups' samples. */
function scoresOf(groups: readonly RolloutGroup[]) {
  return rewardScores(poolsOf(groups), rewardModels.registry, rewardModels.calibrator);
}

/**
 * How faithfully one step's signal follows each method's direction when each group draws its own 4
 * weightings from the grid (as training does): the within-prompt correlation of the drawn r̃ with r̃,
 * and of the drawn r̄ with r̄, averaged over `draws` independent draws.
 */
function taskDrawFidelity(scores: { helpful: Float64Array[]; harmless: Float64Array[] }, draws = 200) {
  const expected = directionsOf(scores);
  const rng = new Rng(SEED + 11);
  let [iama, grpo] = [0, 0];
  for (let d = 0; d < draws; d++) {
    const drawn = scores.helpful.map(() =>
      Array.from(
        { length: TASKS_PER_GROUP },
        () => DESIGN.weights[rng.nextInt(DESIGN.weights.length)],
      )
    );
    const one = directionsOf(scores, (p) => drawn[p]);
    iama += pooledCorrelation(one.iama, expected.iama) / draws;
    grpo += pooledCorrelation(one.grpo, expected.grpo) / draws;
  }
  return { iama, grpo };
}

/** Per prompt, per sample: log π_model(y|x) − log π_default(y|x). */
async function realised(engine: GenerationEngine, model: string, groups: readonly RolloutGroup[]) {
  return await Promise.all(groups.map(async (group) => {
    const ratios: number[] = [];
    for (const { tokenIds } of group.completions) {
      const [base, reference] = await Promise.all([
        responseLogprob(engine, model, group.promptIds, tokenIds),
        responseLogprob(engine, "default", group.promptIds, tokenIds),
      ]);
      ratios.push(base - reference);
    }
    return ratios;
  }));
}

try {
  const heldOut = await samples(prompts.rewardEval, SEED + 3);
  const heldScores = await scoresOf(heldOut);
  const held = directionsOf(heldScores);
  const trainingScores = await scoresOf(await samples(spread(prompts.balancedTraining, 64), SEED + 200));
  const training = directionsOf(trainingScores);
  const rho = pooledCorrelation(held.iama, held.grpo);
  console.log(`ρ(r̃_IAMA, r̄_GRPO) within prompts, K = ${SAMPLES}:`);
  console.log(`  held-out evaluation prompts (${prompts.rewardEval.length}): ${rho.toFixed(3)}`);
  console.log(`  training prompts (64): ${pooledCorrelation(training.iama, training.grpo).toFixed(3)}`);
  console.log(
    `  first order at matched KL: IAMA's BoN_4 gain ×${(1 / rho).toFixed(3)} of GRPO's, plain gain ×${
      rho.toFixed(3)
    }\n`,
  );
  console.log(
    `One step's task draws (${TASKS_PER_GROUP} weightings per group) against the grid's expectation:`,
  );
  for (const [name, scores] of [["held-out", heldScores], ["training", trainingScores]] as const) {
    const fidelity = taskDrawFidelity(scores);
    console.log(
      `  ${name}: corr(r̃ drawn, r̃) = ${fidelity.iama.toFixed(3)}, corr(r̄ drawn, r̄) = ${
        fidelity.grpo.toFixed(3)
      }`,
    );
  }
  console.log();

  // Measured: each IAMA front point against GRPO's front (default model at KL 0) interpolated in KL.
  const results: { rewards: Record<string, RewardEvaluation & { kl: KlEstimate }> } = JSON.parse(
    await Deno.readTextFile(DESIGN.results),
  );
  type Value = (r: RewardEvaluation) => number;
  const front = (method: string) =>
    BASES.filter((base) => base.method === method).map(({ name }) => `${name}@${STEPS}`)
      .map((name) => ({ name, kl: results.rewards[name].kl.perSequence, r: results.rewards[name] }))
      .sort((x, y) => x.kl - y.kl);
  const base = results.rewards.default;
  const grpo = [{ kl: 0, r: base }, ...front("grpo")];
  const interpolated = (kl: number, value: Value) => {
    const above = grpo.findIndex((point) => point.kl >= kl);
    if (above <= 0) return undefined;
    const [lo, hi] = [grpo[above - 1], grpo[above]];
    const t = (kl - lo.kl) / (hi.kl - lo.kl);
    return value(lo.r) + t * (value(hi.r) - value(lo.r));
  };
  console.log("| IAMA point | KL | BoN_4 gain: IAMA / GRPO | plain gain: IAMA / GRPO |");
  console.log("|---|---:|---:|---:|");
  for (const point of front("iama")) {
    const ratio = (value: Value) => {
      const other = interpolated(point.kl, value);
      return other === undefined ? "–" : ((value(point.r) - value(base)) / (other - value(base))).toFixed(2);
    };
    console.log(
      `| ${point.name} | ${point.kl.toFixed(3)} | ${ratio(DESIGN.value)} | ${ratio(plainValue)} |`,
    );
  }

  if (trained.length > 0) {
    console.log(
      "\nRealised directions on the default model's held-out samples (within-prompt correlations):\n",
    );
    console.log("| base | corr(d, r̃_IAMA) | corr(d, r̄_GRPO) |");
    console.log("|---|---:|---:|");
    for (const { name } of trained) {
      const d = await realised(engine, name, heldOut);
      console.log(
        `| ${name} | ${pooledCorrelation(d, held.iama).toFixed(3)} | ${
          pooledCorrelation(d, held.grpo).toFixed(3)
        } |`,
      );
    }
  }
  if (larger.length > 0) {
    console.log(`\nLarger groups (β = 0.3, ${GROUPS_STEPS} steps):\n`);
    console.log("| base | KL | plain value | BoN_4 value | corr(d, r̃_IAMA) | corr(d, r̄_GRPO) |");
    console.log("|---|---|---:|---:|---:|---:|");
    for (const { name } of larger) {
      const d = await realised(engine, name, heldOut);
      const evaluation = await evaluateRewardBase(engine, name, prompts, sizes, rewardModels);
      console.log(
        `| ${name} | ${evaluation.kl.perSequence.toFixed(3)} ± ${evaluation.kl.standardError.toFixed(3)} | ${
          plainValue(evaluation).toFixed(3)
        } | ${meanWeightedValue(evaluation).toFixed(3)} | ${pooledCorrelation(d, held.iama).toFixed(3)} | ${
          pooledCorrelation(d, held.grpo).toFixed(3)
        } |`,
      );
    }
  }
} finally {
  await engine.close();
  await rewardModels.release();
}
