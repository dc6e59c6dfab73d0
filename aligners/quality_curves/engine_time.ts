/**
 * The engine-time model of a request that runs alone, fitted at calibration:
 *
 *     ms ≈ a · forwardPasses + g · generatedTokens + c · prefillTokens
 *
 * Why this shape: the scheduler (models/engine/scheduler.ts) charges a request each pass it takes part
 * in. A decode pass costs a fixed part (launching the graph, the layers' weights) plus a part per row
 * it decodes, and a request's rows over its passes are exactly its generated tokens; a prefill pass
 * costs the fixed part plus a part per prompt token. The older model, passes · (a + b · n), charged
 * every pass n rows although rows that have finished no longer run, and charged a prefill like one
 * decode pass: blockwise decoding, which prefills the prompt and the committed prefix for every block,
 * measured 10–12 % over its prediction.
 *
 * The fit minimises the relative squared error (short and long requests count alike) with non-negative
 * coefficients (each part costs time or nothing), exactly: least squares on every subset of the three
 * features, keeping the best fit whose coefficients are all ≥ 0.
 *
 * @module
 */
import type { Cost } from "../aligner.ts";

/** Engine milliseconds per forward pass, per generated token and per prefilled prompt token. */
export interface EngineTiming {
  millisecondsPerPass: number;
  millisecondsPerGeneratedToken: number;
  millisecondsPerPrefillToken: number;
}

/** What one measured request did and how long the engine took. */
export interface TimedRequest {
  forwardPasses: number;
  generatedTokens: number;
  prefillTokens: number;
  milliseconds: number;
}

/**
 * Predicted engine milliseconds of `cost`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { engineMilliseconds } from "./engine_time.ts";
 * const timing = { millisecondsPerPass: 2, millisecondsPerGeneratedToken: 0.5, millisecondsPerPrefillToken: 0.1 };
 * assert.equal(engineMilliseconds(timing, { forwardPasses: 10, generatedTokens: 40, prefillTokens: 30, rewardEvaluations: 0 }), 43);
 * ```
 */
export function engineMilliseconds(timing: EngineTiming, cost: Cost): number {
  return timing.millisecondsPerPass * cost.forwardPasses +
    timing.millisecondsPerGeneratedToken * cost.generatedTokens +
    timing.millisecondsPerPrefillToken * cost.prefillTokens;
}

const FEATURES = ["forwardPasses", "generatedTokens", "prefillTokens"] as const;

/**
 * The non-negative least-squares fit of the model to `requests`, in relative error (see the module
 * documentation). Requests that took no time are skipped (their relative error is undefined).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitEngineTime } from "./engine_time.ts";
 * const ms = (p: number, g: number, c: number) => 2 * p + 0.5 * g + 0.1 * c;
 * const fit = fitEngineTime([
 *   { forwardPasses: 10, generatedTokens: 10, prefillTokens: 20, milliseconds: ms(10, 10, 20) },
 *   { forwardPasses: 10, generatedTokens: 40, prefillTokens: 20, milliseconds: ms(10, 40, 20) },
 *   { forwardPasses: 1, generatedTokens: 4, prefillTokens: 200, milliseconds: ms(1, 4, 200) },
 * ]);
 * assert.ok(Math.abs(fit.millisecondsPerPass - 2) < 1e-9 && Math.abs(fit.millisecondsPerPrefillToken - 0.1) < 1e-9);
 * ```
 */
export function fitEngineTime(requests: readonly TimedRequest[]): EngineTiming {
  // Relative error: each row of the design and its target divided by the measured time.
  const rows = requests.filter((r) => r.milliseconds > 0).map((r) => ({
    x: FEATURES.map((feature) => r[feature] / r.milliseconds),
    y: 1,
  }));
  if (rows.length === 0) throw new RangeError("no timed request to fit the engine time to");
  let best: { coefficients: number[]; residual: number } | undefined;
  for (let subset = 1; subset < 1 << FEATURES.length; subset++) {
    const columns = FEATURES.map((_, j) => j).filter((j) => subset & (1 << j));
    const solved = leastSquares(rows.map((row) => columns.map((j) => row.x[j])), rows.map((row) => row.y));
    if (solved === undefined || solved.some((c) => c < 0)) continue;
    const coefficients = FEATURES.map((_, j) => {
      const at = columns.indexOf(j);
      return at < 0 ? 0 : solved[at];
    });
    const residual = rows.reduce((sum, row) => {
      const fitted = row.x.reduce((s, x, j) => s + x * coefficients[j], 0);
      return sum + (fitted - row.y) ** 2;
    }, 0);
    if (best === undefined || residual < best.residual - 1e-15) best = { coefficients, residual };
  }
  // A single-feature fit of non-negative data is non-negative, so only all-zero features leave none.
  if (best === undefined) throw new RangeError("the timed requests did no work to fit the engine time to");
  const [perPass, perGenerated, perPrefill] = best.coefficients;
  return {
    millisecondsPerPass: perPass,
    millisecondsPerGeneratedToken: perGenerated,
    millisecondsPerPrefillToken: perPrefill,
  };
}

/** Least squares by the normal equations (Gaussian elimination with partial pivoting); undefined if singular. */
function leastSquares(x: readonly number[][], y: readonly number[]): number[] | undefined {
  const m = x[0].length;
  // Augmented normal equations [XᵀX | Xᵀy].
  const a = Array.from({ length: m }, (_, i) => {
    const row = new Array(m + 1).fill(0);
    for (let r = 0; r < x.length; r++) {
      for (let j = 0; j < m; j++) row[j] += x[r][i] * x[r][j];
      row[m] += x[r][i] * y[r];
    }
    return row;
  });
  const scale = Math.max(...a.map((row, i) => Math.abs(row[i])));
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 1e-12 * scale)) return undefined;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const factor = a[r][col] / a[col][col];
      for (let j = col; j <= m; j++) a[r][j] -= factor * a[col][j];
    }
  }
  return a.map((row, i) => row[m] / row[i]);
}
