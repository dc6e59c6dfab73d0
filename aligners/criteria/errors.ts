/**
 * Errors raised by the criteria folder. They know nothing of HTTP: routes/errors.ts maps each
 * class to OpenAI's envelope. Every error that concerns one request field says which one in
 * `param`, relative to the criterion (`target`, `pattern`) or to the weights (`weights.length`).
 *
 * @module
 */

/** Base of every error the criteria raise on purpose. */
export class CriterionError extends Error {
  override name = "CriterionError";
}

/** A criterion name that is not registered. The message lists the valid names. */
export class UnknownCriterionError extends CriterionError {
  override name = "UnknownCriterionError";
  /**
   * @param criterion the name asked for
   * @param validNames every registered name, in registration order
   */
  constructor(readonly criterion: string, readonly validNames: readonly string[]) {
    super(`unknown criterion "${criterion}" (valid: ${validNames.join(", ") || "none"})`);
  }
}

/** A per-request parameter of one criterion failed that criterion's schema. */
export class CriterionParamsError extends CriterionError {
  override name = "CriterionParamsError";
  /**
   * @param criterion the criterion whose parameters are wrong
   * @param param the offending field (`target`, `pattern`, `limits.max`), or null for the object itself
   * @param detail what is wrong with it
   */
  constructor(readonly criterion: string, readonly param: string | null, readonly detail: string) {
    super(`criterion "${criterion}": ${param === null ? "params" : `params.${param}`}: ${detail}`);
  }
}

/** Criteria weights that cannot be used: negative, not finite, or none positive. */
export class InvalidWeightsError extends CriterionError {
  override name = "InvalidWeightsError";
  /** @param param the offending weight (`weights.length`), or `weights` when the set as a whole is wrong */
  constructor(message: string, readonly param: string) {
    super(message);
  }
}

/** An aggregator that does not exist or has bad parameters (smooth_min's gamma must be > 0). */
export class InvalidAggregatorError extends CriterionError {
  override name = "InvalidAggregatorError";
  constructor(message: string, readonly param: string) {
    super(message);
  }
}

/** Calibration statistics that are missing, malformed or for another model version. */
export class CalibrationError extends CriterionError {
  override name = "CalibrationError";
}

/** A weighted criterion has no calibration entry (and the caller asked not to fall back to raw scores). */
export class MissingCalibrationError extends CalibrationError {
  override name = "MissingCalibrationError";
  constructor(readonly criterion: string, readonly calibrated: readonly string[]) {
    super(
      `criterion "${criterion}" has no calibration (calibrated: ${calibrated.join(", ") || "none"})`,
    );
  }
}
