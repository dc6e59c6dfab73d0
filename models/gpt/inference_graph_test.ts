/**
 * Parity: the inference graph, run on the full sequence and token by token with its KV cache,
 * gives the training graph's logits; padding in attention_mask hides exactly the padded keys.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { DecoderSession } from "../decoder_session.ts";
import { encodeOnnxModel } from "../onnx/onnx_model.ts";
import { Rng } from "../random.ts";
import { buildInferenceGraph } from "./inference_graph.ts";
import { parameterSpecs } from "./parameters.ts";
import { buildTrainingGraph } from "./training_graph.ts";
import { randomTokens, randomWeights, tinyConfig } from "./_test_support.ts";

const config = tinyConfig({ vocabSize: 37, contextLength: 16, modelDim: 16, headCount: 4, mlpDim: 24 });
const V = config.vocabSize;
const B = 2;
const T = 7;
const weights = randomWeights(config, 3, (n) => new Float32Array(n));
const ids = randomTokens(B * T, V, new Rng(9));
const ones = (n: number) => new BigInt64Array(n).fill(1n);
const positions = (b: number, from: number, to: number) =>
  BigInt64Array.from({ length: b * (to - from) }, (_, i) => BigInt(from + (i % (to - from))));

async function trainingGraphLogits(): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(
    encodeOnnxModel(buildTrainingGraph(config, { objective: "cross_entropy", exposeLogits: true })),
  );
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", ids, [B, T]),
    target_ids: new ort.Tensor("int64", ids, [B, T]),
    token_weights: new ort.Tensor("float32", new Float32Array(B * T), [B, T]),
  };
  for (const spec of parameterSpecs(config)) {
    feeds[spec.name] = new ort.Tensor("float32", weights.get(spec.name)!, spec.shape);
  }
  return (await session.run(feeds)).logits.data as Float32Array;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Columns [from, to) of every row of `ids`, row-major [B, to − from]. */
const part = (from: number, to: number) =>
  BigInt64Array.from(
    { length: B * (to - from) },
    (_, i) => ids[Math.floor(i / (to - from)) * T + from + (i % (to - from))],
  );

const decoder = () =>
  DecoderSession.load(encodeOnnxModel(buildInferenceGraph(config, weights)), { threads: 1 });

Deno.test("inference graph over the full sequence equals the training graph's forward", async () => {
  const reference = await trainingGraphLogits();
  const session = await decoder();
  const { logits } = await session.forward({
    batchSize: B,
    seqLength: T,
    inputIds: ids,
    attentionMask: ones(B * T),
    positionIds: positions(B, 0, T),
  });
  assert.ok(maxDifference(logits, reference) < 1e-4);
});

Deno.test("inference graph token by token with its KV cache equals the training graph's forward", async () => {
  const reference = await trainingGraphLogits();
  const session = await decoder();
  assert.deepEqual(session.layout, {
    layerCount: 2,
    kvHeads: 4,
    headDim: 4,
    vocabSize: V,
    takesPositionIds: true,
    providesNewKeyValues: true,
  });
  let past = undefined;
  for (let t = 0; t < T; t++) {
    const step = await session.forward({
      batchSize: B,
      seqLength: 1,
      inputIds: BigInt64Array.from({ length: B }, (_, b) => ids[b * T + t]),
      attentionMask: ones(B * (t + 1)),
      positionIds: positions(B, t, t + 1),
      past,
    });
    past = step.present;
    assert.equal(past.length, t + 1);
    for (let b = 0; b < B; b++) {
      const expected = reference.subarray((b * T + t) * V, (b * T + t + 1) * V);
      assert.ok(maxDifference(step.logits.subarray(b * V, (b + 1) * V), expected) < 1e-4, `t=${t} b=${b}`);
    }
  }
});

Deno.test("a prefill in two chunks equals one prefill", async () => {
  const reference = await trainingGraphLogits();
  const session = await decoder();
  const split = 3;
  const first = await session.forward({
    batchSize: B,
    seqLength: split,
    inputIds: part(0, split),
    attentionMask: ones(B * split),
    positionIds: positions(B, 0, split),
  });
  const second = await session.forward({
    batchSize: B,
    seqLength: T - split,
    inputIds: part(split, T),
    attentionMask: ones(B * T),
    positionIds: positions(B, split, T),
    past: first.present,
  });
  for (let b = 0; b < B; b++) {
    const expected = reference.subarray((b * T + split) * V, (b * T + T) * V);
    const actual = second.logits.subarray(b * (T - split) * V, (b + 1) * (T - split) * V);
    assert.ok(maxDifference(actual, expected) < 1e-4);
  }
});

Deno.test("left padding masked by attention_mask leaves the real tokens' logits unchanged", async () => {
  const session = await decoder();
  const row = Array.from(ids.subarray(0, 4));
  const alone = await session.forward({
    batchSize: 1,
    seqLength: 4,
    inputIds: BigInt64Array.from(row),
    attentionMask: ones(4),
    positionIds: positions(1, 0, 4),
  });
  const pad = 3;
  const padded = await session.forward({
    batchSize: 1,
    seqLength: pad + 4,
    inputIds: BigInt64Array.from([5n, 6n, 7n, ...row]),
    attentionMask: BigInt64Array.from([0n, 0n, 0n, 1n, 1n, 1n, 1n]),
    positionIds: BigInt64Array.from([0n, 0n, 0n, 0n, 1n, 2n, 3n]),
  });
  assert.ok(maxDifference(padded.logits.subarray(pad * V), alone.logits) < 1e-4);
});

Deno.test("new_key_values equal the last S columns of present; forwardNew fetches only them", async () => {
  const session = await decoder();
  const split = 3;
  const first = await session.forward({
    batchSize: B,
    seqLength: split,
    inputIds: part(0, split),
    attentionMask: ones(B * split),
    positionIds: positions(B, 0, split),
  });
  const S = T - split;
  const input = {
    batchSize: B,
    seqLength: S,
    inputIds: part(split, T),
    attentionMask: ones(B * T),
    positionIds: positions(B, split, T),
    past: first.present,
  };
  const full = await session.forward(input);
  const fast = await session.forwardNew(input);
  assert.deepEqual(fast.logits, full.logits);
  const { kvHeads: H, headDim: hd } = session.layout;
  for (let layer = 0; layer < config.layerCount; layer++) {
    for (
      const [present, added] of [[full.present.keys, fast.newKeys], [
        full.present.values,
        fast.newValues,
      ]] as const
    ) {
      const data = present[layer].data as Float32Array;
      assert.deepEqual(present[layer].dims, [B, H, T, hd]);
      assert.equal(added[layer].length, B * H * S * hd);
      for (let bh = 0; bh < B * H; bh++) {
        assert.deepEqual(
          added[layer].subarray(bh * S * hd, (bh + 1) * S * hd),
          data.subarray((bh * T + split) * hd, (bh + 1) * T * hd),
        );
      }
    }
  }
});
