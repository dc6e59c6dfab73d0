/**
 * Calibration statistics as JSON files stored beside a model version:
 *
 *     {
 *       "modelVersion": "3f2a9c01b7de",
 *       "criteria": {
 *         "sentiment": { "mean": 0.12, "std": 0.09, "samples": 2048,
 *                        "quantiles": [{ "level": 0, "value": -0.31 }, ..., { "level": 1, "value": 0.52 }] },
 *         "length": { ..., "params": { "target": 50, "scale": 100 } }
 *       }
 *     }
 *
 * Reading validates the shape (zod) and, when asked, the model version; writing is atomic.
 *
 * @module
 */
import { z } from "zod";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import type { CalibrationSet } from "./calibration.ts";
import { CalibrationError } from "./errors.ts";

const quantileSchema = z.strictObject({ level: z.number().min(0).max(1), value: z.number() });

const criterionCalibrationSchema = z.strictObject({
  mean: z.number(),
  std: z.number().min(0),
  quantiles: z.array(quantileSchema).min(2).refine(
    (q) =>
      q[0].level === 0 && q.at(-1)!.level === 1 && q.every((k, i) => i === 0 || k.level > q[i - 1].level),
    "levels must ascend strictly from 0 to 1",
  ).refine(
    (q) => q.every((k, i) => i === 0 || k.value >= q[i - 1].value),
    "values must not decrease",
  ),
  samples: z.number().int().positive(),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** Schema of a stored calibration set. */
export const calibrationSetSchema = z.strictObject({
  modelVersion: z.string().min(1),
  criteria: z.record(z.string(), criterionCalibrationSchema),
});

/**
 * Validates parsed JSON as a calibration set; throws CalibrationError naming the bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCalibrationSet } from "./calibration_store.ts";
 * assert.throws(() => parseCalibrationSet({ modelVersion: "v1", criteria: { x: { mean: 0 } } }), /criteria\.x\.std/);
 * ```
 */
export function parseCalibrationSet(json: unknown, source = "calibration"): CalibrationSet {
  const result = calibrationSetSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new CalibrationError(`${source}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/**
 * Reads a calibration file. With `modelVersion`, a file written for another version is rejected:
 * statistics of one model do not calibrate another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCalibration, saveCalibration } from "./calibration_store.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * const set = { modelVersion: "v1", criteria: {} };
 * await saveCalibration(path, set);
 * assert.deepEqual(await loadCalibration(path, { modelVersion: "v1" }), set);
 * await assert.rejects(loadCalibration(path, { modelVersion: "v2" }), /model version/);
 * await Deno.remove(path);
 * ```
 */
export async function loadCalibration(
  path: string,
  options: { modelVersion?: string } = {},
): Promise<CalibrationSet> {
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new CalibrationError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const set = parseCalibrationSet(json, path);
  if (options.modelVersion !== undefined && set.modelVersion !== options.modelVersion) {
    throw new CalibrationError(
      `${path} holds calibration for model version "${set.modelVersion}", not "${options.modelVersion}"`,
    );
  }
  return set;
}

/**
 * Writes a calibration set as indented JSON, atomically (readers see the old or the new file).
 * The set is validated first, so a file that loads back is the only kind written.
 *
 * @example
 * ```ts
 * import { saveCalibration } from "./calibration_store.ts";
 * import { summarizeScores } from "./calibration.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await saveCalibration(path, { modelVersion: "v1", criteria: { length: summarizeScores([-0.2, 0]) } });
 * await Deno.remove(path);
 * ```
 */
export async function saveCalibration(path: string, set: CalibrationSet): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(parseCalibrationSet(set), null, 2) + "\n");
}
