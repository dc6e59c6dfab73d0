/**
 * Pictures of the IAMA benchmark (docs/iama.md), drawn with trainer/report/line_chart.ts:
 *
 * - `iama_lengths.png`: length histograms (words) of the default, IAMA and GRPO bases on held-out prompts;
 * - `iama_front.png`: helpfulness vs harmlessness of BoN_4 answers over the weightings (a front): the
 *   default model, and a few IAMA rungs of (b)'s ladder each with the GRPO rung nearest its KL;
 * - `iama_front_kl.png`: the BoN_4 mean weighted value (dark) and the plain-sample value (light) against
 *   measured KL, every rung of the three ladders: IAMA blue, GRPO orange, IAMA mix green (a tick per rung;
 *   the lines only join rungs in KL order);
 * - `iama_bon_gain.png`: the BoN_4 gain (BoN_4 mean weighted value − plain value) against measured KL,
 *   the three ladders, the default model as the KL-0 point of each;
 * - `iama_training.png`: mean completion length (a) and rollout KL per token of the three ladder runs (b).
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
const PURPLE: Rgb = [148, 103, 189];
/** Light shades of the ladder colours, for the plain-sample values. */
const LIGHT_BLUE: Rgb = [140, 190, 225];
const LIGHT_ORANGE: Rgb = [255, 190, 125];
const LIGHT_GREEN: Rgb = [150, 215, 140];
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
  ladders: { iama: string[]; grpo: string[]; iama_mix: string[] };
  /** Experiment (b)'s run of each method (for the training curves). */
  rewardRuns: { iama: string; grpo: string; iama_mix: string };
}

const colourOf = (base: string): Rgb =>
  base.includes("iama_mix") ? GREEN : base.includes("iama") ? BLUE : base.includes("grpo") ? ORANGE : GREY;

/** Writes the five PNGs into `dir`. */
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
  const rungs = (method: "iama" | "grpo" | "iama_mix"): Rung[] =>
    inputs.ladders[method].map((base) => rungOf(base, inputs.rewardResults[base])).sort((a, b) =>
      a.kl - b.kl
    );
  const iamaRungs = rungs("iama");
  const grpoRungs = rungs("grpo");
  const mixRungs = rungs("iama_mix");
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

  // Each rung gets a short vertical tick (1.5 % of the chart's value range) so the measured points stand
  // out from the joins.
  const tickFor = (values: number[]) =>
    0.015 * Math.max(1e-9, Math.max(...values, 0) - Math.min(...values, 0));
  const allRungs = [...iamaRungs, ...grpoRungs, ...mixRungs];
  const valueTick = tickFor(allRungs.flatMap((r) => [r.metrics.bestOfN.value, r.metrics.plain.value]));
  const versusKl = (
    ladder: readonly Rung[],
    name: string,
    color: Rgb,
    value: (r: RewardEvaluation) => number,
    tick = valueTick,
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
      versusKl(mixRungs, "IAMA mix BoN_4", GREEN, meanWeightedValue),
      versusKl(iamaRungs, "IAMA plain", LIGHT_BLUE, plainValue),
      versusKl(grpoRungs, "GRPO plain", LIGHT_ORANGE, plainValue),
      versusKl(mixRungs, "IAMA mix plain", LIGHT_GREEN, plainValue),
    ],
  });

  const gain = (r: RewardEvaluation) => meanWeightedValue(r) - plainValue(r);
  const gainTick = tickFor(
    [inputs.rewardResults.default, ...allRungs.map((r) => inputs.rewardResults[r.base])].map(gain),
  );
  await writeLineChartPng(join(dir, "iama_bon_gain.png"), {
    title: "(b) BoN_4 gain over plain sampling vs KL (ticks = rungs)",
    xLabel: "KL(base || default), nats per response",
    yLabel: "BoN_4 mean weighted value - plain value (z)",
    height: 560,
    series: [
      versusKl(iamaRungs, "IAMA", BLUE, gain, gainTick),
      versusKl(grpoRungs, "GRPO", ORANGE, gain, gainTick),
      versusKl(mixRungs, "IAMA mix", GREEN, gain, gainTick),
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
  const klColours = { iama: BLUE, grpo: ORANGE, iama_mix: PURPLE }; // green is taken by length_iama
  for (const method of ["iama", "grpo", "iama_mix"] as const) {
    const outcome = inputs.outcomes[inputs.rewardRuns[method]];
    training.push({
      name: `${outcome.name}: rollout KL per token x 1000`,
      color: klColours[method],
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
