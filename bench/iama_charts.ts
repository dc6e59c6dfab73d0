/**
 * Pictures of the IAMA benchmark (docs/iama.md), drawn with trainer/report/line_chart.ts:
 *
 * - `iama_lengths.png`: length histograms (words) of the default, IAMA and GRPO bases on held-out prompts;
 * - `iama_front.png`: helpfulness vs harmlessness of BoN_4 answers over the weightings (a front): the
 *   default model, and a few IAMA rungs of (b)'s ladder each with the GRPO rung nearest its KL;
 * - `iama_front_kl.png`: the BoN_4 mean weighted value and the plain-sample value against measured KL,
 *   every rung of both ladders (a tick per rung; the lines only join rungs in KL order);
 * - `iama_training.png`: mean completion length (a) and rollout KL per token of both ladder runs (b).
 *
 * @module
 */
import { join } from "node:path";
import type { KlEstimate } from "../trainer/evaluation/mod.ts";
import { type LineSeries, type Rgb, writeLineChartPng } from "../trainer/report/line_chart.ts";
import type { LengthEvaluation, RewardEvaluation } from "./iama_eval.ts";
import type { RunOutcome } from "./iama_runs.ts";
import { meanWeightedValue, nearestRung, plainValue, type Rung, rungOf } from "./iama_ladder.ts";

const GREY: Rgb = [127, 127, 127];
const BLUE: Rgb = [31, 119, 180];
const ORANGE: Rgb = [255, 127, 14];
const GREEN: Rgb = [44, 160, 44];
const RED: Rgb = [214, 39, 40];
/** Light to dark, for rungs at increasing KL. */
const BLUES: Rgb[] = [[158, 202, 225], [74, 152, 201], [8, 69, 148]];
const ORANGES: Rgb[] = [[253, 190, 133], [253, 141, 60], [166, 54, 3]];
/** IAMA rungs drawn on the front chart (spread over the ladder's KL range, the top one included). */
const FRONT_LEVELS = 3;

/** Inputs of {@linkcode writeCharts}. */
export interface ChartInputs {
  lengthResults: Record<string, LengthEvaluation>;
  rewardResults: Record<string, RewardEvaluation & { kl: KlEstimate }>;
  outcomes: Record<string, RunOutcome>;
  lengthBases: string[];
  /** Experiment (b)'s trained rungs of each method ("default" not included). */
  ladders: { iama: string[]; grpo: string[] };
  /** Experiment (b)'s run of each method (for the training curves). */
  rewardRuns: { iama: string; grpo: string };
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
  const rungs = (method: "iama" | "grpo"): Rung[] =>
    inputs.ladders[method].map((base) => rungOf(base, inputs.rewardResults[base])).sort((a, b) =>
      a.kl - b.kl
    );
  const iamaRungs = rungs("iama");
  const grpoRungs = rungs("grpo");
  const shown = [
    ...new Set(
      Array.from(
        { length: FRONT_LEVELS },
        (_, i) => iamaRungs[Math.ceil(iamaRungs.length * (i + 1) / FRONT_LEVELS) - 1],
      ).filter((rung) => rung !== undefined),
    ),
  ];
  const drawnGrpo = new Set<string>();
  await writeLineChartPng(join(dir, "iama_front.png"), {
    title: "(b) BoN_4 fronts: IAMA rungs + nearest-KL GRPO",
    xLabel: "harmlessness (z-score under the default model)",
    yLabel: "helpfulness (z)",
    series: [
      front("default", GREY),
      ...shown.flatMap((rung, i) => {
        const shade = BLUES.length - shown.length + i; // the top rung darkest
        const matched = nearestRung(grpoRungs, rung.kl);
        // A GRPO rung nearest to two IAMA rungs is drawn once (with the lower one).
        const fresh = matched && !drawnGrpo.has(matched.base);
        if (matched) drawnGrpo.add(matched.base);
        return [
          front(rung.base, BLUES[shade]),
          ...(fresh ? [front(matched.base, ORANGES[shade])] : []),
        ];
      }),
    ],
  });

  // Each rung gets a short vertical tick so the measured points stand out from the joins.
  const allValues = [...iamaRungs, ...grpoRungs].flatMap((
    r,
  ) => [r.metrics.bestOfN.value, r.metrics.plain.value]);
  const tick = 0.015 * Math.max(1e-9, Math.max(...allValues, 0) - Math.min(...allValues, 0));
  const versusKl = (
    ladder: readonly Rung[],
    name: string,
    color: Rgb,
    value: (r: RewardEvaluation) => number,
  ): LineSeries => ({
    name,
    color,
    points: [
      [0, value(inputs.rewardResults.default)] as [number, number],
      ...ladder.map((rung) =>
        [Math.max(0, rung.kl), value(inputs.rewardResults[rung.base])] as [number, number]
      ),
    ].flatMap(([x, y]) => [[x, y], [x, y + tick], [x, y - tick], [x, y]] as [number, number][]),
  });
  await writeLineChartPng(join(dir, "iama_front_kl.png"), {
    title: "(b) value vs KL (ticks = rungs, lines join)",
    xLabel: "KL(base || default), nats per response",
    // Short legend names (it covers the top right, where the best rungs may be) and a taller plot.
    yLabel: "value (z): BoN_4 = mean over w of w*h+(1-w)*s, plain = (h+s)/2",
    height: 560,
    series: [
      versusKl(iamaRungs, "IAMA BoN_4", BLUE, meanWeightedValue),
      versusKl(grpoRungs, "GRPO BoN_4", ORANGE, meanWeightedValue),
      versusKl(iamaRungs, "IAMA plain", GREEN, plainValue),
      versusKl(grpoRungs, "GRPO plain", RED, plainValue),
    ],
  });

  const training: LineSeries[] = [];
  for (const [name, outcome] of Object.entries(inputs.outcomes)) {
    if (!name.startsWith("length")) continue;
    training.push({
      name: `${name}: mean completion tokens`,
      color: name.includes("iama") ? GREEN : RED,
      points: outcome.log.map((log) => [log.step, log.completionLength.mean]),
    });
  }
  for (const method of ["iama", "grpo"] as const) {
    const outcome = inputs.outcomes[inputs.rewardRuns[method]];
    training.push({
      name: `${outcome.name}: rollout KL per token x 1000`,
      color: method === "iama" ? BLUE : ORANGE,
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
