/**
 * Runs the training graph (training_graph.ts) with onnxruntime: one call returns the loss,
 * per-token log-probabilities and the gradient of every parameter.
 */
import * as ort from "onnxruntime-node";
import { encodeOnnxModel } from "../onnx/onnx_model.ts";
import type { GptConfig } from "./config.ts";
import { type Parameters, type ParameterSpec, parameterSpecs } from "./parameters.ts";
import { buildTrainingGraph, GRADIENT_PREFIX, type TrainingObjective } from "./training_graph.ts";

/** A batch of B sequences of T tokens, row-major. */
export interface TokenBatch {
  batchSize: number;
  seqLength: number;
  inputIds: BigInt64Array;
  targetIds: BigInt64Array;
  /** Per-token loss weights (0 on padding); the loss is Σ w·ℓ. */
  tokenWeights: Float32Array;
}

/** Extra per-token inputs of the clipped policy-gradient objective (IAMA.md §4). */
export interface PolicyGradientBatch extends TokenBatch {
  advantages: Float32Array;
  oldLogprobs: Float32Array;
  refLogprobs: Float32Array;
  klBeta: number;
  clipEpsilon: number;
}

export interface StepResult {
  loss: number;
  tokenLogprobs: Float32Array;
  tokenEntropy?: Float32Array;
  gradients: Map<string, Float32Array>;
}

export interface TrainingSessionOptions {
  objective: TrainingObjective;
  /** onnxruntime intra-op threads (set deliberately: serving and training share 2 cores). */
  threads?: number;
}

export class TrainingSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly specs: ParameterSpec[],
    readonly objective: TrainingObjective,
  ) {}

  static async create(config: GptConfig, options: TrainingSessionOptions): Promise<TrainingSession> {
    const model = buildTrainingGraph(config, { objective: options.objective });
    const session = await ort.InferenceSession.create(encodeOnnxModel(model), {
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
    return new TrainingSession(session, parameterSpecs(config), options.objective);
  }

  /** Loss, log-probs and gradients at `parameters` (which are not modified). */
  async run(batch: TokenBatch | PolicyGradientBatch, parameters: Parameters): Promise<StepResult> {
    const dims = [batch.batchSize, batch.seqLength];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", batch.inputIds, dims),
      target_ids: new ort.Tensor("int64", batch.targetIds, dims),
      token_weights: new ort.Tensor("float32", batch.tokenWeights, dims),
    };
    if (this.objective === "clipped_policy_gradient") {
      if (!("advantages" in batch)) throw new Error("policy-gradient step needs advantages");
      feeds.advantages = new ort.Tensor("float32", batch.advantages, dims);
      feeds.old_logprobs = new ort.Tensor("float32", batch.oldLogprobs, dims);
      feeds.ref_logprobs = new ort.Tensor("float32", batch.refLogprobs, dims);
      feeds.kl_beta = new ort.Tensor("float32", Float32Array.of(batch.klBeta), []);
      feeds.clip_epsilon = new ort.Tensor("float32", Float32Array.of(batch.clipEpsilon), []);
    }
    for (const spec of this.specs) {
      const values = parameters.get(spec.name);
      if (!values) throw new Error(`missing parameter ${spec.name}`);
      feeds[spec.name] = new ort.Tensor("float32", values, spec.shape);
    }
    const out = await this.session.run(feeds);
    const gradients = new Map<string, Float32Array>();
    for (const spec of this.specs) {
      gradients.set(spec.name, out[GRADIENT_PREFIX + spec.name].data as Float32Array);
    }
    return {
      loss: (out.loss.data as Float32Array)[0],
      tokenLogprobs: out.token_logprobs.data as Float32Array,
      tokenEntropy: out.token_entropy?.data as Float32Array | undefined,
      gradients,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
