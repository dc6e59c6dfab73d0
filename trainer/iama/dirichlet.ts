/**
 * Gamma and Dirichlet sampling with the project's `Rng`, for task distributions over criteria weights
 * (IAMA.md §2, "Meta-alignment over a continuous family of weightings").
 *
 * Shapes: `alpha` [C] (one concentration per criterion) → weights [C] on the simplex.
 *
 * Gamma(k, 1), k ≥ 1: Marsaglia & Tsang (2000), "A simple method for generating gamma variables":
 * d = k − 1/3, c = 1/√(9d); draw x ~ N(0, 1), v = (1 + c·x)³ (retry while 1 + c·x ≤ 0), u ~ U(0, 1];
 * accept d·v if u < 1 − 0.0331·x⁴ (squeeze) or log u < x²/2 + d·(1 − v + log v).
 * k < 1: Gamma(k) = Gamma(k + 1)·U^{1/k} (same paper). Dirichlet(α): G_i ~ Gamma(α_i), w_i = G_i / Σ G;
 * done on log G so tiny α (whose gammas underflow to 0) still give a valid point of the simplex.
 *
 * @module
 */

import type { Rng } from "../../models/random.ts";
import { assertPositive } from "./_validate.ts";

/**
 * One draw of Gamma(shape, scale) (mean shape·scale, variance shape·scale²).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../models/random.ts";
 * import { sampleGamma } from "./dirichlet.ts";
 * assert.ok(sampleGamma(2.5, new Rng(1)) > 0);
 * ```
 */
export function sampleGamma(shape: number, rng: Rng, scale = 1): number {
  assertPositive(scale, "gamma scale");
  return Math.exp(sampleLogGamma(shape, rng)) * scale;
}

/**
 * One draw of Dirichlet(α): non-negative weights summing to 1, E[w_i] = α_i/α_0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../../models/random.ts";
 * import { sampleDirichlet } from "./dirichlet.ts";
 * const weights = sampleDirichlet([1, 1, 1], new Rng(2));
 * assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
 * ```
 */
export function sampleDirichlet(alpha: ArrayLike<number>, rng: Rng): Float64Array {
  if (alpha.length === 0) throw new RangeError("Dirichlet needs at least one concentration");
  const logGammas = Float64Array.from(alpha, (a) => sampleLogGamma(a, rng));
  let largest = -Infinity;
  for (const value of logGammas) largest = Math.max(largest, value);
  const weights = logGammas.map((value) => Math.exp(value - largest));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** log of a Gamma(shape, 1) draw. */
function sampleLogGamma(shape: number, rng: Rng): number {
  assertPositive(shape, "gamma shape");
  if (shape >= 1) return Math.log(marsagliaTsang(shape, rng));
  const uniform = 1 - rng.nextFloat(); // (0, 1]
  return Math.log(marsagliaTsang(shape + 1, rng)) + Math.log(uniform) / shape;
}

function marsagliaTsang(shape: number, rng: Rng): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let base: number;
    do {
      x = rng.normal();
      base = 1 + c * x;
    } while (base <= 0);
    const v = base * base * base;
    const u = 1 - rng.nextFloat(); // (0, 1]: log u is finite
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
