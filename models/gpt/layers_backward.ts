/**
 * Backward passes of the blocks in layers.ts, written out by hand as ONNX nodes.
 *
 * Each function takes the gradient of the block's output and what the forward
 * saved, and returns the gradients of its inputs and parameters.
 */
import type { GraphBuilder } from "../onnx/graph_builder.ts";
import type { AttentionSaved, LayerNormSaved } from "./layers.ts";

/**
 * y = x̂·γ + β with x̂ = (x − μ)/σ over the last axis of x: [N, D].
 * dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dγ = Σ_N dy·x̂, dβ = Σ_N dy.
 */
export function layerNormBackward(
  g: GraphBuilder,
  dy: string,
  saved: LayerNormSaved,
): { dx: string; dWeight: string; dBias: string } {
  const xHat = g.mul(g.sub(saved.x, saved.mean), saved.invStd);
  const dWeight = g.reduceSum(g.mul(dy, xHat), [0], false);
  const dBias = g.reduceSum(dy, [0], false);
  const dxHat = g.mul(dy, saved.weight);
  const meanDxHat = g.reduceMean(dxHat, [-1], true);
  const meanDxHatXHat = g.reduceMean(g.mul(dxHat, xHat), [-1], true);
  const dx = g.mul(g.sub(g.sub(dxHat, meanDxHat), g.mul(xHat, meanDxHatXHat)), saved.invStd);
  return { dx, dWeight, dBias };
}

/** y = x·W + b with x: [N, in], W: [in, out]. dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_N dy. */
export function linearBackward(
  g: GraphBuilder,
  dy: string,
  x: string,
  weight: string,
): { dx: string; dWeight: string; dBias: string } {
  return {
    dx: g.op("Gemm", [dy, weight], { transB: 1 }),
    dWeight: g.op("Gemm", [x, dy], { transA: 1 }),
    dBias: g.reduceSum(dy, [0], false),
  };
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** d gelu/du = 0.5·(1 + t) + 0.5·u·(1 − t²)·√(2/π)·(1 + 3·0.044715·u²), t = tanh(·). */
export function geluTanhBackward(g: GraphBuilder, da: string, u: string, tanh: string): string {
  const half = g.float(0.5);
  const one = g.float(1);
  const left = g.mul(g.add(tanh, one), half);
  const sech2 = g.sub(one, g.mul(tanh, tanh));
  const innerSlope = g.mul(g.add(one, g.mul(g.mul(u, u), g.float(3 * GELU_CUBIC))), g.float(GELU_C));
  const right = g.mul(g.mul(g.mul(u, half), sech2), innerSlope);
  return g.mul(da, g.add(left, right));
}

/**
 * Backward of y = P·v, P = softmax(q̃·kᵀ + bias), q̃ = q/√hd (shapes as in `attention`).
 * dv = Pᵀ·dy, dP = dy·vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dq = dS·k/√hd, dk = dSᵀ·q̃.
 */
export function attentionBackward(
  g: GraphBuilder,
  dy: string,
  saved: AttentionSaved,
  headDim: number,
): { dQuery: string; dKey: string; dValue: string } {
  const swapLast = [0, 1, 3, 2];
  const p = saved.probabilities;
  const dValue = g.matMul(g.transpose(p, swapLast), dy);
  const dP = g.matMul(dy, g.transpose(saved.value, swapLast));
  const dScores = g.mul(p, g.sub(dP, g.reduceSum(g.mul(dP, p), [-1], true)));
  const dQuery = g.mul(g.matMul(dScores, saved.key), g.float(1 / Math.sqrt(headDim)));
  const dKey = g.matMul(g.transpose(dScores, swapLast), saved.queryScaled);
  return { dQuery, dKey, dValue };
}
