/**
 * The processor chain and the selection helpers against straightforward references: OpenAI's
 * logit bias and penalty formulas, softmax(logits / T) restricted by a full sort for top-k and top-p, and
 * vLLM's min-p.
 */
import assert from "node:assert/strict";
import { Rng } from "../random.ts";
import { buildProcessorChain, chooseToken, sampleSoftmax, softmax } from "./logits_processors.ts";
import { kthLargest, nucleus, nucleusIndices, scaledNucleusIndices, topIndices } from "./selection.ts";
import { samplingParams } from "./_test_model.ts";
import type { SamplingParams } from "./types.ts";

const V = 64;
const rng = new Rng(5);
const logits = Float32Array.from({ length: V }, () => rng.normal(0, 2));
const counts = new Map([[3, 1], [10, 4], [17, 2]]);

/**
 * Reference: bias and penalties, then softmax(l / T) over the top-k, then the smallest prefix reaching p,
 * then of those the tokens at least min-p times as likely as the first.
 */
function referenceDistribution(params: SamplingParams): number[] {
  const bias = new Map(params.logitBias ?? []);
  const adjusted = Array.from(logits, (l, j) => {
    const c = counts.get(j) ?? 0;
    return l + (bias.get(j) ?? 0) - c * params.frequencyPenalty - (c > 0 ? 1 : 0) * params.presencePenalty;
  });
  const order = adjusted.map((_, j) => j).sort((a, b) => adjusted[b] - adjusted[a] || a - b);
  const kept = params.topK > 0 ? order.slice(0, params.topK) : order;
  const exps = kept.map((j) =>
    Math.exp(adjusted[j] / params.temperature - adjusted[kept[0]] / params.temperature)
  );
  const total = exps.reduce((a, b) => a + b, 0);
  let cut = kept.length;
  let mass = 0;
  for (let i = 0; i < kept.length; i++) {
    mass += exps[i] / total;
    if (mass >= params.topP) {
      cut = i + 1;
      break;
    }
  }
  // min-p: of those, the ones at least minP times as likely as the most likely (exps[0] = 1).
  const minP = params.minP ?? 0;
  const survivors = exps.slice(0, cut).map((e) => (e >= minP ? e : 0));
  const distribution = new Array(V).fill(0);
  const keptMass = survivors.reduce((a, b) => a + b, 0);
  for (let i = 0; i < cut; i++) distribution[kept[i]] = survivors[i] / keptMass;
  return distribution;
}

function chainDistribution(params: SamplingParams): Float64Array {
  const scratch = Float32Array.from(logits);
  for (const processor of buildProcessorChain(params)) processor(scratch, counts);
  return softmax(scratch, undefined, 1 / params.temperature); // the sampler applies T
}

const cases: Partial<SamplingParams>[] = [
  { temperature: 1 },
  { temperature: 0.7, frequencyPenalty: 0.8, presencePenalty: 0.5 },
  { temperature: 1.3, topK: 5 },
  { temperature: 0.9, topP: 0.6 },
  { temperature: 0.5, topK: 12, topP: 0.8, presencePenalty: -1, frequencyPenalty: 0.3 },
  { temperature: 2, topP: 0 },
  { temperature: 1, logitBias: [[2, 5], [7, -100], [10, 1.5]] },
  { temperature: 0.8, minP: 0.1 },
  { temperature: 1.4, topK: 20, topP: 0.9, minP: 0.05, frequencyPenalty: 0.3 },
  { temperature: 0.8, topP: 0.7, frequencyPenalty: 0.6, logitBias: [[3, 2], [40, -3]] },
];

Deno.test("the chain's distribution equals the OpenAI / HF reference for penalties, T, top-k, top-p", () => {
  for (const overrides of cases) {
    const params = samplingParams(overrides);
    const expected = referenceDistribution(params);
    const actual = chainDistribution(params);
    for (let j = 0; j < V; j++) {
      assert.ok(Math.abs(actual[j] - expected[j]) < 1e-6, `${JSON.stringify(overrides)} token ${j}`);
    }
  }
});

Deno.test("sampling draws tokens with the chain's probabilities; greedy takes the penalised argmax", () => {
  const params = samplingParams({ temperature: 0.8, topK: 6, topP: 0.9, frequencyPenalty: 0.4 });
  const chain = buildProcessorChain(params);
  const expected = referenceDistribution(params);
  const draws = 20_000;
  const frequency = new Array(V).fill(0);
  const sampler = new Rng(11);
  const scratch = new Float32Array(V);
  for (let i = 0; i < draws; i++) frequency[chooseToken(logits, chain, counts, params, sampler, scratch)]++;
  for (let j = 0; j < V; j++) {
    const sd = Math.sqrt(expected[j] * (1 - expected[j]) / draws);
    assert.ok(Math.abs(frequency[j] / draws - expected[j]) <= 5 * sd + 1e-9, `token ${j}`);
  }
  const greedy = samplingParams({ frequencyPenalty: 0.7, presencePenalty: 0.2 });
  const penalised = referenceDistribution({ ...greedy, temperature: 1 });
  const best = penalised.indexOf(Math.max(...penalised));
  const before = Float32Array.from(logits);
  assert.equal(chooseToken(logits, buildProcessorChain(greedy), counts, greedy, new Rng(1), scratch), best);
  assert.deepEqual(logits, before, "raw logits are left untouched");
  // logit_bias: +100 forces a token, −100 bans the argmax (the next best takes its place).
  const forced = samplingParams({ logitBias: [[40, 100]] });
  assert.equal(chooseToken(logits, buildProcessorChain(forced), counts, forced, new Rng(1), scratch), 40);
  const plain = samplingParams();
  const top = chooseToken(logits, buildProcessorChain(plain), counts, plain, new Rng(1), scratch);
  const banned = samplingParams({ logitBias: [[top, -100]] });
  const second = [...logits.keys()].filter((j) => j !== top).reduce((
    a,
    b,
  ) => (logits[b] > logits[a] ? b : a));
  assert.equal(chooseToken(logits, buildProcessorChain(banned), counts, banned, new Rng(1), scratch), second);
});

Deno.test("topIndices, kthLargest and nucleus agree with sorting, ties to the lower index", () => {
  const values = Float32Array.from({ length: 500 }, (_, i) => (i * 7919) % 101); // many ties
  const sorted = [...values.keys()].sort((a, b) => values[b] - values[a] || a - b);
  for (const k of [1, 3, 20, 101, 500]) {
    assert.deepEqual(topIndices(values, k), sorted.slice(0, k));
    assert.equal(kthLargest(values, k), values[sorted[k - 1]]);
  }
  assert.deepEqual(topIndices(Float32Array.of(-Infinity, 2, -Infinity), 3), [1]);
  const probabilities = softmax(Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) * 3));
  const order = [...probabilities.keys()].sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  for (const p of [0, 0.1, 0.5, 0.9, 0.999, 1]) {
    let mass = 0;
    let cut = order.length;
    for (let i = 0; i < order.length; i++) {
      mass += probabilities[order[i]];
      if (mass >= p) {
        cut = i + 1;
        break;
      }
    }
    const keep = nucleus(probabilities, p);
    assert.deepEqual(
      [...keep.keys()].filter((i) => keep[i] === 1),
      order.slice(0, cut).sort((a, b) => a - b),
    );
  }
});

/** The unfused choice: every processor of the chain (top-p writes −Infinity), then `sampleSoftmax`. */
function unfusedChoice(
  row: Float32Array,
  params: SamplingParams,
  tokenCounts: Map<number, number>,
  rng: Rng,
) {
  const scratch = Float32Array.from(row);
  for (const processor of buildProcessorChain(params)) processor(scratch, tokenCounts);
  return sampleSoftmax(scratch, 1 / params.temperature, rng);
}

Deno.test("top-p sampling from the nucleus draws the same token and leaves the same state as the unfused chain", () => {
  const source = new Rng(21);
  const V = 512;
  const rows = [
    ...Array.from(
      { length: 40 },
      (_, r) => Float32Array.from({ length: V }, () => source.normal(0, 1 + r / 4)),
    ),
    // coarse values: many ties, also at the nucleus's cut
    ...Array.from(
      { length: 20 },
      () => Float32Array.from({ length: V }, () => Math.round(source.normal(0, 2))),
    ),
    // peaked, and rows with removed entries
    Float32Array.from({ length: V }, (_, i) => (i === 7 ? 40 : source.normal(0, 1))),
    Float32Array.from({ length: V }, (_, i) => (i % 3 === 0 ? -Infinity : source.normal(0, 3))),
    Float32Array.from({ length: V }, () => 0.5),
  ];
  const settings: Partial<SamplingParams>[] = [
    { temperature: 0.8, topP: 0.95 },
    { temperature: 1, topP: 0.5 },
    { temperature: 0.3, topP: 0.999999 },
    { temperature: 1.7, topP: 0.9, topK: 40 },
    { temperature: 0.9, topP: 0.7, frequencyPenalty: 0.5, presencePenalty: 0.3 },
    { temperature: 1.2, topP: 0 },
  ];
  const tokenCounts = new Map([[3, 2], [100, 1]]);
  const scratch = new Float32Array(V);
  let draws = 0;
  for (const overrides of settings) {
    const params = samplingParams(overrides);
    const chain = buildProcessorChain(params);
    for (const [r, row] of rows.entries()) {
      const untouched = Float32Array.from(row);
      const fused = new Rng(1000 + r);
      const unfused = new Rng(1000 + r);
      for (let i = 0; i < 5; i++) {
        const expected = unfusedChoice(row, params, tokenCounts, unfused);
        const actual = chooseToken(row, chain, tokenCounts, params, fused, scratch);
        assert.equal(actual, expected, `${JSON.stringify(overrides)} row ${r} draw ${i}`);
        draws++;
      }
      assert.deepEqual(fused.state(), unfused.state(), "one draw per token either way");
      assert.deepEqual(row, untouched, "raw logits are left untouched");
    }
  }
  assert.equal(draws, settings.length * rows.length * 5);
});

Deno.test("scaledNucleusIndices of weights and 1 / their sum equals the nucleus of the stored softmax", () => {
  const source = new Rng(8);
  for (let r = 0; r < 30; r++) {
    const weights = Float64Array.from(
      { length: 300 },
      () => Math.exp(Math.round(source.normal(0, 3) * 4) / 4),
    );
    const sum = weights.reduce((a, b) => a + b, 0);
    const probabilities = weights.map((w) => w * (1 / sum));
    for (const p of [0, 0.3, 0.9, 0.99, 1]) {
      const [scaled, plain] = [new Int32Array(300), new Int32Array(300)];
      const count = scaledNucleusIndices(weights, 1 / sum, p, scaled);
      assert.deepEqual([...scaled.subarray(0, count)], [
        ...plain.subarray(0, nucleusIndices(probabilities, p, plain)),
      ]);
      const keep = nucleus(probabilities, p);
      assert.deepEqual([...scaled.subarray(0, count)], [...keep.keys()].filter((i) => keep[i] === 1));
    }
  }
});
