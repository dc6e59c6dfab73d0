/**
 * Measures a model version's calibration and quality curves (aligners/quality_curves) on the held-out
 * calibration prompts and writes `calibration.json` and `quality_curves.json` into its folder, so the
 * version carries them wherever it is served. `deno task calibrate` runs it on the default model; a
 * refresh job runs it on every version it trains.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_BLOCK_TOKENS, DEFAULT_BLOCKWISE_K } from "../../aligners/blockwise.ts";
import { type CriterionRegistry, saveCalibration } from "../../aligners/criteria/mod.ts";
import type { CalibrationSet } from "../../aligners/criteria/mod.ts";
import {
  CALIBRATION_FILE,
  measureQualityCurves,
  QUALITY_CURVES_FILE,
  type QualityCurves,
  saveQualityCurves,
} from "../../aligners/quality_curves/mod.ts";
import { policySampling } from "../../models/engine/policy_sampling.ts";
import type { GenerationEngine } from "../../models/engine/types.ts";
import { renderPrompt } from "../default_model/chat_format.ts";
import {
  CALIBRATED_CRITERIA,
  CALIBRATION_MAX_TOKENS,
  calibrationPrompts,
  CURVE_WEIGHTINGS,
} from "./prompts.ts";

/** Options of {@link calibrateModelFolder}. */
export interface CalibrateFolderOptions {
  /** The model folder the files are written into. */
  folder: string;
  /** An engine serving that folder under `model`. */
  engine: GenerationEngine;
  model: string;
  criteria: CriterionRegistry;
  /** Held-out calibration prompts (default 64) and responses per prompt (default 16). */
  prompts?: number;
  samplesPerPrompt?: number;
  /** Tokens per response (default CALIBRATION_MAX_TOKENS: the curves' lengths are measured up to it). */
  maxTokens?: number;
  seed?: number;
  /**
   * Blockwise runs per prompt and weighting in the default configuration (k = 4, 16-token blocks), for
   * the cost model's committed-length law and blockwise's curve point, the mean reward of its committed
   * answers (default 2; 0: none, blockwise is then predicted from best-of-k's chosen answers and `auto`
   * does not offer it).
   */
  blockwiseRuns?: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

/**
 * Samples, scores, writes both files atomically; returns what it wrote. Criteria of
 * CALIBRATED_CRITERIA the registry lacks (a model without reward models) are left out, and so are
 * the weightings that use them.
 */
export async function calibrateModelFolder(
  options: CalibrateFolderOptions,
): Promise<{ calibration: CalibrationSet; curves: QualityCurves }> {
  const { engine, model, criteria } = options;
  const names = CALIBRATED_CRITERIA.filter((name) => criteria.has(name));
  if (names.length === 0) throw new RangeError("none of the calibrated criteria is registered");
  const blockwiseRuns = options.blockwiseRuns ?? 2;
  const weightings = CURVE_WEIGHTINGS.filter((weights) => Object.keys(weights).every((n) => criteria.has(n)));
  const prompts = await Promise.all(
    calibrationPrompts(options.prompts ?? 64).map(async ({ prompt }) => ({
      text: prompt,
      promptIds: await engine.tokenize(model, renderPrompt(prompt)),
    })),
  );
  const { calibration, curves } = await measureQualityCurves({
    engine,
    model,
    registry: criteria,
    criteria: names,
    prompts,
    samplesPerPrompt: options.samplesPerPrompt ?? 16,
    sampling: policySampling(options.maxTokens ?? CALIBRATION_MAX_TOKENS),
    seed: options.seed ?? 1,
    weightings,
    blockwise: blockwiseRuns > 0
      ? [{ k: DEFAULT_BLOCKWISE_K, blockTokens: DEFAULT_BLOCK_TOKENS, runsPerPrompt: blockwiseRuns }]
      : [],
    signal: options.signal,
    progress: options.progress,
  });
  await saveCalibration(join(options.folder, CALIBRATION_FILE), calibration);
  await saveQualityCurves(join(options.folder, QUALITY_CURVES_FILE), curves);
  return { calibration, curves };
}
