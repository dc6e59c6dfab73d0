/**
 * Measuring a model version once for calibration and planning: K responses per prompt (one engine
 * request of n = K per prompt, the serving sampling parameters, seeded per prompt), every criterion
 * scored once per response, then
 *
 * - the calibration set (criteria/calibration.ts: mean, std, quantiles per criterion), and
 * - quality curves (store.ts): for each weighting, calibrated and summed, the expected aligned reward
 *   of each (aligner, budget) (curves.ts) and every response's aggregate, plus completion lengths and
 *   the engine-time model for the cost model (engine_time.ts: fitted to every request made here, plus
 *   n = 1 requests on a few prompts and one-token requests on longer prompts, which separate the
 *   per-pass, per-generated-token and per-prompt-token parts), and, when asked, blockwise decoding's
 *   runs under each weighting (measure_blockwise.ts) with a curve point for each: the mean reward of the
 *   answers it committed to, scored like the sampled responses (response_aggregates.ts).
 *
 * @module
 */
import type { GenerationEngine, SamplingParams } from "../../models/engine/types.ts";
import { fitEngineTime, type TimedRequest } from "./engine_time.ts";
import { Rng } from "../../models/random.ts";
import {
  type CalibrationSet,
  Calibrator,
  type CriteriaWeights,
  type CriterionRegistry,
  summarizeScores,
} from "../criteria/mod.ts";
import { blockwisePoint, type CurveGrid, curvePoints, DEFAULT_CURVE_GRID } from "./curves.ts";
import { type BlockwiseMeasurement, measureBlockwise } from "./measure_blockwise.ts";
import { summedAggregates, weightedCriteria } from "./response_aggregates.ts";
import type { QualityCurves, WeightingCurves } from "./store.ts";

/** One prompt to sample: its text (as criteria see it) and token ids (as the engine sees it). */
export interface MeasurePrompt {
  text: string;
  promptIds: number[];
}

/** Input of {@link measureQualityCurves}. */
export interface MeasureOptions {
  engine: GenerationEngine;
  model: string;
  registry: CriterionRegistry;
  /** Criteria to calibrate (scored with their default parameters). */
  criteria: readonly string[];
  prompts: readonly MeasurePrompt[];
  /** K: responses per prompt. */
  samplesPerPrompt: number;
  /** The serving sampling parameters (the seed is replaced per prompt). */
  sampling: SamplingParams;
  seed: number;
  /** Weightings to tabulate, over calibrated criteria. */
  weightings: readonly CriteriaWeights[];
  grid?: CurveGrid;
  /** Blockwise configurations to run under every weighting, for the cost of blockwise (default none). */
  blockwise?: readonly BlockwiseMeasurement[];
  /**
   * Prompts also sampled with n = 1 to time the per-pass part (default 24: with 6, three calibrations of the
   * default model fitted 2.06, 1.78 and 1.12 ms per pass, and engine-time predictions were off by up to 32 %).
   */
  timingPrompts?: number;
  /**
   * One-token requests timing the prefill (default 16): prompts of the calibration prompts' tokens in a
   * seeded random order (so that no earlier prompt's cache is reused: models/engine/prefix_cache.ts),
   * evenly from the shortest prompt's length up to it plus `sampling.maxTokens` (the longest prefill
   * blockwise decoding makes, so within any context the serving limits fit in).
   */
  prefillTimings?: number;
  signal?: AbortSignal;
  /** Called after each prompt's sample and each prompt's blockwise runs under a weighting (done, total). */
  progress?: (done: number, total: number) => void;
}

/** One engine request's outcome. */
interface Sampled extends TimedRequest {
  texts: string[];
  completionTokens: number[];
  modelVersion: string;
}

async function sample(options: MeasureOptions, prompt: MeasurePrompt, n: number, seed: number) {
  const out: Sampled = {
    texts: new Array(n).fill(""),
    completionTokens: new Array(n).fill(0),
    modelVersion: "",
    forwardPasses: 0,
    generatedTokens: 0,
    prefillTokens: 0,
    milliseconds: 0,
  };
  const request = {
    model: options.model,
    promptIds: prompt.promptIds,
    n,
    sampling: { ...options.sampling, seed },
  };
  for await (const event of options.engine.generate(request, options.signal)) {
    if (event.type === "started") out.modelVersion = event.modelVersion;
    else if (event.type === "token") out.texts[event.candidate] += event.textDelta;
    else if (event.type === "finished") {
      out.texts[event.candidate] += event.textDelta;
      out.completionTokens[event.candidate] = event.completionTokens;
    } else {
      const { forwardPasses, generatedTokens, prefillTokens, milliseconds } = event.compute;
      Object.assign(out, { forwardPasses, generatedTokens, prefillTokens, milliseconds });
    }
  }
  return out;
}

/**
 * Samples, scores and tabulates (see the module documentation).
 *
 * @example
 * ```ts ignore
 * const { calibration, curves } = await measureQualityCurves({ engine, model: "default", registry,
 *   criteria: ["helpfulness", "harmlessness"], prompts, samplesPerPrompt: 16, sampling, seed: 1,
 *   weightings: [{ helpfulness: 1 }] });
 * ```
 */
export async function measureQualityCurves(
  options: MeasureOptions,
): Promise<{ calibration: CalibrationSet; curves: QualityCurves }> {
  const k = options.samplesPerPrompt;
  const seeds = new Rng(options.seed);
  const blockwiseMeasurements = options.blockwise ?? [];
  const steps = options.prompts.length * (1 + options.weightings.length * blockwiseMeasurements.length);
  let done = 0;
  const stepDone = () => options.progress?.(++done, steps);
  const samples: Sampled[] = [];
  for (const [p, prompt] of options.prompts.entries()) {
    samples.push(await sample(options, prompt, k, seeds.fork(p).nextUint32()));
    stepDone();
  }
  const modelVersion = samples[0].modelVersion;
  if (samples.some((s) => s.modelVersion !== modelVersion)) {
    throw new Error("the model version changed while measuring");
  }
  const timed: TimedRequest[] = [...samples];
  for (const [p, prompt] of options.prompts.slice(0, options.timingPrompts ?? 24).entries()) {
    timed.push(await sample(options, prompt, 1, seeds.fork(options.prompts.length + p).nextUint32()));
  }
  for (const [i, prompt] of prefillTimingPrompts(options, seeds.fork(4_000_000)).entries()) {
    const seed = seeds.fork(3_000_000 + i).nextUint32();
    timed.push(
      await sample({ ...options, sampling: { ...options.sampling, maxTokens: 1 } }, prompt, 1, seed),
    );
  }

  // Raw scores: criterion → prompt → response.
  const raw: Record<string, Float64Array[]> = {};
  for (const name of options.criteria) {
    const criterion = options.registry.get(name);
    raw[name] = [];
    for (const [p, prompt] of options.prompts.entries()) {
      options.signal?.throwIfAborted();
      raw[name].push(await criterion.score(prompt.text, samples[p].texts, { signal: options.signal }));
    }
  }
  const calibration: CalibrationSet = { modelVersion, criteria: {} };
  for (const name of options.criteria) {
    calibration.criteria[name] = summarizeScores(raw[name].flatMap((scores) => [...scores]));
  }
  const calibrator = new Calibrator(calibration);
  const calibrated = Object.fromEntries(
    options.criteria.map((name) => [name, raw[name].map((scores) => calibrator.calibrate(name, scores))]),
  );

  const grid = options.grid ?? DEFAULT_CURVE_GRID;
  const weightings: WeightingCurves[] = [];
  for (const [w, weights] of options.weightings.entries()) {
    const names = weightedCriteria(weights);
    for (const name of names) {
      if (!(name in calibrated)) throw new RangeError(`weighting uses uncalibrated "${name}"`);
    }
    // Per prompt, per response (in completionTokens' order); null where no criterion applies.
    const perResponse = options.prompts.map((_, p) =>
      summedAggregates(names.map((name) => calibrated[name][p]), names, weights)
    );
    const finite = perResponse.map((values) => values.filter((value) => value !== null));
    const rMax = Math.max(...finite.flat());
    const blockwise = [];
    for (const [b, measurement] of blockwiseMeasurements.entries()) {
      const measured = await measureBlockwise({
        ...options,
        onPrompt: stepDone,
        onRun: (compute) => timed.push(compute),
        weights,
        calibrator,
        measurement,
        // The same seeds under every weighting: their lengths differ by the choices alone.
        seed: seeds.fork(2_000_000 + b).nextUint32(),
      });
      blockwise.push({ k: measurement.k, blockTokens: measurement.blockTokens, ...measured });
    }
    weightings.push({
      weights: Object.fromEntries(names.map((name) => [name, weights[name]])),
      aggregator: "sum" as const,
      rMax,
      aggregates: perResponse,
      ...(blockwise.length > 0 ? { blockwise } : {}),
      points: [
        ...curvePoints(finite, rMax, grid, seeds.fork(1_000_000 + w)),
        ...blockwise.map((run) => blockwisePoint(run)).filter((point) => point !== undefined),
      ],
    });
  }

  const completionTokens = samples.map((s) => s.completionTokens);
  const all = completionTokens.flat();
  const curves: QualityCurves = {
    modelVersion,
    calibrationMethod: calibrator.method,
    sampling: {
      temperature: options.sampling.temperature,
      topP: options.sampling.topP,
      maxTokens: options.sampling.maxTokens,
    },
    samplesPerPrompt: k,
    seed: options.seed,
    completionTokens,
    meanCompletionTokens: all.reduce((a, b) => a + b, 0) / all.length,
    timing: fitEngineTime(timed),
    weightings,
  };
  return { calibration, curves };
}

/** The prompts of the one-token prefill timings (see {@link MeasureOptions.prefillTimings}). */
function prefillTimingPrompts(options: MeasureOptions, rng: Rng): MeasurePrompt[] {
  const count = options.prefillTimings ?? 16;
  const pooled = options.prompts.flatMap((prompt) => prompt.promptIds);
  const shuffled = () => {
    const ids = [...pooled];
    rng.shuffle(ids);
    return ids;
  };
  const shortest = Math.min(...options.prompts.map((prompt) => prompt.promptIds.length));
  const longest = Math.min(pooled.length, shortest + options.sampling.maxTokens);
  return Array.from({ length: count }, (_, i) => {
    const length = Math.round(shortest + (longest - shortest) * (count === 1 ? 1 : i / (count - 1)));
    return { text: "", promptIds: shuffled().slice(0, Math.max(1, length)) };
  });
}
