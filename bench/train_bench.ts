/**
 * `deno task bench:train`: training throughput of the default model's config and its
 * model-FLOPs utilisation (MFU) against a large MatMul measured by onnxruntime-node in the
 * same run, at 1 and 2 threads.
 *
 * Model FLOPs per token (forward + backward = 3 × forward, as in PaLM's MFU):
 *   6·(L·(4D² + 2·D·F) + V·D) + 12·L·T·D      (matmul weights, tied head, attention scores)
 *
 * Checks before it times: the step's loss equals the mean cross-entropy computed in
 * TypeScript from the inference graph's logits on the same batch.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { DecoderSession } from "../models/decoder_session.ts";
import { buildInferenceGraph } from "../models/gpt/inference_graph.ts";
import { initParameters, parameterCount } from "../models/gpt/parameters.ts";
import { type TokenBatch, TrainingSession } from "../models/gpt/training_session.ts";
import { GraphBuilder } from "../models/onnx/graph_builder.ts";
import { encodeOnnxModel } from "../models/onnx/onnx_model.ts";
import { Rng } from "../models/random.ts";
import { DEFAULT_RECIPE } from "../trainer/default_model/recipe.ts";

const config = DEFAULT_RECIPE.model;
const B = DEFAULT_RECIPE.batchSize;
const T = DEFAULT_RECIPE.seqLength;
const { layerCount: L, modelDim: D, mlpDim: F, vocabSize: V } = config;
const flopsPerToken = 6 * (L * (4 * D * D + 2 * D * F) + V * D) + 12 * L * T * D;

const rng = new Rng(1);
const parameters = initParameters(config, rng);
function randomBatch(): TokenBatch {
  const ids = BigInt64Array.from({ length: B * T + 1 }, () => BigInt(rng.nextInt(V)));
  return {
    batchSize: B,
    seqLength: T,
    inputIds: ids.slice(0, B * T),
    targetIds: ids.slice(1),
    tokenWeights: new Float32Array(B * T).fill(1 / (B * T)),
  };
}

async function checkLossAgainstInferenceGraph(): Promise<void> {
  const batch = randomBatch();
  const session = await TrainingSession.create(config, { objective: "cross_entropy", threads: 2 });
  const { loss } = await session.run(batch, parameters);
  await session.release();
  const decoder = await DecoderSession.load(encodeOnnxModel(buildInferenceGraph(config, parameters)));
  const { logits } = await decoder.forward({
    batchSize: B,
    seqLength: T,
    inputIds: batch.inputIds,
    attentionMask: new BigInt64Array(B * T).fill(1n),
    positionIds: BigInt64Array.from({ length: B * T }, (_, i) => BigInt(i % T)),
  });
  await decoder.release();
  let nll = 0;
  for (let n = 0; n < B * T; n++) {
    const row = logits.subarray(n * V, (n + 1) * V);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    nll += (max + Math.log(sum) - row[Number(batch.targetIds[n])]) / (B * T);
  }
  assert.ok(Math.abs(nll - loss) < 1e-4, `training loss ${loss} vs reference ${nll}`);
}

async function matMulGflops(threads: number): Promise<number> {
  const [m, k, n] = [1024, 512, 2048];
  const g = new GraphBuilder("matmul", "float32");
  g.output("c", g.matMul(g.input("a", "float32", [m, k]), g.input("b", "float32", [k, n])), "float32", [
    m,
    n,
  ]);
  const session = await ort.InferenceSession.create(encodeOnnxModel(g.build()), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const feeds = {
    a: new ort.Tensor("float32", Float32Array.from({ length: m * k }, () => rng.nextFloat()), [m, k]),
    b: new ort.Tensor("float32", Float32Array.from({ length: k * n }, () => rng.nextFloat()), [k, n]),
  };
  const seconds = await timeRuns(() => session.run(feeds), 5, 30);
  await session.release();
  return 2 * m * k * n / seconds / 1e9;
}

async function trainingStepSeconds(threads: number): Promise<number> {
  const session = await TrainingSession.create(config, { objective: "cross_entropy", threads });
  const batch = randomBatch();
  const seconds = await timeRuns(() => session.run(batch, parameters), 2, 8);
  await session.release();
  return seconds;
}

/** Median seconds per call after warm-up. */
async function timeRuns(run: () => Promise<unknown>, warmup: number, count: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run();
    times.push((performance.now() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

await checkLossAgainstInferenceGraph();
console.log(
  `config: ${(parameterCount(config) / 1e6).toFixed(2)} M parameters, L=${L} D=${D} F=${F} V=${V}, ` +
    `batch ${B}×${T}; ${(flopsPerToken / 1e6).toFixed(1)} MFLOP/token; loss checked against inference graph`,
);
for (const threads of [1, 2]) {
  const peak = await matMulGflops(threads);
  const step = await trainingStepSeconds(threads);
  const tokensPerSecond = B * T / step;
  const achieved = tokensPerSecond * flopsPerToken / 1e9;
  console.log(
    `threads=${threads}: MatMul 1024×512×2048 ${peak.toFixed(1)} GFLOP/s | training step ${
      (step * 1000).toFixed(0)
    } ms, ${tokensPerSecond.toFixed(0)} tokens/s, ${achieved.toFixed(1)} GFLOP/s | MFU ${
      (100 * achieved / peak).toFixed(1)
    } %`,
  );
}
