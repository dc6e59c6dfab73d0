/**
 * Bench support: the criteria a model folder serves with, as the gateway builds them — the built-in
 * criteria and the folder's shipped reward models, calibrated with the folder's calibration.json for
 * the version the engine loaded.
 *
 * @module
 */
import { join } from "node:path";
import {
  Calibrator,
  createBuiltinCriteria,
  CriterionRegistry,
  loadCalibration,
  loadShippedRewardModels,
} from "../aligners/criteria/mod.ts";

/** The default model's folder. */
export const DEFAULT_MODEL_PATH = join(import.meta.dirname!, "..", "models", "default");

/** The registry and calibrator of `folder` at `version`; `release` frees the reward models' sessions. */
export async function modelCriteria(folder: string, version: string) {
  const rewardModels = await loadShippedRewardModels([folder]);
  try {
    const calibration = await loadCalibration(join(folder, "calibration.json"), { modelVersion: version });
    return {
      registry: new CriterionRegistry([...createBuiltinCriteria(), ...rewardModels.criteria]),
      calibrator: new Calibrator(calibration, { missing: "identity" }),
      release: rewardModels.release,
    };
  } catch (error) {
    await rewardModels.release();
    throw error;
  }
}
