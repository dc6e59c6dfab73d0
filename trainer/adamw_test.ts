import assert from "node:assert/strict";
import { adamWStep, createAdamWState, DEFAULT_ADAMW, globalNorm, warmupCosineLearningRate } from "./adamw.ts";

const options = { ...DEFAULT_ADAMW, maxGradientNorm: Infinity };

Deno.test("first AdamW step moves each weight by lr·g/(|g|+ε) plus decoupled decay (closed form)", () => {
  const theta = Float32Array.from([1, -2, 0.5]);
  const g = Float32Array.from([0.3, -4, 1e-3]);
  const parameters = new Map([["w", Float32Array.from(theta)]]);
  adamWStep(parameters, new Map([["w", g]]), createAdamWState(parameters), 0.01, options);
  for (let i = 0; i < 3; i++) {
    const expected = theta[i] - 0.01 * (g[i] / (Math.abs(g[i]) + 1e-8) + 0.1 * theta[i]);
    assert.ok(Math.abs(parameters.get("w")![i] - expected) < 1e-6);
  }
});

Deno.test("AdamW matches a scalar reference implementation over many steps", () => {
  const parameters = new Map([["w", Float32Array.of(3)]]);
  const state = createAdamWState(parameters);
  let [theta, m, v] = [3, 0, 0];
  for (let t = 1; t <= 50; t++) {
    const g = 2 * (theta - 1) + Math.sin(t); // noisy quadratic
    adamWStep(parameters, new Map([["w", Float32Array.of(g)]]), state, 0.05, options);
    m = 0.9 * m + 0.1 * g;
    v = 0.95 * v + 0.05 * g * g;
    theta -= 0.05 * ((m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.95 ** t)) + 1e-8) + 0.1 * theta);
    assert.ok(Math.abs(parameters.get("w")![0] - theta) < 1e-4, `step ${t}`);
  }
});

Deno.test("gradient clipping scales the global norm down to the limit and reports the norm before", () => {
  const parameters = new Map([["a", Float32Array.of(0)], ["b", Float32Array.of(0)]]);
  const gradients = new Map([["a", Float32Array.of(3)], ["b", Float32Array.of(4)]]);
  assert.equal(globalNorm(gradients), 5);
  const state = createAdamWState(parameters);
  const norm = adamWStep(parameters, gradients, state, 0.1, { ...DEFAULT_ADAMW, maxGradientNorm: 1 });
  assert.equal(norm, 5);
  // The first moment holds (1−β1)·(clipped gradient): (0.6, 0.8)·0.1.
  assert.ok(Math.abs(state.firstMoment.get("a")![0] - 0.06) < 1e-7);
  assert.ok(Math.abs(state.firstMoment.get("b")![0] - 0.08) < 1e-7);
});

Deno.test("biases and LayerNorm gains are not decayed", () => {
  const parameters = new Map([["h.0.ln_1.weight", Float32Array.of(1)], [
    "h.0.mlp.c_fc.bias",
    Float32Array.of(1),
  ]]);
  const zero = new Map([...parameters.keys()].map((k) => [k, Float32Array.of(0)]));
  adamWStep(parameters, zero, createAdamWState(parameters), 0.1, options);
  assert.deepEqual([...parameters.values()].map((p) => p[0]), [1, 1]);
});

Deno.test("learning rate warms up linearly, peaks, then decays by cosine to the floor", () => {
  assert.equal(warmupCosineLearningRate(0, 1, 10, 110), 0.1);
  assert.equal(warmupCosineLearningRate(9, 1, 10, 110), 1);
  assert.ok(Math.abs(warmupCosineLearningRate(60, 1, 10, 110) - 0.55) < 1e-12);
  assert.ok(Math.abs(warmupCosineLearningRate(110, 1, 10, 110) - 0.1) < 1e-12);
});
