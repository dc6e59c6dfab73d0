/**
 * The pooled within-prompt correlation against references: a brute-force sample correlation of the
 * centred values, invariance to per-prompt offsets and scales, and closed forms (±1, 0).
 */
import assert from "node:assert/strict";
import { Rng } from "../models/random.ts";
import { pooledCorrelation } from "./iama_stats.ts";

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
});
