/**
 * Errors of the reward-model runtime. They know nothing of HTTP or criteria.
 *
 * @module
 */

/** Base of every error the reward-model runtime raises on purpose. */
export class RewardModelError extends Error {
  override name = "RewardModelError";
}

/** A model folder that cannot be read, or a graph that does not keep the sequence-classification contract. */
export class RewardModelLoadError extends RewardModelError {
  override name = "RewardModelLoadError";
}

/** A label that the model does not have, or no label given where one is needed. */
export class UnknownLabelError extends RewardModelError {
  override name = "UnknownLabelError";
  constructor(message: string, readonly labels: readonly string[]) {
    super(message);
  }
}
