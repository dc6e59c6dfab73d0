/**
 * Pictures of the IAMA benchmark (docs/iama.md), drawn with trainer/report/line_chart.ts:
 *
 * - `iama_lengths.png`: length histograms (words) of the default, IAMA and GRPO bases on held-out prompts;
 * - `iama_front.png`: helpfulness vs harmlessness of BoN_4 answers over the weightings: the IAMA and GRPO
 *   bases of each KL target, the default model; plain samples' paths through the targets;
 * - `iama_front_kl.png`: the BoN_4 values and the plain-sample value against KL from the default;
 * - `iama_training.png`: mean completion length (a) and KL per token with the targets (b) during training.
 *
 * @module
 */
import { join } from "node:path";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { type LineSeries, type Rgb, writeLineChartPng } from "../trainer/report/line_chart.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";
import type { RunOutcome } from "./iama_runs.ts";
import type { RewardPair } from "./iama_tables.ts";

const GREY: Rgb = [127, 127, 127];
const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [255, 127, 14];
const LIGHT_BLUE: Rgb = [158, 202, 225];
const LIGHT_ORANGE: Rgb = [253, 190, 133];

/** Inputs of {@linkcode writeCharts}. */
export interface ChartInputs {
  lengthResults: Record<string, LengthEvaluation>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  outcomes: Record<string, RunOutcome>;
  lengthBases: string[];
  /** Ascending KL target. */
  rewardPairs: RewardPair[];
}

const colourOf = (base: string): Rgb => base.includes("iama") ? BLUE : base.includes("grpo") ? ORANGE : GREY;

/** Writes the four PNGs into `dir`. */
export async function writeCharts(dir: string, inputs: ChartInputs): Promise<void> {
  const binWidth = 2;
  await writeLineChartPng(join(dir, "iama_lengths.png"), {
    title: "(a) response length, targets 5 and 30 words",
    xLabel: "words (bin centre)",
    yLabel: "fraction of responses",
    series: inputs.lengthBases.map((base) => ({
      name: base,
      color: colourOf(base),
      points: inputs.lengthResults[base].histogram.map((p, i) => [i * binWidth + binWidth / 2, p]),
    })),
  });

  const klOf = (base: string) => inputs.rewardResults[base].kl.perSequence;
  const front = (base: string, color: Rgb): LineSeries => ({
    name: `${base} BoN_4 (KL ${klOf(base).toFixed(2)})`,
    color,
    points: inputs.rewardResults[base].bestOfN.map((c) => [c.harmlessness, c.helpfulness]),
  });
  const basesOf = (method: "iama" | "grpo") => ["default", ...inputs.rewardPairs.map((pair) => pair[method])];
  const plainPath = (method: "iama" | "grpo", color: Rgb): LineSeries => ({
    name: `${method} plain samples (default -> KL targets)`,
    color,
    points: basesOf(method).map((base) => {
      const plain = inputs.rewardResults[base].plain;
      return [plain.harmlessness, plain.helpfulness];
    }),
  });
  // The highest target in full colour, lower ones light.
  const last = inputs.rewardPairs.length - 1;
  await writeLineChartPng(join(dir, "iama_front.png"), {
    title: "(b) BoN_4 fronts, w = 0..1, same KL targets",
    xLabel: "harmlessness (z-score under the default model)",
    yLabel: "helpfulness (z)",
    series: [
      front("default", GREY),
      ...inputs.rewardPairs.flatMap((pair, i) => [
        front(pair.iama, i === last ? BLUE : LIGHT_BLUE),
        front(pair.grpo, i === last ? ORANGE : LIGHT_ORANGE),
      ]),
      plainPath("iama", [44, 160, 44]),
      plainPath("grpo", [214, 39, 40]),
    ],
  });

  const versusKl = (
    method: "iama" | "grpo",
    color: Rgb,
    value: (r: RewardEvaluation) => number,
    label: string,
  ) => ({
    name: `${method} ${label}`,
    color,
    points: basesOf(method).map((base) => {
      const r = inputs.rewardResults[base];
      return [Math.max(0, r.kl.perSequence), value(r)] as [number, number];
    }),
  });
  const equalWeightBoN = (r: RewardEvaluation) => {
    const mid = r.bestOfN.reduce((best, c) =>
      Math.abs(c.weight - 0.5) < Math.abs(best.weight - 0.5) ? c : best
    );
    return (mid.helpfulness + mid.harmlessness) / 2;
  };
  const meanOverWeights = (r: RewardEvaluation) =>
    r.bestOfN.reduce((sum, c) => sum + c.weight * c.helpfulness + (1 - c.weight) * c.harmlessness, 0) /
    r.bestOfN.length;
  const plainValue = (r: RewardEvaluation) => (r.plain.helpfulness + r.plain.harmlessness) / 2;
  await writeLineChartPng(join(dir, "iama_front_kl.png"), {
    title: "(b) value against KL from default",
    xLabel: "KL(base || default), nats per response",
    yLabel: "value (z)",
    series: [
      versusKl("iama", BLUE, meanOverWeights, "BoN_4, mean over weightings of w*h+(1-w)*s"),
      versusKl("grpo", ORANGE, meanOverWeights, "BoN_4, mean over weightings of w*h+(1-w)*s"),
      versusKl("iama", LIGHT_BLUE, equalWeightBoN, "BoN_4 at w = 0.5"),
      versusKl("grpo", LIGHT_ORANGE, equalWeightBoN, "BoN_4 at w = 0.5"),
      versusKl("iama", [44, 160, 44], plainValue, "plain samples (h+s)/2"),
      versusKl("grpo", [214, 39, 40], plainValue, "plain samples (h+s)/2"),
    ],
  });

  const training: LineSeries[] = [];
  for (const [name, outcome] of Object.entries(inputs.outcomes)) {
    if (!name.startsWith("length")) continue;
    training.push({
      name: `${name}: mean completion tokens`,
      color: name.includes("iama") ? [44, 160, 44] : [214, 39, 40],
      points: outcome.log.map((log) => [log.step, log.completionLength.mean]),
    });
  }
  let lastStep = 1;
  inputs.rewardPairs.forEach((pair, i) => {
    for (const base of [pair.iama, pair.grpo]) {
      const outcome = inputs.outcomes[base.slice(0, base.lastIndexOf("@"))];
      lastStep = Math.max(lastStep, outcome.log.at(-1)?.step ?? 1);
      const light = i !== last;
      training.push({
        name: `${outcome.name}: KL per token x 1000`,
        color: base.includes("iama") ? (light ? LIGHT_BLUE : BLUE) : light ? LIGHT_ORANGE : ORANGE,
        points: outcome.log.map((log) => [log.step, log.kl * 1000]),
      });
    }
  });
  for (const pair of inputs.rewardPairs) {
    training.push({
      name: `KL target ${pair.target} x 1000`,
      color: GREY,
      points: [[0, pair.target * 1000], [lastStep, pair.target * 1000]],
    });
  }
  await writeLineChartPng(join(dir, "iama_training.png"), {
    title: "training: length (a), KL x 1000 (b)",
    xLabel: "step",
    yLabel: "tokens / KL x 1000",
    series: training,
  });
}
