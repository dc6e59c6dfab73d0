/**
 * Bring-your-own reward models: Hugging Face sequence-classification exports (a folder with
 * tokenizer.json and model.onnx) run on onnxruntime-node, texts in, logits out. What a score
 * means (which label, what text) is decided by the caller (aligners/criteria).
 *
 * @example
 * ```ts ignore
 * import { RewardModel } from "./mod.ts";
 * const model = await RewardModel.load("models/sentiment-distilbert", { threads: 1 });
 * const positive = model.labelIndex("POSITIVE");
 * const scores = await model.scores(["What a lovely day!"], positive);
 * await model.release();
 * ```
 *
 * @module
 */
export { RewardModelError, RewardModelLoadError, UnknownLabelError } from "./errors.ts";
export { readRewardModelFolder, type RewardModelFolder } from "./model_folder.ts";
export { RewardModel, type RewardModelOptions } from "./reward_model.ts";
export { type EncodedBatch, SequenceEncoder, type TruncationSide } from "./sequence_encoder.ts";
