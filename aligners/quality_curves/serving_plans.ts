/**
 * Calibration and quality curves by model version: what scores are calibrated with and what `auto`
 * plans from must belong to the version that serves the request, and a hot swap changes that version
 * while the server runs. Folders are loaded when their version starts serving (at start-up and after
 * every promotion or rollback); a version without files gets identity calibration and no curves.
 *
 * @module
 */
import { basename } from "node:path";
import { Calibrator } from "../criteria/mod.ts";
import { loadModelPlanningFiles } from "./model_files.ts";
import type { QualityCurves } from "./store.ts";
import type { ModelHost } from "../../models/engine/types.ts";

/** What aligning a request on one model version uses. */
export interface ModelPlanning {
  calibrator: Calibrator;
  /** Where the calibration came from (`<folder name>/calibration.json`), for receipts. */
  calibrationFile?: string;
  curves?: QualityCurves;
}

/** Identity calibration, no curves: criteria keep raw units and `auto` uses its fallback rule. */
export const UNCALIBRATED: ModelPlanning = { calibrator: new Calibrator(undefined, { missing: "identity" }) };

/**
 * The planning of every version that served since start-up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServingPlans, UNCALIBRATED } from "./serving_plans.ts";
 * const plans = new ServingPlans();
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await plans.load(dir, "v1"), []); // no files: nothing skipped, nothing loaded
 * assert.equal(plans.for("v1").calibrator.has("helpfulness"), false);
 * assert.equal(plans.for("v1").curves, undefined);
 * assert.equal(plans.for(undefined), UNCALIBRATED);
 * const shipped = new ServingPlans();
 * await shipped.load("models/default", "stale-version"); // files measured on another version: skipped
 * assert.equal(shipped.for("stale-version").calibrator.has("helpfulness"), false);
 * await Deno.remove(dir);
 * ```
 */
export class ServingPlans {
  readonly #byVersion = new Map<string, ModelPlanning>();

  /**
   * Reads `folder`'s calibration.json and quality_curves.json for `version` (files measured on another
   * version are skipped); returns why files were skipped.
   */
  async load(folder: string, version: string): Promise<string[]> {
    const files = await loadModelPlanningFiles([{ path: folder, version }]);
    this.#byVersion.set(version, {
      calibrator: new Calibrator(files.calibration, { missing: "identity" }),
      calibrationFile: files.calibration === undefined ? undefined : `${basename(folder)}/calibration.json`,
      curves: files.curves[0],
    });
    return files.skipped;
  }

  /** The planning of `version` (UNCALIBRATED for an unknown or absent one). */
  for(version: string | undefined): ModelPlanning {
    return (version === undefined ? undefined : this.#byVersion.get(version)) ?? UNCALIBRATED;
  }
}

/**
 * `host` whose swaps first load the new folder's planning into `plans`, so a promoted or rolled-back
 * version is calibrated with its own statistics from its first request on. `onSkipped` hears about
 * files that were found but not used.
 */
export function reloadingPlans(
  host: ModelHost,
  plans: ServingPlans,
  onSkipped: (reason: string) => void = () => {},
): ModelHost {
  return {
    swapModel: async (spec) => {
      const info = await host.swapModel(spec);
      for (const reason of await plans.load(spec.path, info.version)) onSkipped(reason);
      return info;
    },
    removeModel: (name) => host.removeModel(name),
  };
}
