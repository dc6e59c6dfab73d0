/**
 * `deno task bench:align`: the aligners on the default model, aligned reward against compute, on 96
 * held-out prompts that calibration never saw (trainer/calibration/prompts.ts), with the cost model's
 * predictions beside what the engine reports spent.
 *
 * For each weighting (calibrated criteria, sum) and each aligner/budget, every prompt is aligned once
 * (request seed = the prompt's index, so one-batch aligners share candidates: best-of-8's first four
 * are best-of-4's). Reports the mean calibrated aggregate of the returned answers, the compute spent
 * (generated tokens, forward passes, engine ms, wall ms), and the expected compute predicted from the
 * quality curves (aligners/quality_curves/predict.ts) with its relative error over the whole run,
 * next to the max_tokens upper bound's. Then the weightings table: each criterion's mean raw score of
 * the answers best-of-8 chooses under each weighting (same candidates for every weighting).
 *
 * Checks before it reports: calibration and curves are for the served version, every receipt names
 * it and has an aggregate, and best-of-N returns the candidate with the highest aggregate.
 * Writes docs/align_curves.png and docs/alignment.md.
 *
 *     deno task bench:align [--prompts 96] [--threads 2]
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEngine } from "../models/engine/mod.ts";
import { writeFileAtomic } from "../models/io/atomic_write.ts";
import { Rng } from "../models/random.ts";
import {
  type Aligner,
  createBestOfN,
  createBlockwise,
  createPlainSampling,
  createRejectionSampling,
  createSoftBestOfN,
  predictAlignerCost,
} from "../aligners/mod.ts";
import {
  chosenProbabilities,
  completionLengths,
  loadQualityCurves,
  nearestWeighting,
} from "../aligners/quality_curves/mod.ts";
import { renderPrompt } from "../trainer/default_model/chat_format.ts";
import { DEFAULT_PALETTE, type LineSeries, writeLineChartPng } from "../trainer/report/line_chart.ts";
import { benchPrompts, CALIBRATED_CRITERIA } from "../trainer/calibration/prompts.ts";
import { DEFAULT_MODEL_PATH, modelCriteria } from "./_model_criteria.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { prompts: { type: "string", default: "96" }, threads: { type: "string", default: "2" } },
});
const ROOT = join(import.meta.dirname!, "..");
const MODEL_PATH = DEFAULT_MODEL_PATH;
const MAX_TOKENS = 128;
/** Weightings every aligner runs under. */
const WEIGHTINGS: Record<string, number>[] = [
  { helpfulness: 1 },
  { harmlessness: 1 },
  { helpfulness: 0.5, harmlessness: 0.5 },
];
/** Also in the weightings table (best-of-8 only). */
const TABLE_ONLY_WEIGHTINGS: Record<string, number>[] = [{ helpfulness: 0.5, sentiment: 0.5 }];

const startedAt = performance.now();
const startEngine = () =>
  createEngine({ models: [{ name: "m", path: MODEL_PATH }], threads: Number(args.threads) });
let engine = await startEngine();
const version = engine.models()[0].version;
const rewardModels = await modelCriteria(MODEL_PATH, version);
const { registry, calibrator } = rewardModels;
const curves = await loadQualityCurves(join(MODEL_PATH, "quality_curves.json"), { modelVersion: version });
const lengths = completionLengths(curves);
const prompts = await Promise.all(
  benchPrompts(Number(args.prompts)).map(async ({ prompt }) => ({
    text: prompt,
    promptIds: await engine.tokenize("m", renderPrompt(prompt)),
  })),
);
const sampling = {
  temperature: curves.sampling.temperature,
  topP: curves.sampling.topP,
  topK: 0,
  presencePenalty: 0,
  frequencyPenalty: 0,
  maxTokens: MAX_TOKENS,
  stop: [],
  ignoreEos: false,
};

/** The aligners and budgets run under a weighting (rejection's r_max: that weighting's measured maximum). */
function alignersFor(weights: Record<string, number>): Aligner[] {
  const { weighting } = nearestWeighting(curves.weightings, weights);
  return [
    createPlainSampling({ score: true }),
    createBestOfN({ n: 2 }),
    createBestOfN({ n: 4 }),
    createBestOfN({ n: 8 }),
    createSoftBestOfN({ n: 4, temperature: 0.5 }),
    createRejectionSampling({ temperature: 0.5, rMax: weighting.rMax, batchSize: 4, maxDraws: 8 }),
    createBlockwise({ k: 4, blockTokens: 16 }),
  ];
}

const label = (aligner: Aligner) =>
  `${aligner.name}(${
    Object.entries(aligner.params).filter(([k]) => k !== "score" && k !== "rMax").map(([k, v]) => `${k}=${v}`)
      .join(",")
  })`;

interface Row {
  weighting: string;
  aligner: string;
  reward: number;
  spent: { tokens: number; passes: number; prefill: number; ms: number; wallMs: number; evaluations: number };
  predicted?: { tokens: number; passes: number; prefill: number; ms: number };
  upperBound: { tokens: number; passes: number };
  /** Each prompt's returned answer length (tokens). */
  answerTokens: number[];
  /** Chosen answers' raw scores per calibrated criterion (best-of-8 only). */
  raw?: Record<string, number>;
}

async function runAligner(weights: Record<string, number>, aligner: Aligner, withRaw: boolean): Promise<Row> {
  // A new engine per row: its prefix cache holds none of the prompts earlier rows ran, as the cost model
  // assumes (a request's own earlier requests are cached, nothing else).
  await engine.close();
  engine = await startEngine();
  // Warm the new session up on an unrelated prompt, so that the row's first request is not charged for it.
  const warmUp = await engine.tokenize("m", renderPrompt("Warm-up: say something short."));
  for await (
    const _ of engine.generate({ model: "m", promptIds: warmUp, n: 4, sampling: { ...sampling, seed: 0 } })
  ) {
    // drained
  }
  const row: Row = {
    weighting: JSON.stringify(weights),
    aligner: label(aligner),
    reward: 0,
    spent: { tokens: 0, passes: 0, prefill: 0, ms: 0, wallMs: 0, evaluations: 0 },
    upperBound: { tokens: 0, passes: 0 },
    answerTokens: [],
  };
  const predicted = { tokens: 0, passes: 0, prefill: 0, ms: 0 };
  let modelled = true;
  const rawSums: Record<string, number> = {};
  for (const [p, prompt] of prompts.entries()) {
    const task = {
      model: "m",
      promptIds: prompt.promptIds,
      prompt: prompt.text,
      sampling,
      criteria: { weights },
      calibrator,
    };
    const { choice, receipt } = await aligner.run(task, { engine, criteria: registry, rng: new Rng(p) });
    assert.equal(receipt.modelVersion, version);
    assert.ok(typeof receipt.aggregate === "number", `${row.aligner}: no aggregate for prompt ${p}`);
    if (aligner.name === "best_of_n") {
      assert.equal(receipt.aggregate, Math.max(...receipt.aggregates!.map((a) => a ?? -Infinity)));
    }
    row.reward += receipt.aggregate / prompts.length;
    row.answerTokens.push(choice.completionTokens);
    row.spent.tokens += receipt.compute.generatedTokens;
    row.spent.passes += receipt.compute.forwardPasses;
    row.spent.prefill += receipt.compute.prefillTokens;
    row.spent.ms += receipt.compute.milliseconds;
    row.spent.wallMs += receipt.compute.wallMilliseconds;
    row.spent.evaluations += receipt.compute.rewardEvaluations;
    const shape = {
      promptTokens: prompt.promptIds.length,
      maxTokens: MAX_TOKENS,
      criteriaCount: Object.keys(weights).length,
    };
    const bound = aligner.estimateCost(shape);
    row.upperBound.tokens += bound.generatedTokens;
    row.upperBound.passes += bound.forwardPasses;
    const expected = predictAlignerCost(curves, aligner, shape, weights, lengths);
    if (expected === undefined) modelled = false;
    else {
      predicted.tokens += expected.generatedTokens;
      predicted.passes += expected.forwardPasses;
      predicted.prefill += expected.prefillTokens;
      predicted.ms += expected.milliseconds;
    }
    if (withRaw) {
      for (const name of CALIBRATED_CRITERIA) {
        const [score] = await registry.get(name).score(prompt.text, [choice.text]);
        rawSums[name] = (rawSums[name] ?? 0) + score / prompts.length;
      }
    }
  }
  if (modelled) row.predicted = predicted;
  if (withRaw) row.raw = rawSums;
  return row;
}

const relativeError = (predicted: number, spent: number) => (predicted - spent) / spent;
const percent = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`;
const perPrompt = (x: number) => (x / prompts.length).toFixed(1);

const rows: Row[] = [];
const tableRows: Row[] = [];
try {
  for (const weights of WEIGHTINGS) {
    for (const aligner of alignersFor(weights)) {
      const isBestOf8 = aligner.name === "best_of_n" && aligner.params.n === 8;
      const row = await runAligner(weights, aligner, isBestOf8);
      rows.push(row);
      if (isBestOf8) tableRows.push(row);
      console.log(
        `${row.weighting.padEnd(42)} ${row.aligner.padEnd(40)} reward ${
          row.reward.toFixed(3).padStart(6)
        }  ` +
          `tokens ${(row.spent.tokens / prompts.length).toFixed(0).padStart(4)}  predicted error: ${
            row.predicted
              ? `tokens ${percent(relativeError(row.predicted.tokens, row.spent.tokens))}, passes ${
                percent(relativeError(row.predicted.passes, row.spent.passes))
              }`
              : "not modelled"
          }  answer ${perPrompt(row.answerTokens.reduce((a, b) => a + b, 0))} tokens  (${elapsed()} s)`,
      );
      if (aligner.name === "blockwise") {
        console.log(`  answer tokens per prompt: ${row.answerTokens.join(" ")}`);
      }
    }
  }
  for (const weights of TABLE_ONLY_WEIGHTINGS) {
    tableRows.push(await runAligner(weights, createBestOfN({ n: 8 }), true));
  }
  // Unaligned reference for the table: the plain sample's raw scores (its weighting does not matter).
  const reference = await runAligner(WEIGHTINGS[0], createPlainSampling({ score: true }), true);
  reference.weighting = "(none: plain sampling)";
  tableRows.unshift(reference);
} finally {
  await rewardModels.release();
  await engine.close();
}

function elapsed(): string {
  return ((performance.now() - startedAt) / 1000).toFixed(0);
}

// ---- report ----------------------------------------------------------------------------------

const costTable = [
  "| weighting | aligner | aligned reward | generated tokens | forward passes | prompt tokens prefilled | engine ms | wall ms | predicted tokens (error) | predicted passes (error) | predicted prefill (error) | predicted ms (error) | max_tokens bound: tokens (error) |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map((r) => {
    const pred = r.predicted;
    const cell = (p: number | undefined, s: number) =>
      p === undefined ? "not modelled" : `${perPrompt(p)} (${percent(relativeError(p, s))})`;
    return `| ${r.weighting} | ${r.aligner} | ${r.reward.toFixed(3)} | ${perPrompt(r.spent.tokens)} | ${
      perPrompt(r.spent.passes)
    } | ${perPrompt(r.spent.prefill)} | ${perPrompt(r.spent.ms)} | ${perPrompt(r.spent.wallMs)} | ${
      cell(pred?.tokens, r.spent.tokens)
    } | ${cell(pred?.passes, r.spent.passes)} | ${cell(pred?.prefill, r.spent.prefill)} | ${
      cell(pred?.ms, r.spent.ms)
    } | ${perPrompt(r.upperBound.tokens)} (${percent(relativeError(r.upperBound.tokens, r.spent.tokens))}) |`;
  }),
];
const modelled = rows.filter((r) => r.predicted !== undefined);
const worst = (key: "tokens" | "passes" | "prefill" | "ms") =>
  Math.max(...modelled.map((r) => Math.abs(relativeError(r.predicted![key], r.spent[key]))));
const total = (key: "tokens" | "passes" | "prefill" | "ms") =>
  relativeError(
    modelled.reduce((s, r) => s + r.predicted![key], 0),
    modelled.reduce((s, r) => s + r.spent[key], 0),
  );

/**
 * The committed answer's length laws the curves hold for a blockwise row, per calibration prompt (means
 * cut at max_tokens), under the nearest measured weighting: `measured`, the answers blockwise itself
 * committed to at calibration (whose blocks the prediction replays), and `bestOfK`, the answer best-of-k
 * commits to (the law a configuration not measured is predicted with).
 */
function committedAnswerTokens(row: Row): { measured?: number[]; bestOfK?: number[] } {
  const match = /k=(\d+),blockTokens=(\d+)/.exec(row.aligner);
  if (!match) return {};
  const [k, blockTokens] = [Number(match[1]), Number(match[2])];
  const { weighting } = nearestWeighting(curves.weightings, JSON.parse(row.weighting));
  const cut = (l: number) => l >= curves.sampling.maxTokens ? MAX_TOKENS : Math.min(l, MAX_TOKENS);
  const run = weighting.blockwise?.find((b) => b.k === k && b.blockTokens === blockTokens);
  return {
    measured: run?.committedTokens.map((lengths) =>
      lengths.reduce((sum, l) => sum + cut(l), 0) / lengths.length
    ),
    bestOfK: weighting.aggregates?.map((aggregates, p) => {
      const chosen = chosenProbabilities(aggregates, k);
      return curves.completionTokens[p].reduce((sum, l, j) => sum + chosen[j] * cut(l), 0);
    }),
  };
}
/** Mean ± standard error of the mean. */
function meanAndError(xs: readonly number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return `${mean.toFixed(1)} ± ${Math.sqrt(variance / xs.length).toFixed(1)}`;
}
const meanAnswer = (r: Row) => perPrompt(r.answerTokens.reduce((a, b) => a + b, 0));
const blockwiseLines = rows.filter((r) => r.aligner.startsWith("blockwise")).map((r) => {
  const plain = rows.find((q) => q.weighting === r.weighting && q.aligner.startsWith("plain_sampling"))!;
  const bestOf4 = rows.find((q) => q.weighting === r.weighting && q.aligner === "best_of_n(n=4)");
  const laws = committedAnswerTokens(r);
  const law = (xs?: number[]) => xs === undefined ? "—" : meanAndError(xs);
  return `- ${r.weighting}: answers ${meanAndError(r.answerTokens)} tokens (calibration: blockwise's own ${
    law(laws.measured)
  }, best-of-k's ${law(laws.bestOfK)}; this run's plain sampling ${meanAnswer(plain)}, best-of-4 ${
    bestOf4 ? meanAnswer(bestOf4) : "—"
  }); prediction error tokens ${percent(relativeError(r.predicted!.tokens, r.spent.tokens))}, passes ${
    percent(relativeError(r.predicted!.passes, r.spent.passes))
  }`.replaceAll(" %", "\u00a0%");
});
const weightingsTable = [
  `| weighting (best-of-8 chooses) | ${CALIBRATED_CRITERIA.join(" | ")} |`,
  `|---|${CALIBRATED_CRITERIA.map(() => "---:").join("|")}|`,
  ...tableRows.map((r) =>
    `| ${r.weighting} | ${CALIBRATED_CRITERIA.map((name) => r.raw![name].toFixed(3)).join(" | ")} |`
  ),
];

/** A closed outline around (x, y) so that a single measured point shows (the chart draws lines only). */
function marker([x, y]: [number, number], shape: "diamond" | "square" | "triangle"): [number, number][] {
  const [dx, dy] = [7, 0.03];
  if (shape === "diamond") return [[x - dx, y], [x, y + dy], [x + dx, y], [x, y - dy], [x - dx, y]];
  if (shape === "square") {
    return [[x - dx, y - dy], [x - dx, y + dy], [x + dx, y + dy], [x + dx, y - dy], [x - dx, y - dy]];
  }
  return [[x - dx, y - dy], [x, y + dy], [x + dx, y - dy], [x - dx, y - dy]];
}
const MARKERS = { soft_best_of_n: "diamond", rejection_sampling: "square", blockwise: "triangle" } as const;
const series: LineSeries[] = [];
WEIGHTINGS.forEach((weights, w) => {
  const name = JSON.stringify(weights);
  const color = DEFAULT_PALETTE[w];
  const mine = rows.filter((r) => r.weighting === name);
  const point = (r: Row): [number, number] => [r.spent.tokens / prompts.length, r.reward];
  series.push({
    name: `${name}: sample, best-of-2/4/8`,
    color,
    points: mine.filter((r) => /^(plain_sampling|best_of_n)/.test(r.aligner)).map(point),
  });
  for (const [family, shape] of Object.entries(MARKERS)) {
    const row = mine.find((r) => r.aligner.startsWith(family));
    if (row) series.push({ name: `${name}: ${family} (${shape})`, color, points: marker(point(row), shape) });
  }
});
// The same best-of-N placed at the cost the max_tokens upper bound charges (the old cost model).
const boundRows = rows.filter((r) =>
  r.weighting === JSON.stringify(WEIGHTINGS[0]) && /^(plain|best_of_n)/.test(r.aligner)
);
series.push({
  name: `${JSON.stringify(WEIGHTINGS[0])}: best-of-N at its max_tokens upper bound`,
  color: DEFAULT_PALETTE[7],
  points: boundRows.map((r) => [r.upperBound.tokens / prompts.length, r.reward]),
});
await writeLineChartPng(join(ROOT, "docs", "align_curves.png"), {
  title: `Aligned reward vs generated tokens (${prompts.length} held-out prompts, max_tokens ${MAX_TOKENS})`,
  xLabel: "generated tokens per request",
  yLabel: "mean calibrated aggregate",
  series,
  width: 960,
  height: 600,
});

const command = "deno task bench:align";
const doc = `# Alignment: reward vs compute, and the cost model

Measured by \`${command}\` (bench/align_bench.ts) on the default model (version \`${version}\`), ${prompts.length}
held-out prompts that calibration did not use, max_tokens ${MAX_TOKENS}, temperature ${sampling.temperature},
top-p ${sampling.topP}, request seed = prompt index. Calibration and quality curves come from
\`deno task calibrate\` (bench/calibrate.ts → models/default/calibration.json, quality_curves.json: 64 other
held-out prompts × 16 responses at max_tokens ${curves.sampling.maxTokens}).

Aligned reward is the mean over prompts of the returned answer's aggregate: criteria z-scored with the calibration,
weighted and summed (0 = the model's average answer, 1 = one standard deviation better). Compute columns are per
request (means over prompts). "Predicted" is the cost model (aligners/cost.ts \`expectedCost\` with
aligners/quality_curves/predict.ts): expected completion length min(L, max_tokens) from the measured lengths,
rejection sampling's early stop from the curves, blockwise decoding by replaying the blocks of its runs at
calibration (aligners/quality_curves/blockwise_replay.ts), engine time per forward pass, per generated token and per
prompt token fitted at calibration (aligners/quality_curves/engine_time.ts); its error is (predicted − spent) /
spent over all ${prompts.length} prompts. The last column is the old max_tokens upper bound.

![aligned reward vs generated tokens](align_curves.png)

Lines: plain sampling and best-of-2/4/8 per weighting; markers: soft best-of-4 (diamond), rejection sampling
(square), blockwise k = 4 (triangle); gray: the helpfulness best-of-N placed at the cost the max_tokens upper
bound charges (the old cost model).

${costTable.join("\n")}

Cost model error over the whole run (aligners it models): generated tokens ${
  percent(total("tokens"))
}, forward
passes ${percent(total("passes"))}, prompt tokens prefilled ${percent(total("prefill"))}, engine ms ${
  percent(total("ms"))
}; worst single row: tokens ${(100 * worst("tokens")).toFixed(1)} %, passes ${
  (100 * worst("passes")).toFixed(1)
} %, prefill ${(100 * worst("prefill")).toFixed(1)} %, ms ${
  (100 * worst("ms")).toFixed(1)
} %. Engine time depends on
the machine's load (the fit is from calibration time); tokens and passes do not.

Blockwise decoding cannot be predicted from the sampled responses alone. Its criteria do not choose at random:
the committed answers run longer than plain sampling's, so they run more blocks than a random candidate would.
Nor do they choose as best-of-k does: blockwise judges *prefixes*, and a reward model scores an unfinished prefix
differently from a finished answer. And the k continuations of one prefix end closer together than k independent
answers, so the longest of them (the block's forward passes) ends sooner. So calibration runs blockwise itself
(k = 4, 16-token blocks, twice per calibration prompt under each weighting: aligners/quality_curves/
measure_blockwise.ts) and keeps every block's candidate lengths; the prediction replays those blocks for the
request's max_tokens (a run is causal in its limit: blocks before the limit are the same, the last one is cut),
charging each block as the engine does (blockwise_replay.ts, tested seed for seed against the engine's
accounting). Per weighting: this run's blockwise answers' mean length, the means of the committed answers at
calibration and of the answer best-of-k would commit to (± standard error over prompts), and this run's plain
sampling and best-of-4 answers:

${blockwiseLines.join("\n")}

The blockwise rows carry more sampling noise than the others: one answer per prompt on ${prompts.length} prompts
leaves the mean answer length the standard error shown above, and the blockwise compute follows the answer
length.

## Weightings change the answers

Mean raw score of each criterion over the ${prompts.length} prompts, for the answer best-of-8 returns under each
weighting (the same 8 candidates per prompt for every weighting; first row: plain sampling, no choice).

${weightingsTable.join("\n")}

## How \`auto\` plans

\`alignment.aligner: "auto"\` (aligners/planner.ts) reads the quality curves measured for the serving model version,
takes the measured weighting nearest to the request's (L1 distance of the normalised weights), and picks the
aligner and budget with the highest expected aggregate whose expected cost fits \`budget\` (max_candidates, expected
generated tokens ≤ max_generated_tokens, predicted engine ms ≤ deadline_ms). The options are best-of-N (N = 1: plain
sampling), soft best-of-N, rejection sampling (only for a measured weighting with the sum aggregator) and, when
calibration ran it, blockwise decoding (k = 4, 16-token blocks): its expected aggregate is the mean reward of the
answers it committed to at calibration, scored like the sampled responses, its cost the replay of those runs'
blocks, and it counts as k candidates for max_candidates. The receipt's \`plan\` says which
weighting's curve was used, the expected aggregate, the predicted compute and how many options fitted. Without
curves for the serving version it falls back to the largest best-of-N whose max_tokens upper bound fits.

Regenerate: \`deno task calibrate\` (about 1 minute on 2 idle cores, 7 under heavy load), then \`${command}\`.
`;
await writeFileAtomic(join(ROOT, "docs", "alignment.md"), doc);
// Keep `deno task check` (deno fmt --check) clean: the tables are written unaligned.
await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", "docs/alignment.md"], cwd: ROOT })
  .output();

console.log(
  `\ncost model over ${modelled.length} rows: tokens ${percent(total("tokens"))}, passes ${
    percent(total("passes"))
  }, ` +
    `ms ${percent(total("ms"))} (worst row: tokens ${(100 * worst("tokens")).toFixed(1)} %, passes ${
      (100 * worst("passes")).toFixed(1)
    } %)`,
);
console.log(blockwiseLines.join("\n"));
console.log(weightingsTable.join("\n"));
console.log(`wrote docs/align_curves.png and docs/alignment.md (${elapsed()} s)`);
