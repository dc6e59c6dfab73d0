/**
 * Pictures of bench:iama-fronts (docs/iama.md), drawn with trainer/report/line_chart.ts:
 *
 * - `iama_fronts.png`: BoN_4 mean weighted value or another BoN_4 value (dark) and plain-sample value (light) against measured
 *   KL. Each method's front joins its last snapshot at every β (KL 0: the default model); a thin line per
 *   run joins its snapshots in step order, so a run that had settled is a short hook at its front point.
 * - `iama_fronts_training.png`: rollout KL per token against step for every run (has it levelled off?).
 *
 * @module
 */
import { join } from "node:path";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { type LineSeries, type Rgb, writeLineChartPng } from "../trainer/report/line_chart.ts";
import type { RewardEvaluation } from "./iama_eval.ts";
import { meanWeightedValue, plainValue } from "./iama_ladder.ts";
import type { RunOutcome } from "./iama_runs.ts";

const DARK: Record<string, Rgb> = { IAMA: [31, 119, 180], GRPO: [255, 127, 14] };
const LIGHT: Record<string, Rgb> = { IAMA: [140, 190, 225], GRPO: [255, 190, 125] };

/** Inputs of {@linkcode writeFrontCharts}. */
export interface FrontChartInputs {
  results: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  betas: readonly number[];
  snapshots: readonly number[];
  /** Per method label ("IAMA", "GRPO"): its runs and their β, in increasing β. */
  runs: Record<string, readonly { name: string; beta: number }[]>;
  outcomes: Record<string, RunOutcome>;
  /** The BoN_4 value drawn and its axis label (default: the mean over the weightings). */
  bestOfN?: { value: (r: RewardEvaluation) => number; label: string };
}

/** Writes the two PNGs into `dir` as `<name>.png` and `<name>_training.png`. */
export async function writeFrontCharts(dir: string, name: string, inputs: FrontChartInputs): Promise<void> {
  const { results, snapshots } = inputs;
  const point = (base: string, value: (r: RewardEvaluation) => number): [number, number] => [
    Math.max(0, results[base].kl.perSequence),
    value(results[base]),
  ];
  const last = snapshots.at(-1)!;
  const series: LineSeries[] = [];
  for (const [method, runs] of Object.entries(inputs.runs)) {
    for (
      const [kind, value, colours] of [
        ["BoN_4", inputs.bestOfN?.value ?? meanWeightedValue, DARK],
        ["plain", plainValue, LIGHT],
      ] as const
    ) {
      const front = [
        point("default", value),
        ...runs.map((run) => point(`${run.name}@${last}`, value)),
      ].sort((a, b) => a[0] - b[0]);
      series.push({ name: `${method} ${kind} front`, color: colours[method], points: front });
      for (const { name: run } of runs) {
        series.push({
          name: "",
          color: colours[method],
          points: snapshots.map((steps) => point(`${run}@${steps}`, value)),
        });
      }
    }
  }
  await writeLineChartPng(join(dir, `${name}.png`), {
    title: `(b) fronts traced by beta (${inputs.betas.join(", ")}), ${last} steps each`,
    xLabel: "KL(base || default), nats per response",
    yLabel: `value (z): ${inputs.bestOfN?.label ?? "BoN_4 = mean over w of w*h+(1-w)*s"}, plain = (h+s)/2`,
    height: 560,
    series: series.filter((s) => s.name !== "").concat(series.filter((s) => s.name === "")),
  });

  const training: LineSeries[] = [];
  for (const [method, runs] of Object.entries(inputs.runs)) {
    runs.forEach((run, i) => {
      training.push({
        name: `${method} beta ${run.beta}`,
        // Darker for larger β within each method's colour.
        color: shade(
          LIGHT[method],
          DARK[method],
          runs.length === 1 ? 1 : i / (runs.length - 1),
        ),
        points: inputs.outcomes[run.name].log.map((log) => [log.step, log.kl * 1000]),
      });
    });
  }
  await writeLineChartPng(join(dir, `${name}_training.png`), {
    title: "(b) fronts: rollout KL per token x 1000 during training",
    xLabel: "step",
    yLabel: "KL per token x 1000",
    series: training,
  });
}

function shade(from: Rgb, to: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(from[i] + (to[i] - from[i]) * t)) as unknown as Rgb;
}
