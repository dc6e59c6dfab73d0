/**
 * The planning files a served model folder may hold, written by `deno task calibrate`:
 * `calibration.json` (criteria/calibration_store.ts) and `quality_curves.json` (store.ts). Each is
 * used only when it was measured on the version being served; a missing file is normal (identity
 * calibration, `auto`'s fallback rule), a stale or broken one is reported and skipped.
 *
 * @module
 */
import { basename, join } from "node:path";
import { type CalibrationSet, loadCalibration } from "../criteria/mod.ts";
import { loadQualityCurves, type QualityCurves } from "./store.ts";
import { pathExists } from "../../models/io/path_exists.ts";

/** File names inside a model folder. */
export const CALIBRATION_FILE = "calibration.json";
export const QUALITY_CURVES_FILE = "quality_curves.json";

/** What the served folders provide for calibration and planning. */
export interface ModelPlanningFiles {
  /** The first folder's calibration for its served version, if any. */
  calibration?: CalibrationSet;
  /** The file it came from, as `<model folder name>/calibration.json` (receipts show it). */
  calibrationFile?: string;
  /** Quality curves of every folder that has them for its served version. */
  curves: QualityCurves[];
  /** Files found but not used, and why. */
  skipped: string[];
}

/**
 * Reads the planning files of the served models (folder and the version the engine serves).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelPlanningFiles } from "./model_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/calibration.json`, JSON.stringify({ modelVersion: "old", criteria: {} }));
 * const files = await loadModelPlanningFiles([{ path: dir, version: "new" }]);
 * assert.equal(files.calibration, undefined);
 * assert.match(files.skipped[0], /model version "old", not "new"/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadModelPlanningFiles(
  models: readonly { path: string; version: string }[],
): Promise<ModelPlanningFiles> {
  const files: ModelPlanningFiles = { curves: [], skipped: [] };
  for (const [index, model] of models.entries()) {
    const calibrationPath = join(model.path, CALIBRATION_FILE);
    if (index === 0 && await pathExists(calibrationPath)) {
      try {
        files.calibration = await loadCalibration(calibrationPath, { modelVersion: model.version });
        files.calibrationFile = join(basename(model.path), CALIBRATION_FILE);
      } catch (error) {
        files.skipped.push((error as Error).message);
      }
    }
    const curvesPath = join(model.path, QUALITY_CURVES_FILE);
    if (await pathExists(curvesPath)) {
      try {
        files.curves.push(await loadQualityCurves(curvesPath, { modelVersion: model.version }));
      } catch (error) {
        files.skipped.push((error as Error).message);
      }
    }
  }
  return files;
}
