/**
 * AdamW (Loshchilov & Hutter) over named Float32Array parameters, with global-norm
 * gradient clipping. Moments are plain Float32Arrays so checkpoints can save them.
 */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Clip the global gradient norm to this value (Infinity: no clipping). */
  maxGradientNorm: number;
  /** Parameters exempt from weight decay (biases, LayerNorm gains: GPT-2's convention). */
  noDecay: (name: string) => boolean;
}

export const DEFAULT_ADAMW: AdamWOptions = {
  beta1: 0.9,
  beta2: 0.95,
  epsilon: 1e-8,
  weightDecay: 0.1,
  maxGradientNorm: 1.0,
  noDecay: (name) => name.endsWith(".bias") || name.includes(".ln_") || name.includes("wpe"),
};

export interface AdamWState {
  step: number;
  firstMoment: Map<string, Float32Array>;
  secondMoment: Map<string, Float32Array>;
}

export function createAdamWState(parameters: Map<string, Float32Array>): AdamWState {
  const zeros = () => new Map([...parameters].map(([name, p]) => [name, new Float32Array(p.length)]));
  return { step: 0, firstMoment: zeros(), secondMoment: zeros() };
}

/** √(Σ g²) over every gradient tensor. */
export function globalNorm(gradients: Map<string, ArrayLike<number>>): number {
  let sum = 0;
  for (const g of gradients.values()) {
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  }
  return Math.sqrt(sum);
}

/**
 * One AdamW update in place. Returns the gradient norm before clipping.
 *
 *   g ← g·min(1, c/‖g‖);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   θ ← θ − lr·( m̂/(√v̂ + ε) + λ·θ )
 */
export function adamWStep(
  parameters: Map<string, Float32Array>,
  gradients: Map<string, ArrayLike<number>>,
  state: AdamWState,
  learningRate: number,
  options: AdamWOptions = DEFAULT_ADAMW,
): number {
  const norm = globalNorm(gradients);
  const clipScale = norm > options.maxGradientNorm ? options.maxGradientNorm / norm : 1;
  state.step += 1;
  const { beta1, beta2, epsilon } = options;
  const correction1 = 1 - beta1 ** state.step;
  const correction2 = 1 - beta2 ** state.step;
  for (const [name, theta] of parameters) {
    const g = gradients.get(name);
    if (!g) throw new Error(`no gradient for ${name}`);
    const m = state.firstMoment.get(name)!;
    const v = state.secondMoment.get(name)!;
    const decay = options.noDecay(name) ? 0 : options.weightDecay;
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i] * clipScale;
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      const update = (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + epsilon);
      theta[i] -= learningRate * (update + decay * theta[i]);
    }
  }
  return norm;
}

/** Linear warm-up, then cosine decay to `minRatio`·peak at `totalSteps`. */
export function warmupCosineLearningRate(
  step: number,
  peak: number,
  warmupSteps: number,
  totalSteps: number,
  minRatio = 0.1,
): number {
  if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
