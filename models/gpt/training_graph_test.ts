/**
 * Gradient check: every gradient output of the training graph against central finite
 * differences of the graph's own loss, element by element in float64, and along random
 * directions in float32 (the fused-LayerNorm graph that training runs).
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { Rng } from "../random.ts";
import { encodeOnnxModel } from "../onnx/onnx_model.ts";
import type { FloatType } from "../onnx/graph_builder.ts";
import type { GptConfig } from "./config.ts";
import { parameterSpecs } from "./parameters.ts";
import { buildTrainingGraph, GRADIENT_PREFIX, type TrainingObjective } from "./training_graph.ts";
import { randomTokens, randomWeights, tinyConfig } from "./_test_support.ts";

const B = 2;
const T = 5;

async function lossFunction(config: GptConfig, objective: TrainingObjective, floatType: FloatType) {
  const session = await ort.InferenceSession.create(
    encodeOnnxModel(buildTrainingGraph(config, { objective, floatType })),
  );
  const rng = new Rng(7);
  const floats = (values: number[]) =>
    new ort.Tensor(
      floatType,
      floatType === "float32" ? Float32Array.from(values) : Float64Array.from(values),
      [
        B,
        T,
      ],
    );
  const perToken = (f: () => number) => floats(Array.from({ length: B * T }, f));
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", randomTokens(B * T, config.vocabSize, rng), [B, T]),
    target_ids: new ort.Tensor("int64", randomTokens(B * T, config.vocabSize, rng), [B, T]),
    token_weights: perToken(() => rng.nextFloat()),
  };
  if (objective === "clipped_policy_gradient") {
    feeds.advantages = perToken(() => 4 * rng.nextFloat() - 2);
    // Old log-probs spread around the model's own so that some ratios leave [1-ε, 1+ε].
    feeds.old_logprobs = perToken(() => -Math.log(config.vocabSize) + 2 * rng.nextFloat() - 1);
    feeds.ref_logprobs = perToken(() => -Math.log(config.vocabSize) + 2 * rng.nextFloat() - 1);
    feeds.kl_beta = new ort.Tensor(floatType, floatType === "float32" ? [0.3] : Float64Array.of(0.3), []);
    feeds.clip_epsilon = new ort.Tensor(
      floatType,
      floatType === "float32" ? [0.2] : Float64Array.of(0.2),
      [],
    );
  }
  const make = (n: number) => floatType === "float32" ? new Float32Array(n) : new Float64Array(n);
  const weights = randomWeights(config, 11, make);
  const run = async () => {
    for (const spec of parameterSpecs(config)) {
      feeds[spec.name] = new ort.Tensor(floatType, weights.get(spec.name)!, spec.shape);
    }
    return await session.run(feeds);
  };
  return { weights, run };
}

async function checkEveryElement(config: GptConfig, objective: TrainingObjective) {
  const { weights, run } = await lossFunction(config, objective, "float64");
  const analytic = await run();
  const h = 1e-6;
  for (const spec of parameterSpecs(config)) {
    const w = weights.get(spec.name)!;
    const gradient = analytic[GRADIENT_PREFIX + spec.name].data as Float64Array;
    let maxError = 0;
    let maxMagnitude = 0;
    for (let i = 0; i < w.length; i++) {
      const original = w[i];
      w[i] = original + h;
      const plus = (await run()).loss.data[0] as number;
      w[i] = original - h;
      const minus = (await run()).loss.data[0] as number;
      w[i] = original;
      const numeric = (plus - minus) / (2 * h);
      maxError = Math.max(maxError, Math.abs(numeric - gradient[i]));
      maxMagnitude = Math.max(maxMagnitude, Math.abs(numeric));
    }
    assert.ok(maxMagnitude > 0, `${spec.name}: gradient is identically zero`);
    const relative = maxError / maxMagnitude;
    assert.ok(relative < 1e-5, `${spec.name}: relative error ${relative.toExponential(2)}`);
  }
}

Deno.test("float64 gradients of every weight match finite differences: cross-entropy, tied head", async () => {
  await checkEveryElement(tinyConfig(), "cross_entropy");
});

Deno.test("float64 gradients of every weight match finite differences: untied head", async () => {
  await checkEveryElement(tinyConfig({ tiedHead: false, layerCount: 1 }), "cross_entropy");
});

Deno.test("float64 gradients of every weight match finite differences: clipped policy gradient + KL", async () => {
  await checkEveryElement(tinyConfig(), "clipped_policy_gradient");
});

Deno.test("float32 gradients (fused LayerNorm) equal the finite-difference-checked float64 ones", async () => {
  const config = tinyConfig();
  for (const objective of ["cross_entropy", "clipped_policy_gradient"] as const) {
    const single = await (await lossFunction(config, objective, "float32")).run();
    const double = await (await lossFunction(config, objective, "float64")).run();
    for (const spec of parameterSpecs(config)) {
      const g32 = single[GRADIENT_PREFIX + spec.name].data as Float32Array;
      const g64 = double[GRADIENT_PREFIX + spec.name].data as Float64Array;
      let maxError = 0;
      let maxMagnitude = 0;
      for (let i = 0; i < g64.length; i++) {
        maxError = Math.max(maxError, Math.abs(g32[i] - g64[i]));
        maxMagnitude = Math.max(maxMagnitude, Math.abs(g64[i]));
      }
      assert.ok(
        maxError / maxMagnitude < 1e-3,
        `${objective} ${spec.name}: relative ${maxError / maxMagnitude}`,
      );
    }
  }
});

Deno.test("token log-probs are log-softmax of the logits at the targets", async () => {
  const config = tinyConfig();
  const session = await ort.InferenceSession.create(
    encodeOnnxModel(buildTrainingGraph(config, { objective: "cross_entropy", exposeLogits: true })),
  );
  const rng = new Rng(5);
  const targets = randomTokens(B * T, config.vocabSize, rng);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", randomTokens(B * T, config.vocabSize, rng), [B, T]),
    target_ids: new ort.Tensor("int64", targets, [B, T]),
    token_weights: new ort.Tensor("float32", new Float32Array(B * T).fill(1 / (B * T)), [B, T]),
  };
  const weights = randomWeights(config, 2, (n) => new Float32Array(n));
  for (const spec of parameterSpecs(config)) {
    feeds[spec.name] = new ort.Tensor("float32", weights.get(spec.name)!, spec.shape);
  }
  const out = await session.run(feeds);
  const logits = out.logits.data as Float32Array;
  const logprobs = out.token_logprobs.data as Float32Array;
  const V = config.vocabSize;
  let meanNll = 0;
  for (let n = 0; n < B * T; n++) {
    const row = logits.subarray(n * V, (n + 1) * V);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const expected = row[Number(targets[n])] - logSum;
    assert.ok(Math.abs(logprobs[n] - expected) < 1e-5);
    meanNll -= expected / (B * T);
  }
  assert.ok(Math.abs((out.loss.data[0] as number) - meanNll) < 1e-5);
});
