/**
 * Pictures of the IAMA benchmark (docs/iama.md), drawn with trainer/report/line_chart.ts:
 *
 * - `iama_lengths.png`: length histograms (words) of the default, IAMA and GRPO bases on held-out prompts;
 * - `iama_front.png`: helpfulness vs harmlessness of BoN_4 answers over the weightings: the IAMA base at
 *   the largest step count, the GRPO base closest to it in KL, the default model; plain samples' paths;
 * - `iama_front_kl.png`: the equal-weight BoN_4 value and the plain-sample value against KL from the default;
 * - `iama_training.png`: mean completion length (a) and KL (b) during training.
 *
 * @module
 */
import { join } from "node:path";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { type LineSeries, type Rgb, writeLineChartPng } from "../trainer/report/line_chart.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";
import type { RunOutcome } from "./iama_runs.ts";

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
  settings: { rewardSnapshots: number[]; lengthSnapshots: number[] };
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

  // The IAMA base at the last step count against the GRPO base whose KL from the default is closest.
  const lastIama = `reward_iama@${inputs.settings.rewardSnapshots.at(-1)}`;
  const klOf = (base: string) => inputs.rewardResults[base].kl.perSequence;
  const matchedGrpo = inputs.settings.rewardSnapshots.map((s) => `reward_grpo@${s}`)
    .reduce((best, base) =>
      Math.abs(klOf(base) - klOf(lastIama)) < Math.abs(klOf(best) - klOf(lastIama)) ? base : best
    );
  const front = (base: string, color: Rgb): LineSeries => ({
    name: `${base} BoN_4 (KL ${klOf(base).toFixed(2)})`,
    color,
    points: inputs.rewardResults[base].bestOfN.map((c) => [c.harmlessness, c.helpfulness]),
  });
  const plainPath = (method: string, color: Rgb): LineSeries => ({
    name: `${method} plain samples (default -> steps)`,
    color,
    points: ["default", ...inputs.settings.rewardSnapshots.map((s) => `reward_${method}@${s}`)].map(
      (base) => {
        const plain = inputs.rewardResults[base].plain;
        return [plain.harmlessness, plain.helpfulness];
      },
    ),
  });
  await writeLineChartPng(join(dir, "iama_front.png"), {
    title: "(b) BoN_4 fronts, w = 0..1, near-equal KL",
    xLabel: "harmlessness (z-score under the default model)",
    yLabel: "helpfulness (z)",
    series: [
      front("default", GREY),
      front(lastIama, BLUE),
      front(matchedGrpo, ORANGE),
      plainPath("iama", LIGHT_BLUE),
      plainPath("grpo", LIGHT_ORANGE),
    ],
  });

  const versusKl = (method: string, color: Rgb, value: (r: RewardEvaluation) => number, label: string) => ({
    name: `${method} ${label}`,
    color,
    points: ["default", ...inputs.settings.rewardSnapshots.map((s) => `reward_${method}@${s}`)].map(
      (base) => {
        const r = inputs.rewardResults[base];
        return [Math.max(0, r.kl.perSequence), value(r)] as [number, number];
      },
    ),
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
      color: colourOf(name),
      points: outcome.log.map((log) => [log.step, log.completionLength.mean]),
    });
  }
  for (const [name, outcome] of Object.entries(inputs.outcomes)) {
    if (!name.startsWith("reward")) continue;
    training.push({
      name: `${name}: KL per token x 1000`,
      color: name.includes("iama") ? LIGHT_BLUE : LIGHT_ORANGE,
      points: outcome.log.map((log) => [log.step, log.kl * 1000]),
    });
  }
  await writeLineChartPng(join(dir, "iama_training.png"), {
    title: "training: length (a), KL x 1000 (b)",
    xLabel: "step",
    yLabel: "tokens / KL x 1000",
    series: training,
  });
}
