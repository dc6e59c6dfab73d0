/**
 * The criteria of the IAMA benchmark (docs/iama.md): two length targets as two named criteria, and the
 * default model's shipped reward models calibrated to z-scores under the starting model.
 *
 * Length (IAMA.md §5, paper §6.1): `r_i(y) = −((|y| − L_i) / L_max)²` in words. This is exactly the shape
 * of aligners/criteria/length.ts (`lengthReward`), so each target is that criterion with fixed defaults,
 * registered under its own name so one task can weight `length_short` and another `length_long`.
 *
 * @module
 */
import {
  type CalibrationSet,
  Calibrator,
  computeCalibration,
  createLengthCriterion,
  type Criterion,
  CriterionRegistry,
  loadShippedRewardModels,
} from "../aligners/criteria/mod.ts";

/** The length targets (words) and scale of experiment (a). */
export const LENGTH_TARGETS = { length_short: 5, length_long: 30 } as const;
export const LENGTH_SCALE = 40;
export type LengthCriterionName = keyof typeof LENGTH_TARGETS;
export const LENGTH_CRITERIA = Object.keys(LENGTH_TARGETS) as LengthCriterionName[];

/** The two conflicting reward models of experiment (b). */
export const REWARD_CRITERIA = ["helpfulness", "harmlessness"] as const;

/** `length` with target `target` words and scale `scale`, under the name `name`. */
export function namedLengthCriterion(name: string, target: number, scale: number): Criterion {
  const length = createLengthCriterion({ defaultTarget: target, defaultScale: scale });
  return {
    name,
    description: `Closeness to ${target} words: -((|y| - ${target}) / ${scale})^2.`,
    kind: length.kind,
    supportsPartial: length.supportsPartial,
    paramsSchema: length.paramsSchema,
    score: (prompt, candidates, options) => length.score(prompt, candidates, options),
  };
}

/** Registry with `length_short` and `length_long`. */
export function lengthCriteria(): CriterionRegistry {
  return new CriterionRegistry(
    LENGTH_CRITERIA.map((name) => namedLengthCriterion(name, LENGTH_TARGETS[name], LENGTH_SCALE)),
  );
}

/** The shipped reward models as a registry, with a way to release their sessions. */
export async function rewardModelCriteria(
  modelFolder: string,
  threads = 1,
): Promise<{ registry: CriterionRegistry; release: () => Promise<void> }> {
  const shipped = await loadShippedRewardModels([modelFolder], { threads });
  const registry = new CriterionRegistry(
    shipped.criteria.filter((criterion) => (REWARD_CRITERIA as readonly string[]).includes(criterion.name)),
  );
  for (const name of REWARD_CRITERIA) registry.get(name); // both must be shipped
  return { registry, release: () => shipped.release() };
}

/**
 * z-score calibration of the reward models from (prompt, response) samples of the starting model, so
 * a weighting of helpfulness and harmlessness compares like with like.
 */
export async function rewardModelCalibration(
  registry: CriterionRegistry,
  samples: readonly { prompt: string; response: string }[],
): Promise<{ set: CalibrationSet; calibrator: Calibrator }> {
  const set = await computeCalibration(samples, REWARD_CRITERIA.map((name) => registry.get(name)), {
    modelVersion: "default (starting model)",
  });
  return { set, calibrator: new Calibrator(set, { method: "z_score" }) };
}
