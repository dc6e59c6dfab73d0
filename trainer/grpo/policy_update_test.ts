import assert from "node:assert/strict";
import { randomWeights, tinyConfig } from "../../models/gpt/_test_support.ts";
import type { Parameters } from "../../models/gpt/parameters.ts";
import { TrainingSession } from "../../models/gpt/training_session.ts";
import { Rng } from "../../models/random.ts";
import { policyGradient, tokenLogprobs, tokenStatistics } from "./policy_update.ts";
import { countCompletionTokens, packPolicyRows, type PolicyRow } from "./sequences.ts";

const config = tinyConfig(); // vocabulary 11, context 8
const rng = new Rng(21);
const rows: PolicyRow[] = [
  { length: 8, promptLength: 3, advantage: 1.3 },
  { length: 5, promptLength: 2, advantage: -0.7 },
  { length: 7, promptLength: 4, advantage: 0.4 },
].map(({ length, promptLength, advantage }) => ({
  tokens: Array.from({ length }, () => rng.nextInt(config.vocabSize)),
  promptLength,
  advantage,
}));
const parameters = randomWeights(config, 4, (n) => new Float32Array(n));
const reference = randomWeights(config, 5, (n) => new Float32Array(n));
const session = await TrainingSession.create(config, { objective: "clipped_policy_gradient", threads: 1 });
const crossEntropy = await TrainingSession.create(config, { objective: "cross_entropy", threads: 1 });
globalThis.addEventListener("unload", () => {
  session.release();
  crossEntropy.release();
});

/** Each row's completion-target log-probs, read back from the packed micro-batches. */
function perRow(batches: ReturnType<typeof packPolicyRows>, values: Float32Array[]): number[][] {
  const result: number[][] = [];
  batches.forEach((batch, i) => {
    for (let b = 0; b < batch.batchSize; b++) {
      const row = rows[result.length];
      const out: number[] = [];
      for (let t = row.promptLength - 1; t + 1 < row.tokens.length; t++) {
        out.push(values[i][b * batch.seqLength + t]);
      }
      result.push(out);
    }
  });
  return result;
}

function maxRelativeError(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let error = 0;
  let magnitude = 0;
  for (const [name, values] of a) {
    const other = b.get(name)!;
    for (let i = 0; i < values.length; i++) {
      error = Math.max(error, Math.abs(values[i] - other[i]));
      magnitude = Math.max(magnitude, Math.abs(other[i]));
    }
  }
  return error / magnitude;
}

Deno.test("with old = current = reference (ρ = 1, KL = 0) the gradient is −Σ w·A·∇log π", async () => {
  const batches = packPolicyRows(rows, 2, 0); // two micro-batches, summed
  const logprobs = await tokenLogprobs(session, batches, parameters);
  const update = await policyGradient(session, batches, {
    oldLogprobs: logprobs,
    refLogprobs: logprobs,
    klBeta: 0.5,
    clipEpsilon: 0.2,
  }, parameters);
  // Loss: −Σ_j A_j·(completion tokens of j)/(all completion tokens).
  const total = countCompletionTokens(rows);
  const expectedLoss = -rows.reduce((s, r) => s + r.advantage * (r.tokens.length - r.promptLength), 0) /
    total;
  assert.ok(Math.abs(update.loss - expectedLoss) < 1e-6, `${update.loss} vs ${expectedLoss}`);
  // Gradient: the cross-entropy graph with token weights w·A on one unsplit batch.
  const [whole] = packPolicyRows(rows, rows.length, 0);
  const weighted = Float32Array.from(whole.tokenWeights, (w, k) => w * whole.advantages[k]);
  const expected = await crossEntropy.run({ ...whole, tokenWeights: weighted }, parameters);
  assert.ok(maxRelativeError(update.gradients, expected.gradients) < 1e-4);
});

Deno.test("the clipped surrogate + β·k3 loss matches a TypeScript computation and finite differences", async () => {
  const batches = packPolicyRows(rows, 2, 0);
  const current = await tokenLogprobs(session, batches, parameters);
  const refLogprobs = await tokenLogprobs(session, batches, reference);
  const noise = new Rng(3);
  const oldLogprobs = current.map((lp) => Float32Array.from(lp, (v) => v + 0.8 * (noise.nextFloat() - 0.5)));
  const beta = 0.3;
  const clipEpsilon = 0.2;
  const inputs = { oldLogprobs, refLogprobs, klBeta: beta, clipEpsilon };
  const update = await policyGradient(session, batches, inputs, parameters);

  const lp = perRow(batches, update.logprobs);
  const old = perRow(batches, oldLogprobs);
  const ref = perRow(batches, refLogprobs);
  const total = countCompletionTokens(rows);
  let loss = 0;
  let clipped = 0;
  rows.forEach((row, j) => {
    lp[j].forEach((value, t) => {
      const ratio = Math.exp(value - old[j][t]);
      const a = row.advantage;
      const surrogate = Math.min(ratio * a, Math.min(Math.max(ratio, 1 - clipEpsilon), 1 + clipEpsilon) * a);
      if (surrogate < ratio * a) clipped++;
      const d = ref[j][t] - value;
      loss += (-surrogate + beta * (Math.exp(d) - d - 1)) / total;
    });
  });
  assert.ok(Math.abs(update.loss - loss) < 1e-5, `${update.loss} vs ${loss}`);
  const statistics = tokenStatistics(batches, {
    ...inputs,
    logprobs: update.logprobs,
    entropy: update.entropy,
  }, clipEpsilon);
  assert.ok(clipped > 0 && clipped < total, `${clipped} of ${total} clipped: pick other noise`);
  assert.ok(Math.abs(statistics.clipFraction - clipped / total) < 1e-12);

  // Directional derivative along a random direction, central differences of the loop's loss.
  const direction = new Map([...parameters].map(([name, p]) => [name, p.map(() => noise.nextFloat() - 0.5)]));
  const shifted = (h: number): Parameters =>
    new Map([...parameters].map(([name, p]) => [name, p.map((v, i) => v + h * direction.get(name)![i])]));
  const h = 1e-3;
  const plus = (await policyGradient(session, batches, inputs, shifted(h))).loss;
  const minus = (await policyGradient(session, batches, inputs, shifted(-h))).loss;
  let analytic = 0;
  for (const [name, g] of update.gradients) g.forEach((v, i) => analytic += v * direction.get(name)![i]);
  const numeric = (plus - minus) / (2 * h);
  assert.ok(Math.abs(numeric - analytic) < 0.02 * Math.abs(analytic) + 1e-4, `${numeric} vs ${analytic}`);
});

Deno.test("micro-batching does not change the loss or the gradient", async () => {
  const run = async (rowsPerBatch: number) => {
    const batches = packPolicyRows(rows, rowsPerBatch, 0);
    const logprobs = await tokenLogprobs(session, batches, parameters);
    const refLogprobs = await tokenLogprobs(session, batches, reference);
    return policyGradient(session, batches, {
      oldLogprobs: logprobs,
      refLogprobs,
      klBeta: 0.1,
      clipEpsilon: 0.2,
    }, parameters);
  };
  const [one, split] = [await run(3), await run(1)];
  assert.ok(Math.abs(one.loss - split.loss) < 1e-6);
  assert.ok(maxRelativeError(split.gradients, one.gradients) < 1e-4);
});
