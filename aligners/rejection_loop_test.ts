import assert from "node:assert/strict";
import { Rng } from "../models/random.ts";
import { rejectionLoop } from "./rejection_loop.ts";
import { assertFrequencies } from "./_test_stats.ts";

// A base policy π uniform over a fixed pool of candidate scores: the tilted law is ∝ exp(r/τ).
const pool = [0.0, 0.35, 0.7, 1.0, 0.2];
const tau = 0.4;
const rMax = 1.0;

/** draws uniform pool indices; returns their scores and records which index each draw was. */
function poolDrawer(rng: Rng, drawn: number[]) {
  return (_batch: number, size: number) => {
    const scores: number[] = [];
    for (let i = 0; i < size; i++) {
      const index = rng.nextInt(pool.length);
      drawn.push(index);
      scores.push(pool[index]);
    }
    return Promise.resolve(scores);
  };
}

Deno.test("rejection sampling: accepted draws follow the tilted law, acceptance rate matches its closed form", async () => {
  const tilted = pool.map((r) => Math.exp(r / tau));
  const z = tilted.reduce((a, b) => a + b);
  const law = tilted.map((w) => w / z);
  // Closed form: E_π[exp((r − r_max)/τ)].
  const rate = pool.reduce((sum, r) => sum + Math.exp((r - rMax) / tau), 0) / pool.length;
  const trials = 20_000;
  const counts = new Array(pool.length).fill(0);
  let acceptances = 0;
  let tested = 0;
  let fallbacks = 0;
  const source = new Rng(77);
  for (let t = 0; t < trials; t++) {
    const drawn: number[] = [];
    const outcome = await rejectionLoop({
      drawBatch: poolDrawer(source.fork(2 * t), drawn),
      batchSize: 3,
      maxDraws: 60, // P(no acceptance) = (1 − rate)^60 < 1e-9
      temperature: tau,
      rMax,
      rng: source.fork(2 * t + 1),
    });
    if (!outcome.accepted) fallbacks++;
    else counts[drawn[outcome.chosen]]++;
    acceptances += outcome.acceptances;
    tested += outcome.tested;
    assert.equal(outcome.tested, outcome.batches * 3);
    assert.equal(outcome.aggregates.length, drawn.length);
  }
  assert.equal(fallbacks, 0);
  assertFrequencies(counts, law, trials);
  const sigma = Math.sqrt(rate * (1 - rate) / tested);
  assert.ok(Math.abs(acceptances / tested - rate) < 5 * sigma, `rate ${acceptances / tested} vs ${rate}`);
});

Deno.test("rejection sampling: a spent budget falls back to the best draw seen", async () => {
  const batches: number[] = [];
  const scores = [[0.1, 0.4], [0.9, NaN], [0.2]];
  const outcome = await rejectionLoop({
    drawBatch: (batch, size) => {
      batches.push(size);
      return Promise.resolve(scores[batch]);
    },
    batchSize: 2,
    maxDraws: 5,
    temperature: 0.01,
    rMax: 100, // acceptance probability exp(−~10⁴) = 0
    rng: new Rng(3),
  });
  assert.deepEqual(batches, [2, 2, 1]);
  assert.equal(outcome.accepted, false);
  assert.equal(outcome.chosen, 2);
  assert.equal(outcome.acceptances, 0);
  assert.equal(outcome.tested, 5);
});

Deno.test("rejection sampling: scores above r_max are accepted and counted", async () => {
  const outcome = await rejectionLoop({
    drawBatch: () => Promise.resolve([NaN, 2, 0]),
    batchSize: 3,
    maxDraws: 9,
    temperature: 1,
    rMax: 1,
    rng: new Rng(4),
  });
  assert.equal(outcome.chosen, 1);
  assert.equal(outcome.batches, 1);
  assert.equal(outcome.aboveBound, 1);
});
