/**
 * Direction fidelity's parts against references: the pooled within-group correlation against a
 * brute-force sample correlation of the centred values, invariance to per-group offsets, and closed
 * forms (±1, 0, undefined); sequence log-ratios against per-row sums over the unpacked rows; the split
 * into groups. (run_grpo_test.ts checks the logged value on a real run.)
 */
import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { directionFidelity, pooledCorrelation, sequenceLogRatios } from "./direction.ts";
import { packPolicyRows } from "./sequences.ts";

Deno.test("pooledCorrelation equals the correlation of all values centred per prompt, computed directly", () => {
  const rng = new Rng(3);
  const a = Array.from({ length: 5 }, () => Array.from({ length: 7 }, () => rng.nextFloat()));
  const b = a.map((row) => row.map((x) => x * x + 0.5 * rng.nextFloat()));
  // Reference: centre per prompt, then the textbook Pearson formula over the 35 pairs.
  const centre = (rows: number[][]) =>
    rows.flatMap((row) => row.map((x) => x - row.reduce((s, v) => s + v, 0) / row.length));
  const [x, y] = [centre(a), centre(b)];
  const mx = x.reduce((s, v) => s + v, 0) / x.length; // 0 after centring; kept to be the textbook formula
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  const cov = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0);
  const sx = Math.sqrt(x.reduce((s, v) => s + (v - mx) ** 2, 0));
  const sy = Math.sqrt(y.reduce((s, v) => s + (v - my) ** 2, 0));
  assert.ok(Math.abs(pooledCorrelation(a, b) - cov / (sx * sy)) < 1e-12);
  // A per-prompt offset on either side changes nothing.
  const shifted = b.map((row, p) => row.map((v) => v + 10 * p));
  assert.ok(Math.abs(pooledCorrelation(a, shifted) - pooledCorrelation(a, b)) < 1e-12);
});

Deno.test("pooledCorrelation closed forms: ±1 for affine relations with one slope, 0 for orthogonal rows", () => {
  const a = [[1, 2, 3], [4, 0, 2]];
  assert.ok(Math.abs(pooledCorrelation(a, a.map((row) => row.map((v) => 3 * v + 7))) - 1) < 1e-12);
  assert.ok(Math.abs(pooledCorrelation(a, a.map((row) => row.map((v) => -v))) + 1) < 1e-12);
  // Centred rows (−1, 0, 1) and (1, −2, 1) are orthogonal.
  assert.equal(pooledCorrelation([[1, 2, 3]], [[1, -2, 1]]), 0);
  assert.throws(() => pooledCorrelation([[1, 2]], [[1, 2, 3]]), RangeError);
  // No variation within any group on one side: undefined.
  assert.ok(Number.isNaN(pooledCorrelation([[1, 1], [4, 4]], [[1, 2], [3, 4]])));
});

Deno.test("sequenceLogRatios sums each row's completion tokens, however the rows are micro-batched", () => {
  const rng = new Rng(8);
  const rows = Array.from({ length: 7 }, () => {
    const promptLength = 1 + rng.nextInt(4);
    const tokens = Array.from({ length: promptLength + 1 + rng.nextInt(6) }, () => rng.nextInt(50));
    return { tokens, promptLength, advantage: rng.normal() };
  });
  // Per-token log-probs of each row's target t + 1 (t = 0 … length − 2), two models.
  const perRow = rows.map((row) =>
    Array.from({ length: row.tokens.length - 1 }, () => [-rng.nextFloat() * 5, -rng.nextFloat() * 5])
  );
  // Reference: unpacked, Σ over targets that are completion tokens (t + 1 ≥ promptLength).
  const expected = rows.map((row, r) =>
    perRow[r].reduce((sum, [lp, ref], t) => (t + 1 >= row.promptLength ? sum + lp - ref : sum), 0)
  );
  for (const rowsPerBatch of [1, 3, 8]) {
    const batches = packPolicyRows(rows, rowsPerBatch, 0);
    const [logprobs, refLogprobs] = [0, 1].map((m) =>
      batches.map((batch, i) => {
        const values = new Float32Array(batch.batchSize * batch.seqLength).fill(123); // padding: never read
        for (let b = 0; b < batch.batchSize; b++) {
          perRow[i * rowsPerBatch + b].forEach((pair, t) => values[b * batch.seqLength + t] = pair[m]);
        }
        return values;
      })
    );
    const ratios = sequenceLogRatios(batches, logprobs, refLogprobs);
    ratios.forEach((value, r) =>
      assert.ok(Math.abs(value - expected[r]) < 1e-5, `row ${r}, ${rowsPerBatch} per batch`)
    );
  }
});

Deno.test("directionFidelity splits rows by group sizes; null where the correlation is undefined", () => {
  const ratios = [0.1, 0.3, -0.2, 2, 1, 3];
  const advantages = [1, 2, -1, 0.5, -1, 1.5];
  assert.equal(
    directionFidelity([3, 3], ratios, advantages),
    pooledCorrelation([ratios.slice(0, 3), ratios.slice(3)], [advantages.slice(0, 3), advantages.slice(3)]),
  );
  assert.notEqual(
    directionFidelity([2, 4], ratios, advantages),
    directionFidelity([3, 3], ratios, advantages),
  );
  assert.equal(directionFidelity([3, 3], [0, 0, 0, 0, 0, 0], advantages), null); // the reference policy
});
