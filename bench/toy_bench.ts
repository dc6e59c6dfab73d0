/**
 * `deno task bench:toy`: the toy of IAMA.md §5 (paper Prop. 3.1), trained by non-linear GRPO and by
 * standard GRPO side by side.
 *
 * Policy: a categorical distribution over a grid of [0, 1] with free logits θ [G]. Criteria
 * r_1(y) = 1 − y² and r_2(y) = 1 − (1 − y)²; tasks BoN_N with r_1 and BoN_N with r_2, equal weights, β = 0.
 * Each step samples `GROUPS_PER_STEP` groups of M from π_θ, computes each sample's reward with the plug-in
 * BoN first variation per task, the weighted-sum chain rule and group-relative advantages (trainer/iama),
 * and takes an Adam ascent step on E[A·∇θ log π_θ(y)], ∇θ log π_θ(y) = onehot(y) − π_θ (exact for a
 * softmax). Standard GRPO is the same loop with one identity-aligner task, reward (r_1 + r_2)/2.
 *
 * Checks before it times: the closed-form optimum CDF F(y) = y^a / (y^a + (1 − y)^a), a = 1/(N − 1),
 * discretised on the grid (cell masses), must reach the paper's BoN values 0.8333, 0.9542, 0.9970 within
 * 0.1 % (so the grid is fine enough), and the point mass at y = ½ must give 0.75. After training, every
 * task's exact BoN value (computed from π_θ, not sampled) must be within 1 % of the target, and standard
 * GRPO's within 1 % of 0.75. Writes docs/toy_policies.png (trained CDFs vs the optimum) and
 * docs/toy_training.png (exact values during training).
 */
import assert from "node:assert/strict";
import { adamWStep, createAdamWState, DEFAULT_ADAMW, warmupCosineLearningRate } from "../trainer/adamw.ts";
import {
  type Aggregator,
  exactValueBestOfN,
  groupRelativeAdvantages,
  nonLinearGroupRewards,
  type TaskSpec,
} from "../trainer/iama/mod.ts";
import { type LineSeries, type Rgb, writeLineChartPng } from "../trainer/report/line_chart.ts";
import { Rng } from "../models/random.ts";

const GRID_SIZE = 201; // y_i = i/200; y = ½ is a grid point
const GROUP_SIZE = 16; // M
const GROUPS_PER_STEP = 16;
const STEPS = 4000;
const PEAK_LEARNING_RATE = 0.05; // Adam, cosine decay to 0, no warm-up
const EVALUATE_EVERY = 50;
const SEED = 2026;
const BASE_WIDTH = 0.15; // initial policy for both methods: a bump at ½ (logit −(y − ½)²/(2·0.15²))
const BUDGETS = [2, 4, 8] as const;
const TARGETS: Record<number, number> = { 2: 0.8333, 4: 0.9542, 8: 0.9970 };
const STANDARD_VALUE = 0.75;
const TOLERANCE = 0.01;
const AGGREGATOR: Aggregator = { kind: "weighted_sum", weights: [0.5, 0.5] };
const ADAM = { ...DEFAULT_ADAMW, beta2: 0.999, weightDecay: 0, maxGradientNorm: Infinity };

const grid = Float64Array.from({ length: GRID_SIZE }, (_, i) => i / (GRID_SIZE - 1));
const cellWidth = 1 / (GRID_SIZE - 1);
const criteria = {
  near_zero: grid.map((y) => 1 - y * y), // r_1
  near_one: grid.map((y) => 1 - (1 - y) * (1 - y)), // r_2
};

type TrainedPolicy = { probabilities: Float64Array; curve: [number, number][]; seconds: number };

/** Closed-form optimum CDF of the toy (IAMA.md §5). */
function optimumCdf(y: number, n: number): number {
  if (y <= 0) return 0;
  if (y >= 1) return 1;
  const a = 1 / (n - 1);
  return y ** a / (y ** a + (1 - y) ** a);
}

/** The optimum discretised on the grid: point i gets F's mass on its cell [y_i − h/2, y_i + h/2] ∩ [0, 1]. */
function discretisedOptimum(n: number): Float64Array {
  return grid.map((y) => optimumCdf(y + cellWidth / 2, n) - optimumCdf(y - cellWidth / 2, n));
}

/** Exact BoN_N value of each task under a grid distribution. */
function taskValues(probabilities: Float64Array, n: number): [number, number] {
  return [
    exactValueBestOfN(probabilities, criteria.near_zero, n),
    exactValueBestOfN(probabilities, criteria.near_one, n),
  ];
}

function softmax(logits: Float32Array, out: Float64Array): Float64Array {
  let largest = -Infinity;
  for (let i = 0; i < logits.length; i++) largest = Math.max(largest, logits[i]);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += out[i] = Math.exp(logits[i] - largest);
  for (let i = 0; i < logits.length; i++) out[i] /= total;
  return out;
}

/** Non-linear GRPO (or standard GRPO: one identity task) on the grid policy; deterministic by seed. */
function train(
  tasks: TaskSpec[],
  aggregator: Aggregator,
  seed: number,
  evaluate: (p: Float64Array) => number,
) {
  const started = performance.now();
  const rng = new Rng(seed);
  const logits = Float32Array.from(grid, (y) => -((y - 0.5) ** 2) / (2 * BASE_WIDTH ** 2));
  const parameters = new Map([["logits", logits]]);
  const adam = createAdamWState(parameters);
  const descent = new Float32Array(GRID_SIZE); // −∇ of the surrogate objective (Adam minimises)
  const gradients = new Map([["logits", descent]]);
  const probabilities = new Float64Array(GRID_SIZE);
  const cdf = new Float64Array(GRID_SIZE);
  const indices = new Uint32Array(GROUP_SIZE);
  const groupScores = { near_zero: new Float64Array(GROUP_SIZE), near_one: new Float64Array(GROUP_SIZE) };
  const advantageByPoint = new Float64Array(GRID_SIZE);
  const curve: [number, number][] = [];
  for (let step = 0; step < STEPS; step++) {
    softmax(logits, probabilities);
    if (step % EVALUATE_EVERY === 0) curve.push([step, evaluate(probabilities)]);
    let cumulative = 0;
    for (let i = 0; i < GRID_SIZE; i++) cdf[i] = cumulative += probabilities[i];
    advantageByPoint.fill(0);
    let advantageSum = 0;
    for (let group = 0; group < GROUPS_PER_STEP; group++) {
      for (let j = 0; j < GROUP_SIZE; j++) {
        const u = rng.nextFloat() * cumulative;
        let low = 0;
        let high = GRID_SIZE - 1;
        while (low < high) {
          const middle = (low + high) >> 1;
          if (cdf[middle] > u) high = middle;
          else low = middle + 1;
        }
        indices[j] = low;
        groupScores.near_zero[j] = criteria.near_zero[low];
        groupScores.near_one[j] = criteria.near_one[low];
      }
      const { rewards } = nonLinearGroupRewards(tasks, aggregator, groupScores);
      const { advantages } = groupRelativeAdvantages(rewards); // std scaling, ε = 1e-4
      for (let j = 0; j < GROUP_SIZE; j++) {
        advantageByPoint[indices[j]] += advantages[j];
        advantageSum += advantages[j];
      }
    }
    // ∇θ (1/BM) Σ A_j log π(y_j) = (1/BM) Σ A_j (onehot(y_j) − π)
    const samples = GROUPS_PER_STEP * GROUP_SIZE;
    for (let i = 0; i < GRID_SIZE; i++) {
      descent[i] = -(advantageByPoint[i] - advantageSum * probabilities[i]) / samples;
    }
    adamWStep(
      parameters,
      gradients,
      adam,
      warmupCosineLearningRate(step, PEAK_LEARNING_RATE, 0, STEPS, 0),
      ADAM,
    );
  }
  softmax(logits, probabilities);
  curve.push([STEPS, evaluate(probabilities)]);
  return { probabilities, curve, seconds: (performance.now() - started) / 1000 } satisfies TrainedPolicy;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const percentOff = (value: number, target: number) => (100 * (value - target)) / target;

// 1. Check before timing: the grid represents the optimum well enough, and the collapse value is 0.75.
const pointMass = grid.map((y) => (y === 0.5 ? 1 : 0));
for (const n of BUDGETS) {
  const values = taskValues(discretisedOptimum(n), n);
  for (const value of values) {
    assert.ok(
      Math.abs(percentOff(value, TARGETS[n])) < 0.1,
      `grid optimum N=${n}: ${value} vs ${TARGETS[n]}`,
    );
  }
  assert.deepEqual(taskValues(pointMass, n), [STANDARD_VALUE, STANDARD_VALUE]);
  console.log(
    `check N=${n}: closed-form optimum on the ${GRID_SIZE}-point grid → BoN values ` +
      `${values.map((v) => v.toFixed(5)).join(", ")} (target ${TARGETS[n]}); point mass at ½ → 0.75`,
  );
}

// 2. Train: non-linear GRPO per budget, standard GRPO once.
const bestOfNTasks = (n: number): TaskSpec[] => [
  { criterionWeights: { near_zero: 1 }, aligner: { kind: "best_of_n", n } },
  { criterionWeights: { near_one: 1 }, aligner: { kind: "best_of_n", n } },
];
const iama = new Map<number, TrainedPolicy>();
for (const n of BUDGETS) {
  iama.set(n, train(bestOfNTasks(n), AGGREGATOR, SEED + n, (p) => mean(taskValues(p, n))));
}
const standard = train(
  [{ criterionWeights: { near_zero: 0.5, near_one: 0.5 }, aligner: { kind: "identity" } }],
  { kind: "weighted_sum" },
  SEED,
  (p) => mean(taskValues(p, 2)),
);

// 3. Report.
console.log(
  `\nnon-linear GRPO vs standard GRPO on the toy: grid ${GRID_SIZE}, M = ${GROUP_SIZE}, ${GROUPS_PER_STEP} groups ` +
    `per step, ${STEPS} Adam steps (peak lr ${PEAK_LEARNING_RATE}, cosine), advantages mean_and_std (ε = 1e-4), ` +
    `seed ${SEED}\n`,
);
const rows: string[][] = [[
  "N",
  "target",
  "IAMA BoN r_1",
  "IAMA BoN r_2",
  "IAMA off",
  "GRPO BoN r_1",
  "GRPO BoN r_2",
  "steps",
  "IAMA s",
]];
const failures: string[] = [];
for (const n of BUDGETS) {
  const trained = iama.get(n)!;
  const values = taskValues(trained.probabilities, n);
  const baseline = taskValues(standard.probabilities, n);
  const worst = Math.max(...values.map((v) => Math.abs(percentOff(v, TARGETS[n]))));
  rows.push([
    `${n}`,
    TARGETS[n].toFixed(4),
    values[0].toFixed(4),
    values[1].toFixed(4),
    `${worst.toFixed(2)} %`,
    baseline[0].toFixed(4),
    baseline[1].toFixed(4),
    `${STEPS}`,
    trained.seconds.toFixed(1),
  ]);
  if (worst >= 100 * TOLERANCE) failures.push(`IAMA N=${n}: ${values} not within 1 % of ${TARGETS[n]}`);
  for (const value of baseline) {
    if (Math.abs(value - STANDARD_VALUE) >= TOLERANCE * STANDARD_VALUE) {
      failures.push(`standard GRPO N=${n}: ${value} not within 1 % of 0.75`);
    }
  }
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const line = (row: string[]) => `| ${row.map((cell, c) => cell.padStart(widths[c])).join(" | ")} |`;
console.log(line(rows[0]));
console.log(`|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`);
for (const row of rows.slice(1)) console.log(line(row));
console.log(
  `standard GRPO: trained once (${STEPS} steps, ${standard.seconds.toFixed(1)} s), evaluated at every N`,
);
console.log(
  "ratio IAMA / standard GRPO, exact BoN value (mean of both tasks): " +
    BUDGETS.map((n) =>
      `N=${n} ${
        (mean(taskValues(iama.get(n)!.probabilities, n)) / mean(taskValues(standard.probabilities, n)))
          .toFixed(3)
      }×`
    ).join("  "),
);

// 4. Pictures: trained CDFs (at each cell's right edge) against the closed-form optimum; training curves.
const LIGHT: Rgb[] = [[174, 199, 232], [255, 187, 120], [152, 223, 138]];
const DARK: Rgb[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44]];
const GRPO_COLOR: Rgb = [214, 39, 40];
const cdfPoints = (probabilities: Float64Array): [number, number][] => {
  let cumulative = 0;
  const points: [number, number][] = [[0, 0]];
  probabilities.forEach((p, i) => points.push([Math.min(1, grid[i] + cellWidth / 2), cumulative += p]));
  return points;
};
const fine = Array.from({ length: 1001 }, (_, i) => i / 1000);
const policySeries: LineSeries[] = BUDGETS.flatMap((n, b) => [
  {
    name: `optimum N=${n}`,
    color: LIGHT[b],
    points: fine.map((y): [number, number] => [y, optimumCdf(y, n)]),
  },
  { name: `IAMA N=${n}`, color: DARK[b], points: cdfPoints(iama.get(n)!.probabilities) },
]);
policySeries.push({ name: "standard GRPO", color: GRPO_COLOR, points: cdfPoints(standard.probabilities) });
const docs = new URL("../docs/", import.meta.url);
await Deno.mkdir(docs, { recursive: true });
await writeLineChartPng(new URL("toy_policies.png", docs).pathname, {
  title: "Toy (IAMA.md 5): trained policy CDFs vs the closed-form optimum",
  xLabel: "y",
  yLabel: "CDF of the trained policy",
  series: policySeries,
  width: 900,
  height: 560,
});
await writeLineChartPng(new URL("toy_training.png", docs).pathname, {
  title: "Toy: exact BoN_N value (mean of both tasks) during training",
  xLabel: "step",
  yLabel: "exact BoN_N value",
  series: [
    ...BUDGETS.map((n, b): LineSeries => ({
      name: `IAMA N=${n}`,
      color: DARK[b],
      points: iama.get(n)!.curve,
    })),
    { name: "standard GRPO (BoN_2)", color: GRPO_COLOR, points: standard.curve },
  ],
  width: 900,
  height: 560,
});
console.log("wrote docs/toy_policies.png, docs/toy_training.png");

if (failures.length > 0) {
  console.error(`FAILED:\n${failures.join("\n")}`);
  Deno.exit(1);
}
