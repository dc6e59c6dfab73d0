import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { argmaxIndex, softmaxProbabilities } from "../choice.ts";
import { expectedMaxOfN, expectedRejection, expectedSoftBestOfN } from "./order_statistics.ts";

/** Every index tuple of length `n` over `k` values, with its probability under `weights`. */
function* tuples(k: number, n: number, weights: number[]): Generator<[number[], number]> {
  const total = weights.reduce((a, b) => a + b, 0);
  const index = new Array(n).fill(0);
  while (true) {
    yield [[...index], index.reduce((p, i) => p * weights[i] / total, 1)];
    let d = n - 1;
    while (d >= 0 && index[d] === k - 1) index[d--] = 0;
    if (d < 0) return;
    index[d]++;
  }
}

const values = [0.3, -1.2, 0.3, 2.5, 0.9];

Deno.test("expectedMaxOfN equals brute-force enumeration of every N-tuple (uniform and weighted)", () => {
  for (const weights of [[1, 1, 1, 1, 1], [0.5, 2, 1, 0.25, 0]]) {
    for (let n = 1; n <= 5; n++) {
      let brute = 0;
      for (const [tuple, p] of tuples(values.length, n, weights)) {
        brute += p * Math.max(...tuple.map((i) => values[i]));
      }
      const closed = expectedMaxOfN(values, n, weights);
      assert.ok(Math.abs(closed - brute) < 1e-12, `n=${n}: ${closed} vs ${brute}`);
    }
  }
});

Deno.test("expectedRejection equals brute-force enumeration of draw sequences and acceptance tests", () => {
  const shapes = [
    { temperature: 0.5, rMax: 2.5, batchSize: 2, maxDraws: 5 },
    { temperature: 1, rMax: 3, batchSize: 3, maxDraws: 4 },
    { temperature: 2, rMax: 2.5, batchSize: 1, maxDraws: 3 },
  ];
  const weights = [1, 2, 1, 0.5, 1];
  for (const shape of shapes) {
    const accept = values.map((r) => Math.min(1, Math.exp((r - shape.rMax) / shape.temperature)));
    let reward = 0;
    let draws = 0;
    let acceptance = 0;
    const batches = Math.ceil(shape.maxDraws / shape.batchSize);
    const reach = new Array(batches).fill(0);
    for (const [sequence, p] of tuples(values.length, shape.maxDraws, weights)) {
      // The loop tests draws in order and stops after the batch holding the first acceptance.
      let rejectedSoFar = 1;
      for (let t = 0; t < sequence.length; t++) {
        const first = rejectedSoFar * accept[sequence[t]];
        const batch = Math.floor(t / shape.batchSize);
        reward += p * first * values[sequence[t]];
        acceptance += p * first;
        draws += p * first * Math.min(shape.maxDraws, (batch + 1) * shape.batchSize);
        for (let j = 0; j <= batch; j++) reach[j] += p * first;
        rejectedSoFar *= 1 - accept[sequence[t]];
      }
      const drawn = sequence.map((i) => values[i]);
      reward += p * rejectedSoFar * drawn[argmaxIndex(drawn)];
      draws += p * rejectedSoFar * shape.maxDraws;
      for (let j = 0; j < batches; j++) reach[j] += p * rejectedSoFar;
    }
    const closed = expectedRejection(values, shape, weights);
    assert.ok(Math.abs(closed.reward - reward) < 1e-12, `reward ${closed.reward} vs ${reward}`);
    assert.ok(Math.abs(closed.acceptance - acceptance) < 1e-12, `acceptance ${closed.acceptance}`);
    assert.ok(Math.abs(closed.draws - draws) < 1e-12, `draws ${closed.draws} vs ${draws}`);
    closed.batchProbabilities.forEach((q, j) => assert.ok(Math.abs(q - reach[j]) < 1e-12, `batch ${j}`));
  }
});

Deno.test("expectedSoftBestOfN matches exact enumeration within 5 standard errors", () => {
  const small = [0.3, -1.2, 2.5, 0.9];
  for (const [n, tau] of [[2, 0.5], [3, 1], [4, 0.25]]) {
    let mean = 0;
    let square = 0;
    for (const [tuple, p] of tuples(small.length, n, [1, 1, 1, 1])) {
      const drawn = tuple.map((i) => small[i]);
      const probabilities = softmaxProbabilities(drawn, tau);
      const value = drawn.reduce((sum, r, j) => sum + probabilities[j] * r, 0);
      mean += p * value;
      square += p * value * value;
    }
    const trials = 20_000;
    const standardError = Math.sqrt((square - mean * mean) / trials);
    const estimate = expectedSoftBestOfN(small, n, tau, new Rng(n), trials);
    assert.ok(Math.abs(estimate - mean) < 5 * standardError, `n=${n} τ=${tau}: ${estimate} vs ${mean}`);
  }
});

Deno.test("soft best-of-N lies between the mean (τ large) and best-of-N (τ small)", () => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const hot = expectedSoftBestOfN(values, 4, 1e6, new Rng(2), 4000);
  const cold = expectedSoftBestOfN(values, 4, 1e-6, new Rng(2), 4000);
  assert.ok(Math.abs(hot - mean) < 0.1);
  assert.ok(Math.abs(cold - expectedMaxOfN(values, 4)) < 0.1);
});
