import assert from "node:assert/strict";
import { Rng } from "./random.ts";
import { argmax, GREEDY, sampleToken } from "./sampling.ts";

const logits = Float32Array.of(1, 3, 0.5, 2.5, -1);

function frequencies(options: { temperature: number; topP: number; topK: number }, draws: number) {
  const rng = new Rng(42);
  const counts = new Array(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, options, rng)]++;
  return counts.map((c) => c / draws);
}

/** Reference: softmax(logits / T) restricted to `allowed`, renormalised. */
function reference(temperature: number, allowed: number[]): number[] {
  const weights = Array.from(logits, (l, i) => allowed.includes(i) ? Math.exp(l / temperature) : 0);
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

function assertClose(actual: number[], expected: number[], draws: number) {
  for (let i = 0; i < expected.length; i++) {
    const sd = Math.sqrt(expected[i] * (1 - expected[i]) / draws);
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 5 * sd + 1e-9,
      `token ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("greedy and top_k = 1 return the argmax", () => {
  assert.equal(argmax(logits), 1);
  assert.equal(sampleToken(logits, GREEDY, new Rng(1)), 1);
  assert.equal(sampleToken(logits, { temperature: 5, topP: 1, topK: 1 }, new Rng(1)), 1);
});

Deno.test("temperature sampling follows softmax(logits / T)", () => {
  const draws = 40_000;
  assertClose(
    frequencies({ temperature: 0.7, topP: 1, topK: 0 }, draws),
    reference(0.7, [0, 1, 2, 3, 4]),
    draws,
  );
});

Deno.test("top_k keeps the k most likely tokens, renormalised", () => {
  const draws = 40_000;
  assertClose(frequencies({ temperature: 1, topP: 1, topK: 3 }, draws), reference(1, [1, 3, 0]), draws);
});

Deno.test("top_p keeps the smallest most-likely set reaching p", () => {
  const full = reference(1, [0, 1, 2, 3, 4]); // ≈ [0.10, 0.48, 0.06, 0.29, 0.01]
  const p = full[1] + full[3] + 0.01; // needs tokens 1, 3 and then 0
  const draws = 40_000;
  assertClose(frequencies({ temperature: 1, topP: p, topK: 0 }, draws), reference(1, [1, 3, 0]), draws);
});
