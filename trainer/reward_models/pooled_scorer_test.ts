import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { adamWStep, createAdamWState, DEFAULT_ADAMW } from "../adamw.ts";
import { bradleyTerryLoss, initScorerParameters, type PairBatch, scoreSequence } from "./pooled_scorer.ts";

const config = { vocabSize: 9, dim: 5, hidden: 4 };

function float64Parameters(seed: number): Map<string, Float64Array> {
  const rng = new Rng(seed);
  // Larger-than-default weights so tanh is far from linear and every term of the gradient matters.
  return new Map([...initScorerParameters(config, rng.fork(0))].map(([name, values]) => [
    name,
    Float64Array.from(values, () => rng.normal(0, 0.7)),
  ]));
}

const batch: PairBatch = {
  chosen: [[1, 2, 3, 3], [4], [0, 8, 7, 6, 5]],
  rejected: [[2, 2], [4, 5, 6], [8]],
};

Deno.test("Bradley–Terry gradient of every parameter matches central finite differences (float64)", () => {
  const parameters = float64Parameters(3);
  const { loss, gradients } = bradleyTerryLoss(parameters, config, batch);
  assert.ok(loss > 0);
  const h = 1e-6;
  for (const [name, values] of parameters) {
    const analytic = gradients.get(name)!;
    for (let i = 0; i < values.length; i++) {
      const saved = values[i];
      values[i] = saved + h;
      const up = bradleyTerryLoss(parameters, config, batch).loss;
      values[i] = saved - h;
      const down = bradleyTerryLoss(parameters, config, batch).loss;
      values[i] = saved;
      const numeric = (up - down) / (2 * h);
      const error = Math.abs(numeric - analytic[i]);
      assert.ok(
        error < 1e-7 + 1e-6 * Math.abs(numeric),
        `${name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`,
      );
    }
  }
  // Bradley–Terry sees only score differences: the output bias gets no gradient.
  assert.equal(gradients.get("score.bias")![0], 0);
});

Deno.test("loss is softplus of the negative margin and an AdamW step moves every trained tensor and lowers it", () => {
  const parameters = initScorerParameters(config, new Rng(5));
  const before = bradleyTerryLoss(parameters, config, batch);
  const margin = scoreSequence(parameters, config, batch.chosen[0]) -
    scoreSequence(parameters, config, batch.rejected[0]);
  assert.ok(Math.abs(before.margins[0] - margin) < 1e-12);
  const expected = [...before.margins].reduce((sum, m) => sum + Math.log1p(Math.exp(-m)), 0) / 3;
  assert.ok(Math.abs(before.loss - expected) < 1e-12);

  const snapshot = new Map([...parameters].map(([name, values]) => [name, values.slice()]));
  const state = createAdamWState(parameters);
  for (let step = 0; step < 20; step++) {
    const { gradients } = bradleyTerryLoss(parameters, config, batch);
    adamWStep(parameters, gradients, state, 0.01, { ...DEFAULT_ADAMW, weightDecay: 0 });
  }
  for (const [name, values] of parameters) {
    if (name === "score.bias") continue; // shift-invariant loss: never trained
    assert.ok(values.some((v, i) => v !== snapshot.get(name)![i]), `${name} did not move`);
  }
  assert.ok(bradleyTerryLoss(parameters, config, batch).loss < before.loss);
});
